// Which side limited one run of a cell (results/limit.h), judged from what the run recorded:
// the client's CPU over its measured window, the server's mean CPU from the samples taken
// while it ran, and the CPUs each may use (placement, concurrency, the server's --threads).
#pragma once

#include "hcbench/results/results.h"

#include <optional>

namespace hcbench {

// Nothing for a run that measured nothing, or over a window too short to judge
// (min_judged_window_seconds). `server_threads`: the embedded server's
// --threads when given (without it, serve runs one event loop per CPU it may use).
std::optional<LimitVerdict> judge_run(const CellRun& run, unsigned concurrency,
                                      std::optional<unsigned> server_threads);

} // namespace hcbench
