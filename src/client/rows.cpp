#include "hcbench/client/rows.h"

#include <fmt/format.h>

namespace hcbench {

// The original's table spells Python booleans and puts two spaces before "options".
std::string ClientRow::display_name() const {
  return fmt::format("{}, reuse cnxns: {},  options: {}", library,
                     reuse_connections ? "True" : "False", options);
}

} // namespace hcbench
