// Runs one cell with an external driver: starts the driver program, hands it the cell's
// settings, enforces a deadline and turns whatever happened (a report, a crash, a hang,
// garbage, counts that do not add up) into a CellMeasurement. The run always goes on: a
// failed driver makes only its cell fail, with the reason.
#pragma once

#include "hcbench/client/cell.h"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hcbench {

struct DriverProgram {
  // The interpreter (an absolute path, never looked up on PATH) and its arguments, ending
  // with the driver script: {"/usr/bin/python3", "-I", "-B", ".../hcbench_driver.py"}.
  std::vector<std::string> command;
  std::vector<std::string> extra_env; // "NAME=value" for the driver's environment
  // Non-empty: the driver cannot run here (not built, toolchain missing), and why. The
  // cell is skipped with this reason and nothing is started.
  std::string skipped{};
};

// How long a driver may take for a cell before it is killed: time to start an interpreter
// plus a generous allowance per request (or the cell's duration), so that only a hang hits it.
std::chrono::milliseconds default_driver_timeout(const CellSpec& spec);

// Runs `client` of `program` for one cell. A missing interpreter makes the cell skipped;
// a missing script, a crash, a timeout, a non-zero exit or a rejected report make it an
// error. process_cpu is the driver's whole rusage (interpreter start-up included); cpu is
// what the driver measured around its timed loop.
CellMeasurement run_driver(const DriverProgram& program, std::string_view client,
                           const CellSpec& spec,
                           std::optional<std::chrono::milliseconds> timeout = std::nullopt);

} // namespace hcbench
