#include "hcbench/cli/options.h"

#include <fmt/format.h>

#include <cstdlib>

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

std::uint64_t count_option(const cxxopts::ParseResult& parsed, const std::string& name,
                           std::uint64_t min) {
  const auto text = parsed[name].as<std::string>();
  const auto value = parse_decimal(text);
  if (!value || *value < min)
    throw OptionError(fmt::format("--{} wants a whole number >= {}, not '{}'", name, min, text));
  return *value;
}

double seconds_option(const cxxopts::ParseResult& parsed, const std::string& name, double min) {
  const auto text = parsed[name].as<std::string>();
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(value >= min) || value > 1e6)
    throw OptionError(
        fmt::format("--{} wants a number of seconds >= {}, not '{}'", name, min, text));
  return value;
}

std::string text_option(const cxxopts::ParseResult& parsed, const std::string& name) {
  return parsed.count(name) ? parsed[name].as<std::string>() : std::string();
}

void reject_positional(const cxxopts::ParseResult& parsed, const std::string& command) {
  if (!parsed.unmatched().empty()) {
    throw OptionError(fmt::format("unexpected argument '{}' (see {} --help)",
                                  parsed.unmatched().front(), command));
  }
}

} // namespace hcbench
