// hcbench: command-line dispatch only. Each subcommand parses its own options in src/cli/.
#include "hcbench/cli/commands.h"

#include "hcbench_config.h"

#include <cxxopts.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <string_view>

namespace {

constexpr std::string_view usage =
    R"(hcbench: how much does performance differ between HTTP clients?

Usage:
  hcbench serve [options]            run the test API (HTTP :8080, HTTPS :4443)
  hcbench run [URL] [options]        run the client matrix (starts its own server without URL)
  hcbench report RESULTS.json [...]  tables, CSV and SVG charts from a saved run; compare two
  hcbench --version | --help

`hcbench COMMAND --help` lists the options of each command.
)";

} // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && argv[1][0] != '-') {
    const std::string_view command = argv[1];
    for (const auto& entry : hcbench::commands()) {
      if (entry.name == command) return entry.run(argc - 1, argv + 1);
    }
    fmt::print(stderr, "hcbench: unknown command '{}' (try hcbench --help)\n", command);
    return 2;
  }
  cxxopts::Options options("hcbench", std::string(usage));
  options.add_options()("h,help", "show this help")("V,version", "show the version");
  try {
    const auto parsed = options.parse(argc, argv);
    if (parsed.count("version")) {
      fmt::print("hcbench {}\n", HCBENCH_VERSION);
      return 0;
    }
    fmt::print("{}", usage);
    return parsed.count("help") || argc == 1 ? 0 : 2;
  } catch (const cxxopts::exceptions::exception& e) {
    fmt::print(stderr, "hcbench: {} (try hcbench --help)\n", e.what());
    return 2;
  }
}
