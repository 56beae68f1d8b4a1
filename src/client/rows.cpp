#include "hcbench/client/rows.h"

#include <fmt/format.h>

namespace hcbench {

std::string ClientRow::options_at(unsigned concurrency) const {
  if (concurrency <= 1 || concurrency_model.empty()) return options;
  return fmt::format("{}; {}", options, concurrency_model);
}

// The original's table spells Python booleans and puts two spaces before "options".
std::string ClientRow::display_name(unsigned concurrency) const {
  return fmt::format("{}, reuse cnxns: {},  options: {}", library,
                     reuse_connections ? "True" : "False", options_at(concurrency));
}

} // namespace hcbench
