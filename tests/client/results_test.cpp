#include "hcbench/client/matrix.h"
#include "hcbench/client/native_rows.h"
#include "hcbench/results/writers.h"

#include <gtest/gtest.h>

namespace hcbench {
namespace {

CellRun run_with(double wall, std::uint64_t requests, std::uint64_t bytes_each) {
  CellRun run;
  run.measurement.requests = requests;
  run.measurement.wall_seconds = wall;
  run.measurement.body_bytes = requests * bytes_each;
  run.measurement.cpu = {0.5 * wall, 0.25 * wall};
  for (std::uint64_t i = 0; i < requests; ++i) run.measurement.latency.record(100000);
  return run;
}

// A small run: two native rows and the floor over HTTP and HTTPS, /length/1024.
RunResults sample_results() {
  RunResults results;
  results.settings.cycles = 100;
  results.environment.cpu_model = "Test CPU";
  results.environment.cpu_count = 2;
  const auto rows = select_rows(
      all_rows(), {"curl.reuse-handle.discard-body", "curl.forbid-reuse.save-body", "floor"});
  EXPECT_TRUE(rows.error.empty());
  results.cells = plan_cells(rows.rows, MatrixPlan{{"http", "https"},
                                                   "http://127.0.0.1:8080",
                                                   "https://127.0.0.1:4443",
                                                   {"/length/1024"},
                                                   {1}});
  std::int64_t order = 0;
  for (auto& cell : results.cells) {
    if (!cell.not_applicable.empty()) continue;
    // The floor does 100 requests in 0.01 s; the others are slower, HTTPS slower still.
    const double wall = cell.group == "floor" ? 0.01 : cell.protocol == "https" ? 0.05 : 0.02;
    CellRun run = run_with(wall, 100, 1024);
    run.order = order++;
    cell.runs.push_back(run);
  }
  return results;
}

TEST(ClientRow, DisplayNameReadsLikeTheOriginal) {
  ClientRow row;
  row.library = "pycurl";
  row.reuse_connections = true;
  row.options = "Reuse handle, don't save body";
  EXPECT_EQ(row.display_name(),
            "pycurl, reuse cnxns: True,  options: Reuse handle, don't save body");
}

TEST(ClientRow, OptionsSayTheConcurrencyModelAboveOne) {
  ClientRow row;
  row.library = "libcurl";
  row.options = "Reuse handle";
  EXPECT_EQ(row.options_at(8), "Reuse handle"); // no model: the options already say it
  row.concurrency_model = "CurlMulti with N handles";
  EXPECT_EQ(row.options_at(1), "Reuse handle");
  EXPECT_EQ(row.options_at(8), "Reuse handle; CurlMulti with N handles");
  EXPECT_EQ(row.display_name(8),
            "libcurl, reuse cnxns: True,  options: Reuse handle; CurlMulti with N handles");
}

TEST(Matrix, SelectsRowsByIdGroupOrAll) {
  const auto all = all_rows();
  EXPECT_EQ(select_rows(all, {"all"}).rows.size(), all.size());
  const auto native = select_rows(all, {"native"});
  EXPECT_EQ(native.rows.size(), native_rows().size());
  const auto one = select_rows(all, {"floor", "curl.reuse-handle.discard-body"});
  ASSERT_EQ(one.rows.size(), 2u);
  EXPECT_EQ(one.rows[0].id, "curl.reuse-handle.discard-body"); // table order, not selection order
  EXPECT_NE(select_rows(all, {"nope"}).error.find("nope"), std::string::npos);
}

TEST(Matrix, NormalizesPathsAndKnowsTheirBodies) {
  EXPECT_EQ(normalize_path("ping"), "/ping");
  EXPECT_EQ(normalize_path("/bigger"), "/bigger");
  EXPECT_EQ(normalize_path("length/64k"), "/length/65536");
  EXPECT_FALSE(normalize_path("length/0"));
  EXPECT_FALSE(normalize_path("stats"));
  EXPECT_EQ(expected_body("/ping", true)->length, 4u);
  EXPECT_EQ(expected_body("/bigger", false)->length, 585u);
  const auto length = expected_body("/length/1024", true);
  ASSERT_TRUE(length);
  EXPECT_EQ(length->length, 1024u);
  EXPECT_EQ(length->digest.rfind("sha-256=:", 0), 0u);
}

TEST(Matrix, PlansTheFloorOverHttpsAsNotApplicable) {
  const auto results = sample_results();
  ASSERT_EQ(results.cells.size(), 6u);
  for (const auto& cell : results.cells) {
    EXPECT_EQ(cell.not_applicable.empty(), !(cell.group == "floor" && cell.protocol == "https"));
  }
  const auto rows = select_rows(all_rows(), {"floor"}).rows;
  const auto cells = plan_cells(rows, MatrixPlan{{"http"}, "http://h", "", {"/ping"}, {1, 4}});
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_FALSE(cells[1].not_applicable.empty()); // the floor is sequential only
}

TEST(Matrix, ShufflesRepeatsReproducibly) {
  EXPECT_EQ(run_order(4, 0, 1, 7), (std::vector<std::size_t>{0, 1, 2, 3}));
  EXPECT_EQ(run_order(20, 1, 3, 7), run_order(20, 1, 3, 7));
  EXPECT_NE(run_order(20, 0, 3, 7), run_order(20, 1, 3, 7));
}

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

TEST(ResultsCsv, WritesTheOriginalsFullLayout) {
  auto results = sample_results();
  results.cells[2].runs[0].measurement.failures.add(FailureKind::status, 3);
  const std::string csv = full_csv(results, "http", "/length/1024", 1);
  EXPECT_EQ(csv,
            "url,cycles,delay\r\n"
            "http://127.0.0.1:8080/length/1024,100,\r\n"
            "Library,Reuse Connections?,Options,Time,Failures,CPU saturated\r\n"
            "libcurl,True,\"Reuse handle, don't save body\",0.02,0,False\r\n"
            "libcurl,False,\"Reuse handle, save response to new buffer\",0.02,3,False\r\n"
            "raw socket,True,\"Floor: keep-alive HTTP/1.1, blocking socket, no library\",0.01,0,"
            "False\r\n");
}

TEST(ResultsCsv, WritesTheOriginalsSizeLayout) {
  RunResults results;
  results.settings.benchmark_type = "size";
  const auto rows = select_rows(
      all_rows(), {"curl.forbid-reuse.save-body", "curl.reuse-handle.save-body", "floor"});
  results.cells = plan_cells(
      rows.rows, MatrixPlan{{"http"}, "http://h:1", "", {"/length/4", "/length/512"}, {1}});
  for (auto& cell : results.cells) cell.runs.push_back(run_with(cell.size == 4 ? 1.0 : 2.0, 10, 1));
  EXPECT_EQ(size_csv(results, "http", 1),
            "Response_size,Requests Time (no cnxn reuse),pyCurl Time (no cnxn reuse),"
            "Requests Time (cnxn reuse),pyCurl Time (cnxn reuse),\"raw socket, reuse cnxns: True,  "
            "options: Floor: keep-alive HTTP/1.1, blocking socket, no library Time\",Failures\r\n"
            "4,,1,,1,1,0\r\n"
            "512,,2,,2,2,0\r\n");
}

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
