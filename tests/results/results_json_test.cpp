// The saved run: the versioned document, and its table read back.
#include "sample_run.h"

#include "hcbench/results/results_json.h"
#include "hcbench/results/run_table.h"

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

TEST(ResultsJson, CarriesTheHttpVersionOfEveryCell) {
  const auto results = sample_results({"1.1", "2"});
  const auto json = results_to_json(results);
  EXPECT_EQ(json["settings"]["http_versions"], (nlohmann::json{"1.1", "2"}));
  std::size_t http2_cells = 0;
  for (const auto& cell : json["cells"]) {
    ASSERT_TRUE(cell["http_version"] == "1.1" || cell["http_version"] == "2") << cell.dump();
    if (cell["http_version"] != "2" || cell["status"] != "ok") continue;
    ++http2_cells;
    EXPECT_NE(cell["display_name"].get<std::string>().find("HTTP/2"), std::string::npos);
    EXPECT_EQ(cell["summary"]["streams"], 100);
    EXPECT_EQ(cell["runs"][0]["streams"], 100);
    // An HTTP/2 row's ratio is over the HTTP/2 floor's, which is as much slower as it is.
    if (cell["group"] != "floor" && cell["protocol"] == "http") {
      EXPECT_DOUBLE_EQ(cell["summary"]["floor_ratio"].get<double>(), 0.5) << cell["row_id"];
    }
  }
  // The two libcurl rows over HTTPS, the one that forbids reuse over h2c (the reuse row
  // over h2c only where libcurl can), and the HTTP/2 floor over h2c.
  EXPECT_GE(http2_cells, 4u);
}

TEST(ResultsJson, ASavedHttp2RunReadsBackAsItRan) {
  const auto results = sample_results({"1.1", "2"});
  const auto saved = nlohmann::json::parse(results_to_json(results).dump());
  const RunTable read = read_run_table(saved);
  EXPECT_EQ(markdown_table(read), markdown_table(run_table(results)));
  EXPECT_EQ(cells_csv(read), cells_csv(run_table(results)));
  EXPECT_NE(cells_csv(read).find("HTTP/2\",curl.forbid-reuse.save-body,http,/length/1024,"),
            std::string::npos)
      << cells_csv(read);
  EXPECT_NE(cells_csv(read).find(",2,,,\n"), std::string::npos) << cells_csv(read);
  // A run saved before the axis existed ran HTTP/1.1 only.
  auto old = saved;
  for (auto& cell : old["cells"]) cell.erase("http_version");
  for (const auto& cell : read_run_table(old).cells) EXPECT_EQ(cell.http_version, "1.1");
}

} // namespace
} // namespace hcbench
