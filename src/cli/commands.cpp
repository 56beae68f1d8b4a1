#include "hcbench/cli/commands.h"

#include <array>

namespace hcbench {

std::span<const Command> commands() {
  static constexpr std::array all{
      Command{"serve", serve_command},
      Command{"run", run_command},
      Command{"report", report_command},
  };
  return all;
}

} // namespace hcbench
