// The original's CSV layouts.
#include "sample_run.h"

#include "hcbench/results/results_csv.h"

#include <gtest/gtest.h>

namespace hcbench {
namespace {

using namespace testing_results;

TEST(ResultsCsv, WritesTheOriginalsFullLayout) {
  auto results = sample_results();
  results.cells[2].runs[0].measurement.failures.add(FailureKind::status, 3);
  const std::string csv = full_csv(results, "http", "/length/1024", 1);
  EXPECT_EQ(csv,
            "url,cycles,delay\r\n"
            "http://127.0.0.1:8080/length/1024,100,\r\n"
            "Library,Reuse Connections?,Options,Time,Failures,CPU saturated,Noise flags,Limit\r\n"
            "libcurl,True,\"Reuse handle, don't save body\",0.02,0,False,,\r\n"
            "libcurl,False,\"Reuse handle, save response to new buffer\",0.02,3,False,,\r\n"
            "raw socket,True,\"Floor: keep-alive HTTP/1.1, blocking socket, no library\",0.01,0,"
            "False,,\r\n");
  // A disturbed floor: the rows beat it, and both sides say so.
  results.cells[4].runs[0].measurement.wall_seconds = 0.04;
  const std::string flagged = full_csv(results, "http", "/length/1024", 1);
  EXPECT_NE(flagged.find("0.02,0,False,beats_floor,\r\n"), std::string::npos) << flagged;
  EXPECT_NE(flagged.find("False,floor_disturbed,\r\n"), std::string::npos) << flagged;
}

TEST(ResultsCsv, EachHttpVersionHasItsOwnLayout) {
  const auto results = sample_results({"1.1", "2"});
  EXPECT_EQ(full_csv(results, "https", "/length/1024", 1),
            full_csv(sample_results(), "https", "/length/1024", 1))
      << "the HTTP/1.1 layout is the one an HTTP/1.1-only run writes";
  const std::string http2 = full_csv(results, "https", "/length/1024", 1, "2");
  EXPECT_NE(http2.find("libcurl,True,\"Reuse handle, don't save body, HTTP/2\",0.1,0,False,,\r\n"),
            std::string::npos)
      << http2;
  EXPECT_EQ(http2.find("don't save body\","), std::string::npos) << "no HTTP/1.1 row in it";
}

TEST(ResultsCsv, WritesTheOriginalsSizeLayout) {
  RunResults results;
  results.settings.benchmark_type = "size";
  const auto rows = select_rows(
      all_rows(), {"curl.forbid-reuse.save-body", "curl.reuse-handle.save-body", "floor"});
  results.cells = plan_cells(
      rows.rows, MatrixPlan{{"http"}, "http://h:1", "", {"/length/4", "/length/512"}, {1}, {}});
  for (auto& cell : results.cells) cell.runs.push_back(run_with(cell.size == 4 ? 1.0 : 2.0, 10, 1));
  EXPECT_EQ(size_csv(results, "http", 1),
            "Response_size,Requests Time (no cnxn reuse),pyCurl Time (no cnxn reuse),"
            "Requests Time (cnxn reuse),pyCurl Time (cnxn reuse),\"raw socket, reuse cnxns: True,  "
            "options: Floor: keep-alive HTTP/1.1, blocking socket, no library Time\",Failures,"
            "Flagged cells\r\n"
            "4,,1,,1,1,0,0\r\n"
            "512,,2,,2,2,0,0\r\n");
}

} // namespace
} // namespace hcbench
