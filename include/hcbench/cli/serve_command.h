// The command line of `hcbench serve`, parsed into a ServerConfig apart from starting the
// server, so that `hcbench run --server-option` can check the options it passes through with
// serve's own parser before any cell runs, and tests can check them without a server.
#pragma once

#include "hcbench/server/config.h"

#include <optional>
#include <string>
#include <vector>

namespace hcbench {

struct ServeCommandLine {
  std::optional<ServerConfig> config; // empty on --help or an error
  std::string error;                  // one line, without the "hcbench serve: " prefix
  std::string help;                   // the --help text when it was asked for
  bool threads_given = false;         // --threads was given (else: the CPUs it may use)
};

// argv[0] is "serve".
ServeCommandLine parse_serve_command_line(int argc, const char* const* argv);
// `options` as they would follow `hcbench serve` (each one argument, "--threads=2").
ServeCommandLine parse_serve_command_line(const std::vector<std::string>& options);

} // namespace hcbench
