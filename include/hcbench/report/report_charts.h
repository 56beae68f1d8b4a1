// The SVG charts of one saved run, like the original's graphs.
#pragma once

#include "hcbench/report/report_model.h"

#include <string>
#include <vector>

namespace hcbench {

// The charts of one run, as (file name, SVG) pairs: RPS per client configuration (HTTP and
// HTTPS bars) and CPU per request for each endpoint, latency percentiles per protocol; when
// the run has several response sizes, RPS, throughput and CPU per request against size; when
// it has several concurrency levels, RPS, p99 latency and CPU per request against
// concurrency; and when it has several rates, p99 latency against the offered rate.
struct ChartFile {
  std::string name; // "rps-length-1024.svg"
  std::string svg;
};
std::vector<ChartFile> run_charts(const ReportRun& run);

} // namespace hcbench
