// Writing an output of a run (its JSON, CSV or sample log) to a file.
#pragma once

#include <string>

namespace hcbench {

// Writes text to a file, replacing it; throws std::runtime_error naming the file on failure.
void write_text_file(const std::string& path, const std::string& text);

} // namespace hcbench
