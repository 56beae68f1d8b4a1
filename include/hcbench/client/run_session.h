// One `hcbench run` from start to finish: pin, start or reach the server, plan and run the
// matrix, then write every output.
#pragma once

#include "hcbench/client/run_options.h"

namespace hcbench {

// Exit statuses of `hcbench run`.
enum RunExit : int {
  run_ok = 0,
  run_error = 1,        // could not start or finish: unreachable server, server died, I/O
  run_usage = 2,        // a bad option
  run_failures = 3,     // finished, but some requests failed (marked in every output)
  run_interrupted = 130 // Ctrl-C: the results gathered so far were written
};

int run_benchmark(const RunOptions& options);

} // namespace hcbench
