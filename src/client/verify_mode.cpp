#include "hcbench/client/verify_mode.h"

#include <array>
#include <utility>

namespace hcbench {

namespace {

constexpr std::array<std::pair<VerifyMode, std::string_view>, 3> names{{
    {VerifyMode::none, "none"},
    {VerifyMode::length, "length"},
    {VerifyMode::digest, "digest"},
}};

} // namespace

std::string_view verify_mode_name(VerifyMode mode) {
  for (const auto& [value, name] : names) {
    if (value == mode) return name;
  }
  return "length";
}

std::optional<VerifyMode> parse_verify_mode(std::string_view name) {
  for (const auto& [value, text] : names) {
    if (text == name) return value;
  }
  return std::nullopt;
}

} // namespace hcbench
