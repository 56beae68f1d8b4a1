#include "hcbench/cli/options.h"

#include <fmt/format.h>

namespace hcbench {

std::uint64_t size_option(const cxxopts::ParseResult& parsed, const std::string& name) {
  const auto text = parsed[name].as<std::string>();
  const auto size = parse_size(text);
  if (!size)
    throw OptionError(
        fmt::format("--{}: '{}' is not a size (a number, optionally with k, M or G)", name, text));
  return *size;
}

double positive_seconds(const cxxopts::ParseResult& parsed, const std::string& name) {
  const double value = parsed[name].as<double>();
  if (!(value > 0)) throw OptionError(fmt::format("--{} must be more than 0 seconds", name));
  return value;
}

void reject_positional(const cxxopts::ParseResult& parsed, const std::string& command) {
  if (!parsed.unmatched().empty()) {
    throw OptionError(fmt::format("unexpected argument '{}' (see {} --help)",
                                  parsed.unmatched().front(), command));
  }
}

} // namespace hcbench
