// The result model: figures derived from a run, summaries over repeats, the floor ratio.
#include "sample_run.h"

#include "hcbench/results/results.h"

#include <gtest/gtest.h>

namespace hcbench {
namespace {

using namespace testing_results;

TEST(Results, DerivesTheOriginalsFigures) {
  const CellRun run = run_with(2.0, 10000, 1024);
  EXPECT_DOUBLE_EQ(run.requests_per_second(), 5000);
  EXPECT_DOUBLE_EQ(run.throughput_mib_per_second(), 1024.0 * 10000 / 2.0 / 1048576);
  EXPECT_DOUBLE_EQ(run.cpu_us_per_request(), 1.5 * 1e6 / 10000);
}

TEST(Results, SummarizesRepeatsAsMedianAndRange) {
  CellResult cell;
  for (double wall : {1.0, 4.0, 2.0}) cell.runs.push_back(run_with(wall, 100, 4));
  const CellSummary s = summarize_cell(cell);
  EXPECT_EQ(s.runs, 3u);
  EXPECT_DOUBLE_EQ(s.requests_per_second.median, 50);
  EXPECT_DOUBLE_EQ(s.requests_per_second.min, 25);
  EXPECT_DOUBLE_EQ(s.requests_per_second.max, 100);
  EXPECT_EQ(s.requests, 300u);
  cell.runs[0].measurement.failures.add(FailureKind::digest, 2);
  EXPECT_TRUE(summarize_cell(cell).failed());
}

TEST(Results, RatesEveryRowAgainstTheFloor) {
  const auto results = sample_results();
  EXPECT_DOUBLE_EQ(*results.floor_ratio(results.cells[0]), 0.5); // HTTP, 0.02 s vs 0.01 s
  EXPECT_DOUBLE_EQ(*results.floor_ratio(results.cells[1]), 0.2); // HTTPS against the HTTP floor
  EXPECT_FALSE(results.floor_ratio(results.cells[4]));           // the floor itself
}

} // namespace
} // namespace hcbench
