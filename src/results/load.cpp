#include "hcbench/results/load.h"

#include "hcbench/results/noise.h"

#include <algorithm>

namespace hcbench {

double foreign_uncertainty_cpu_seconds(std::size_t cpus, double ticks_per_second) {
  constexpr std::size_t processes = 2; // the client and the server
  return ticks_per_second > 0 ? static_cast<double>(cpus + processes) / ticks_per_second : 0;
}

LoadSummary summarize_load(std::span<const CpuSample> samples, double min_duration_seconds,
                           double foreign_uncertainty) {
  LoadSummary out;
  double weight = 0, busy = 0, client = 0, server = 0, server_weight = 0, foreign = 0, steal = 0;
  for (const auto& s : samples) {
    ++out.samples;
    weight += s.duration_seconds;
    busy += s.busy * s.duration_seconds;
    client += s.client_cpu * s.duration_seconds;
    foreign += s.foreign_cpu * s.duration_seconds;
    steal += s.steal_cpu * s.duration_seconds;
    if (s.server_cpu) {
      server += *s.server_cpu * s.duration_seconds;
      server_weight += s.duration_seconds;
    }
    if (s.duration_seconds >= min_duration_seconds) {
      out.max_busy = std::max(out.max_busy, s.busy);
      out.max_cpu_busy = std::max(out.max_cpu_busy, s.busiest_cpu);
    }
  }
  if (weight > 0) {
    out.mean_busy = busy / weight;
    out.mean_client_cpu = client / weight;
    out.mean_foreign_cpu = std::max(0.0, foreign / weight);
    out.mean_steal_cpu = steal / weight;
    out.foreign_resolution = 100 * foreign_uncertainty / weight;
  }
  if (server_weight > 0) out.mean_server_cpu = server / server_weight;
  out.saturated = out.max_cpu_busy >= saturation_percent;
  out.foreign_load =
      out.mean_foreign_cpu - out.foreign_resolution >= foreign_load_threshold_percent;
  return out;
}

} // namespace hcbench
