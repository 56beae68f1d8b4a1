// Option helpers shared by the subcommands: typed values with clear errors.
#pragma once

#include "hcbench/shared/units.h"

#include <cxxopts.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace hcbench {

// A bad option value; the message names the option and says what was wrong.
struct OptionError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A byte count option ("64M", "1k", "4096").
std::uint64_t size_option(const cxxopts::ParseResult& parsed, const std::string& name);
// A number of seconds that must be > 0.
double positive_seconds(const cxxopts::ParseResult& parsed, const std::string& name);
// A whole number >= `min`, given as text ("10000").
std::uint64_t count_option(const cxxopts::ParseResult& parsed, const std::string& name,
                           std::uint64_t min);
// A number of seconds >= `min` (and at most a million), given as text ("1.5").
double seconds_option(const cxxopts::ParseResult& parsed, const std::string& name, double min);
// The text of an option without a default; "" when it was not given.
std::string text_option(const cxxopts::ParseResult& parsed, const std::string& name);
// Fails on positional arguments a command does not take.
void reject_positional(const cxxopts::ParseResult& parsed, const std::string& command);

} // namespace hcbench
