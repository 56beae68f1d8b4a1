#include "hcbench/cli/commands.h"

#include <fmt/format.h>

namespace hcbench {

int serve_command(int, char**) {
  fmt::print(stderr, "hcbench serve: not built yet\n");
  return 1;
}

} // namespace hcbench
