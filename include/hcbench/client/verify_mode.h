// How much of each response a cell checks, and the one table of its names: the --verify
// option, the results' settings and the driver protocol all spell them the same way.
#pragma once

#include <optional>
#include <string_view>

namespace hcbench {

enum class VerifyMode {
  none,   // status only
  length, // status and body length (the default)
  digest, // status, length and the SHA-256 of the body against the expected payload
};

// "none", "length", "digest".
std::string_view verify_mode_name(VerifyMode mode);
// The mode of one of those names; nothing for any other text.
std::optional<VerifyMode> parse_verify_mode(std::string_view name);

} // namespace hcbench
