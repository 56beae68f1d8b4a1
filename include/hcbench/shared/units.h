// Sizes and durations as users type them on the command line ("64k", "1M", "1.5s").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hcbench {

// Parses a byte count: a plain decimal number with an optional binary unit
// (k/K/KiB = 1024, M/MiB = 1024^2, G/GiB = 1024^3; a trailing "B" is allowed).
// Returns nothing on anything else: signs, spaces, fractions, overflow.
std::optional<std::uint64_t> parse_size(std::string_view text);

// Parses a comma-separated list of sizes; nothing if any item is invalid or the list is empty.
std::optional<std::vector<std::uint64_t>> parse_size_list(std::string_view text);

// Parses a plain unsigned decimal number (no sign, no spaces, no unit), as /length/<n> takes it.
std::optional<std::uint64_t> parse_decimal(std::string_view text);

// "1024" -> "1k", "1048576" -> "1M", "1000" -> "1000": the shortest exact binary form.
std::string format_size(std::uint64_t bytes);

// Splits "a,b,,c" into {"a", "b", "c"} (empty items are dropped, spaces trimmed).
std::vector<std::string> split_list(std::string_view text, char separator = ',');

} // namespace hcbench
