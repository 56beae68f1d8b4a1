#include "hcbench/shared/units.h"

#include <array>
#include <charconv>
#include <limits>

namespace hcbench {

std::optional<std::uint64_t> parse_decimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const auto number = parse_decimal(text.substr(0, digits));
  if (!number) return std::nullopt;
  std::string_view unit = text.substr(digits);
  if (unit.size() > 1 && (unit.back() == 'B' || unit.back() == 'b') && unit != "b") {
    unit.remove_suffix(1);
  }
  struct Unit {
    std::string_view name;
    unsigned shift;
  };
  static constexpr std::array<Unit, 11> units{{{"", 0},
                                               {"B", 0},
                                               {"k", 10},
                                               {"K", 10},
                                               {"Ki", 10},
                                               {"m", 20},
                                               {"M", 20},
                                               {"Mi", 20},
                                               {"g", 30},
                                               {"G", 30},
                                               {"Gi", 30}}};
  for (const auto& u : units) {
    if (u.name != unit) continue;
    if (*number > (std::numeric_limits<std::uint64_t>::max() >> u.shift)) return std::nullopt;
    return *number << u.shift;
  }
  return std::nullopt;
}

std::vector<std::string> split_list(std::string_view text, char separator) {
  std::vector<std::string> items;
  while (!text.empty()) {
    const auto end = text.find(separator);
    std::string_view item = text.substr(0, end);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) items.emplace_back(item);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return items;
}

std::optional<std::vector<std::uint64_t>> parse_size_list(std::string_view text) {
  std::vector<std::uint64_t> sizes;
  for (const auto& item : split_list(text)) {
    const auto size = parse_size(item);
    if (!size) return std::nullopt;
    sizes.push_back(*size);
  }
  if (sizes.empty()) return std::nullopt;
  return sizes;
}

std::string format_size(std::uint64_t bytes) {
  static constexpr std::array<std::pair<unsigned, char>, 3> units{
      {{30, 'G'}, {20, 'M'}, {10, 'k'}}};
  for (const auto& [shift, suffix] : units) {
    const std::uint64_t unit = std::uint64_t{1} << shift;
    if (bytes >= unit && bytes % unit == 0) return std::to_string(bytes >> shift) + suffix;
  }
  return std::to_string(bytes);
}

} // namespace hcbench
