// The subcommands of hcbench. Each takes (argc, argv) with argv[0] being its own name,
// parses its options with cxxopts and returns the process exit status.
#pragma once

#include <span>
#include <string_view>

namespace hcbench {

struct Command {
  std::string_view name;
  int (*run)(int argc, char** argv);
};

int serve_command(int argc, char** argv);  // src/cli/serve_command.cpp
int run_command(int argc, char** argv);    // src/cli/run_command.cpp
int report_command(int argc, char** argv); // src/cli/report_command.cpp

// The commands this build has, in the order --help lists them.
std::span<const Command> commands();

} // namespace hcbench
