// Where hcbench finds the files it ships beside the binary: the default certificate
// (certs/) and the client drivers (drivers/), and the drivers it compiles (Go, Rust).
#pragma once

#include <filesystem>
#include <string_view>

namespace hcbench {

// The first of: $HCBENCH_DATA_DIR, the source tree this binary was built from, its build
// tree (for built drivers: the Java driver's jar), the installed data directory
// (<prefix>/share/hcbench), that holds `relative`. Returns the
// path under the source tree when none has it, so error messages name a real place.
std::filesystem::path data_file(std::string_view relative);

// A program meson builds beside hcbench (the compiled drivers, `drivers/go/hcbench-go-driver`):
// the first of the build tree this binary was built in and the installed program directory
// (<prefix>/libexec/hcbench) that holds `relative`. Returns the path under the build tree
// when none has it, so a message about a driver that was not built names where it belongs.
std::filesystem::path built_file(std::string_view relative);

} // namespace hcbench
