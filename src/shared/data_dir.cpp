#include "hcbench/shared/data_dir.h"

#include "hcbench_config.h"

#include <array>
#include <cstdlib>

namespace hcbench {

std::filesystem::path data_file(std::string_view relative) {
  std::array<std::filesystem::path, 4> roots{};
  if (const char* env = std::getenv("HCBENCH_DATA_DIR"); env != nullptr && *env != '\0') {
    roots[0] = env;
  }
  roots[1] = HCBENCH_SOURCE_DIR;
  // What the build makes (the Java driver's jar) is in the build tree until installed.
  roots[2] = HCBENCH_BUILD_DIR;
  roots[3] = HCBENCH_INSTALLED_DATA_DIR;
  std::error_code ignored;
  for (const auto& root : roots) {
    if (root.empty()) continue;
    auto candidate = root / relative;
    if (std::filesystem::exists(candidate, ignored)) return candidate;
  }
  return roots[1] / relative;
}

std::filesystem::path built_file(std::string_view relative) {
  const std::array<std::filesystem::path, 2> roots{HCBENCH_BUILD_DIR,
                                                   HCBENCH_INSTALLED_LIBEXEC_DIR};
  std::error_code ignored;
  for (const auto& root : roots) {
    auto candidate = root / relative;
    if (std::filesystem::exists(candidate, ignored)) return candidate;
  }
  return roots[0] / relative;
}

} // namespace hcbench
