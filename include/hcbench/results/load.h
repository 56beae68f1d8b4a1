// The machine's load while a run went on: the vmstat-style sample series (taken by the
// client's CpuSampler) and each cell's summary of the samples taken while it ran.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace hcbench {

// One row of the series: the interval between two snapshots.
struct CpuSample {
  double time_seconds = 0; // end of the interval, since the sampler started
  double duration_seconds = 0;
  std::int64_t run_index = -1; // which cell run was in progress (-1: between cells)
  std::uint64_t runnable = 0;
  std::uint64_t blocked = 0;
  double user = 0, system = 0, idle = 0, iowait = 0, steal = 0; // % of all CPUs, as vmstat
  double busy = 0;                                              // 100 - idle - iowait
  double busiest_cpu = 0;                                       // % busy of the busiest single CPU
  double context_switches_per_second = 0;
  double interrupts_per_second = 0;
  double client_cpu = 0;            // % of one CPU
  std::optional<double> server_cpu; // % of one CPU, when the server process is known
  int client_last_cpu = -1;
  int server_last_cpu = -1;
  // % of one CPU used by everything but this process tree (the client, its drivers and the
  // embedded server), steal time included; and the steal time alone, also in % of one CPU.
  double foreign_cpu = 0;
  double steal_cpu = 0;
};

// A cell's load, from the samples taken while it ran.
struct LoadSummary {
  std::size_t samples = 0;
  double mean_busy = 0; // % of all CPUs, weighted by sample duration
  double max_busy = 0;
  double max_cpu_busy = 0; // the busiest single CPU in any sample
  double mean_client_cpu = 0;
  std::optional<double> mean_server_cpu;
  bool saturated = false;      // a CPU was busy >= saturation_percent in some sample
  double mean_foreign_cpu = 0; // % of one CPU, weighted by sample duration, never below 0
  double mean_steal_cpu = 0;
  // How far mean_foreign_cpu can be off (foreign_uncertainty_cpu_seconds over the cell).
  double foreign_resolution = 0;
  // Other processes took >= foreign_load_threshold_percent of a CPU (noise.h), by more than
  // the reading's resolution.
  bool foreign_load = false;
};

// The CPU-seconds by which a foreign-load reading can be off, whatever its length: each
// counter behind it (every CPU's busy time, the client's and the server's CPU time) is read
// to the tick at the start and at the end, and the ticks in between telescope.
double foreign_uncertainty_cpu_seconds(std::size_t cpus, double ticks_per_second);

inline constexpr double saturation_percent = 95;

// The look at the machine before the first cell: what other processes used while this run
// was idle (its server started, no request sent).
struct MachineCheck {
  double seconds = 0;
  double foreign_cpu = 0; // % of one CPU, steal included (CpuSample::foreign_cpu), >= 0
  double steal_cpu = 0;
  bool quiet = true; // foreign load not flagged, as for a cell (summarize_load)
};

// Samples shorter than `min_duration` (the boundary slivers around a cell start) count in the
// means but not in the maxima: at 100 ticks per second, a few milliseconds read as 0 or 100%.
// `foreign_uncertainty` (CPU-seconds, foreign_uncertainty_cpu_seconds) keeps a short cell's
// tick rounding from reading as foreign load.
LoadSummary summarize_load(std::span<const CpuSample> samples, double min_duration_seconds,
                           double foreign_uncertainty = 0);

} // namespace hcbench
