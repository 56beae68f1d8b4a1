// The one table of a run: what `run` prints, and what `report` prints from the saved JSON.
#include "sample_run.h"

#include "hcbench/results/results_json.h"
#include "hcbench/results/run_table.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace hcbench {
namespace {

using namespace testing_results;

TEST(ResultsTable, MarksFailuresSaturationAndNotApplicable) {
  auto results = sample_results();
  results.cells[0].runs[0].load.saturated = true;
  results.cells[2].runs[0].measurement.failures.add(FailureKind::connect, 1);
  const std::string table = markdown_report(results);
  EXPECT_NE(table.find("| Request Type | RPS HTTP | RPS HTTPS | CPU µs/req HTTP"),
            std::string::npos);
  EXPECT_NE(table.find(
                "| libcurl, reuse cnxns: True,  options: Reuse handle, don't save body | 5000.0 †"),
            std::string::npos)
      << table;
  EXPECT_NE(
      table.find("⚠ libcurl, reuse cnxns: False,  options: Reuse handle, save response to new "
                 "buffer, HTTP: 1 failed requests (connect 1)"),
      std::string::npos)
      << table;
  EXPECT_NE(table.find("| 10000.0 | n/a |"), std::string::npos) << table;
}

// Which side was the limit, in every output: a mark on each cell's RPS in place of †, the
// remedies under the table when it was the server, a column and a field in the flat outputs,
// and the same from the saved run.
TEST(RunTable, LimitReplacesTheSaturatedMarkAndNamesTheRemedies) {
  auto results = sample_results();
  results.environment.cpu_count = 4;
  results.environment.placement = {"0", "1", 0, 1, true, "cross-core"};
  results.settings.server_options = {"--max-delay=1"};
  ASSERT_EQ(results.cells[1].protocol, "https");
  results.cells[0].runs[0].load.saturated = true;
  results.cells[0].runs[0].limit = judge_limit({95, 1, 40.0, 1});
  results.cells[1].runs[0].limit = judge_limit({50, 1, 97.0, 1});
  results.cells[2].runs[0].limit = judge_limit({45, 1, 38.0, 1});
  results.cells[3].runs[0].limit = judge_limit({93, 1, 95.0, 1});
  const std::string table = markdown_report(results);
  const std::string reuse = "| libcurl, reuse cnxns: True,  options: Reuse handle, don't save body";
  EXPECT_NE(table.find(reuse + " | 5000.0 C | 2000.0 S |"), std::string::npos) << table;
  EXPECT_EQ(table.find("†"), std::string::npos) << table;
  EXPECT_NE(table.find("| 5000.0 L | 2000.0 CS |"), std::string::npos) << table;
  EXPECT_NE(table.find("S libcurl, reuse cnxns: True,  options: Reuse handle, don't save body, "
                       "HTTPS: the server used 97% of its 1 CPU"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("--server-option --threads=3 with --pin server=CPUS"), std::string::npos)
      << table;
  EXPECT_NE(table.find("--server-option --tls-engine=openssl"), std::string::npos) << table;
  EXPECT_NE(table.find("Limit, from each side's mean CPU"), std::string::npos) << table;
  // Over plain HTTP on a machine with no CPU to spare, it says so.
  {
    auto cramped = results;
    cramped.environment.cpu_count = 2;
    cramped.cells[2].runs[0].limit = judge_limit({50, 1, 97.0, 1});
    const std::string text = markdown_report(cramped);
    EXPECT_NE(text.find("save response to new buffer, HTTP: the server used 97% of its 1 CPU: "
                        "the figure measures the server, not the client. This machine has no "
                        "CPU to spare for it"),
              std::string::npos)
        << text;
  }
  EXPECT_NE(table.find("embedded hcbench serve on loopback (--max-delay=1)"), std::string::npos)
      << table;

  const auto saved = nlohmann::json::parse(results_to_json(results).dump(2));
  EXPECT_EQ(saved["cells"][1]["summary"]["limit"], "server");
  EXPECT_EQ(saved["cells"][1]["runs"][0]["limit"]["side"], "server");
  EXPECT_EQ(saved["cells"][1]["summary"]["limit_cpu"]["server_cpu_percent"], 97.0);
  EXPECT_EQ(saved["settings"]["server_options"], nlohmann::json::array({"--max-delay=1"}));
  const RunTable read = read_run_table(saved);
  EXPECT_EQ(markdown_table(read), table);
  EXPECT_EQ(cells_csv(read), cells_csv(run_table(results)));
  EXPECT_NE(cells_csv(read).find(",client\n"), std::string::npos) << cells_csv(read);
  EXPECT_EQ(nlohmann::json::parse(cells_json(read, "x"))["cells"][3]["limit"], "both");
  const RunResults again = read_results(saved);
  ASSERT_TRUE(again.cells[1].runs[0].limit);
  EXPECT_EQ(again.cells[1].runs[0].limit->limit, Limit::server);
  EXPECT_EQ(again.settings.server_options, results.settings.server_options);

  // A run saved before the verdict still shows its †, and no limit.
  auto old = saved;
  for (auto& cell : old["cells"]) {
    cell["summary"].erase("limit");
    cell["summary"].erase("limit_cpu");
  }
  const std::string old_table = markdown_table(read_run_table(old));
  EXPECT_NE(old_table.find(reuse + " | 5000.0 † | 2000.0 |"), std::string::npos) << old_table;
  EXPECT_EQ(old_table.find("Limit, from"), std::string::npos) << old_table;
}

// Every mark the table can show: ranges over repeats, failures, an error, a skipped row, an
// interrupted run, a saturated CPU, a cell with no figures.
RunResults eventful_results() {
  auto results = sample_results();
  results.settings.repeat = 3;
  results.settings.warmup = 5;
  results.environment.hcbench_version = "0.1.0";
  results.environment.kernel = "Linux 6.1";
  results.environment.libcurl_version = "7.88.1";
  results.environment.placement = {"0-1", "0-1", 0, 1, false, "unpinned"};
  for (auto& cell : results.cells) {
    if (!cell.not_applicable.empty()) continue;
    // The floor twice as fast as the others.
    const double scale = cell.group == "floor" ? 0.5 : 1;
    for (double wall : {0.031, 0.029}) cell.runs.push_back(run_with(wall * scale, 100, 1024));
  }
  results.cells[0].runs[1].load.saturated = true;
  results.cells[1].runs[2].interrupted = true;
  for (auto& run : results.cells[2].runs) run.measurement = {};
  results.cells[2].runs[0].measurement.error = "driver crashed | exit 1";
  results.cells[3].runs.clear();
  CellRun skipped;
  skipped.measurement.skipped = "Python module 'x' is not installed";
  results.cells[3].runs.push_back(skipped);
  results.cells[4].runs[0].measurement.failures.add(FailureKind::timeout, 2);
  return results;
}

TEST(RunTable, ShowsRangesAndEveryMark) {
  const std::string table = markdown_report(eventful_results());
  EXPECT_NE(table.find("median (min–max) of 3 runs"), std::string::npos) << table;
  EXPECT_NE(table.find("### /length/1024 (1024 bytes), concurrency 1"), std::string::npos) << table;
  EXPECT_NE(table.find("| 3448.3 (3225.8–5000.0) †"), std::string::npos) << table;
  EXPECT_NE(table.find(" ‡ |"), std::string::npos) << table;
  EXPECT_NE(table.find("skipped: Python module 'x' is not installed"), std::string::npos) << table;
  EXPECT_NE(table.find("driver crashed \\| exit 1"), std::string::npos) << table;
  EXPECT_NE(table.find("| failed ⚠ |"), std::string::npos) << table;
  EXPECT_NE(table.find("2 failed requests (timeout 2)"), std::string::npos) << table;
  EXPECT_NE(table.find("warm-up 5"), std::string::npos) << table;
}

// A run reported later reads exactly as it did when it ran: the JSON carries every figure
// the table shows, and a double survives its text form.
TEST(RunTable, ReadsTheSameFromTheSavedRun) {
  for (const auto& results : {sample_results(), eventful_results()}) {
    const auto saved = nlohmann::json::parse(results_to_json(results).dump(2));
    const RunTable live = run_table(results);
    const RunTable read = read_run_table(saved);
    EXPECT_EQ(markdown_table(read), markdown_table(live));
    EXPECT_EQ(cells_csv(read), cells_csv(live));
    EXPECT_EQ(cells_json(read, "saved.json"), cells_json(live, "saved.json"));
    EXPECT_EQ(markdown_report(results), markdown_table(read));
  }
}

TEST(RunTable, CellsWithoutFiguresHaveEmptyColumns) {
  const auto table = run_table(eventful_results());
  const std::string csv = cells_csv(table);
  EXPECT_TRUE(csv.starts_with("Request Type,row_id,protocol,path,size"));
  EXPECT_NE(csv.find(",skipped,0,0,0,,,,,,,,,,Python module 'x' is not installed,,,,1.1,,,\n"),
            std::string::npos)
      << csv;
  const auto json = nlohmann::json::parse(cells_json(table, "x.json"));
  EXPECT_EQ(json["schema"], "hcbench-report/1");
  EXPECT_TRUE(json["cells"][3]["rps"]["median"].is_null());
  EXPECT_NEAR(json["cells"][0]["floor_ratio"].get<double>(), 0.5, 1e-12);
}

} // namespace
} // namespace hcbench
