// The command line of `hcbench run`, parsed into RunOptions (separate from the command so
// tests can check every option without running anything).
#pragma once

#include "hcbench/client/run_options.h"

#include <optional>
#include <string>

namespace hcbench {

struct RunCommandLine {
  std::optional<RunOptions> options; // empty on --help or an error
  std::string error;                 // one line, without the "hcbench run: " prefix
  std::string help;                  // the --help text when it was asked for
};

// argv[0] is "run".
RunCommandLine parse_run_command_line(int argc, char** argv);

} // namespace hcbench
