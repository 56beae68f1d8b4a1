// The saved run: the versioned document, and its table read back.
#include "sample_run.h"

#include "hcbench/results/results_json.h"

#include <gtest/gtest.h>

namespace hcbench {
namespace {

using namespace testing_results;

TEST(ResultsJson, IsVersionedAndCarriesEveryFigure) {
  auto results = sample_results();
  CpuSample sample;
  sample.time_seconds = 0.1;
  sample.duration_seconds = 0.1;
  sample.run_index = 0;
  results.samples.push_back(sample);
  const auto json = results_to_json(results);
  EXPECT_EQ(json["schema"], "hcbench-results/1");
  const auto& cell = json["cells"][0];
  EXPECT_EQ(cell["row_id"], "curl.reuse-handle.discard-body");
  EXPECT_EQ(cell["status"], "ok");
  EXPECT_DOUBLE_EQ(cell["summary"]["rps"]["median"].get<double>(), 5000);
  EXPECT_DOUBLE_EQ(cell["summary"]["floor_ratio"].get<double>(), 0.5);
  EXPECT_EQ(cell["runs"][0]["failures"]["total"], 0);
  EXPECT_EQ(json["cells"][5]["status"], "not_applicable");
  EXPECT_EQ(json["samples"][0]["cell"], 0);
}

} // namespace
} // namespace hcbench
