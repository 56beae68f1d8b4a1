#include "hcbench/client/cell_limit.h"

#include "hcbench/client/placement.h"

#include <algorithm>

#include <unistd.h>

namespace hcbench {

namespace {

// The CPUs of a recorded CPU list; when the list is missing (an old file, an external
// server's side), every CPU of the machine.
unsigned cpu_count(const std::string& list) {
  if (const auto cpus = parse_cpu_list(list)) return static_cast<unsigned>(cpus->size());
  return static_cast<unsigned>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
}

} // namespace

std::optional<LimitVerdict> judge_run(const CellRun& run, unsigned concurrency,
                                      std::optional<unsigned> server_threads) {
  const CellMeasurement& m = run.measurement;
  if (m.wall_seconds < min_judged_window_seconds || m.requests == 0) return std::nullopt;
  LimitInputs in;
  // The measured window's own CPU time rather than the sampler's client_cpu: for a driver
  // row that is the driver's (its process, all threads), which /proc/self of hcbench run
  // does not see, and it covers exactly the window the figures come from.
  in.client_cpu = 100.0 * m.cpu.total() / m.wall_seconds;
  in.client_cpus = std::max(1u, std::min(cpu_count(run.placement.client_cpus), concurrency));
  in.server_cpu = run.load.mean_server_cpu;
  if (in.server_cpu) {
    const unsigned cpus = cpu_count(run.placement.server_cpus);
    in.server_cpus = std::max(1u, server_threads ? std::min(cpus, *server_threads) : cpus);
  }
  return judge_limit(in);
}

} // namespace hcbench
