// Test helper: a small run built in code (two libcurl rows and the floor over HTTP and
// HTTPS, /length/1024) with chosen figures, for the results writers' tests.
#pragma once

#include "hcbench/client/matrix.h"
#include "hcbench/client/native_rows.h"
#include "hcbench/results/results.h"

#include <gtest/gtest.h>

namespace hcbench::testing_results {

inline CellRun run_with(double wall, std::uint64_t requests, std::uint64_t bytes_each) {
  CellRun run;
  run.measurement.requests = requests;
  run.measurement.wall_seconds = wall;
  run.measurement.body_bytes = requests * bytes_each;
  run.measurement.cpu = {0.5 * wall, 0.25 * wall};
  for (std::uint64_t i = 0; i < requests; ++i) run.measurement.latency.record(100000);
  return run;
}

// A small run: two native rows and the floor over HTTP and HTTPS, /length/1024; with
// `http_versions` {"1.1", "2"} each row also over HTTP/2, and the HTTP/2 floor.
inline RunResults sample_results(std::vector<std::string> http_versions = {"1.1"}) {
  RunResults results;
  results.settings.cycles = 100;
  results.settings.http_versions = http_versions;
  results.environment.cpu_model = "Test CPU";
  results.environment.cpu_count = 2;
  const auto rows = select_rows(
      all_rows(), {"curl.reuse-handle.discard-body", "curl.forbid-reuse.save-body", "floor"});
  EXPECT_TRUE(rows.error.empty());
  results.cells = plan_cells(rows.rows, MatrixPlan{{"http", "https"},
                                                   "http://127.0.0.1:8080",
                                                   "https://127.0.0.1:4443",
                                                   {"/length/1024"},
                                                   {1},
                                                   http_versions});
  std::int64_t order = 0;
  for (auto& cell : results.cells) {
    if (!cell.not_applicable.empty()) continue;
    // The floor does 100 requests in 0.01 s; the others are slower, HTTPS slower still.
    double wall = cell.group == "floor" ? 0.01 : cell.protocol == "https" ? 0.05 : 0.02;
    if (cell.http_version == "2") wall *= 2; // so HTTP/2's ratios differ from HTTP/1.1's
    CellRun run = run_with(wall, 100, 1024);
    if (cell.http_version == "2") run.measurement.streams_opened = 100;
    run.order = order++;
    cell.runs.push_back(run);
  }
  return results;
}

} // namespace hcbench::testing_results
