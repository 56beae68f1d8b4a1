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
      rows.rows, MatrixPlan{{"http"}, "http://h:1", "", {"/length/4", "/length/512"}, {1}, {}});
  for (auto& cell : results.cells) cell.runs.push_back(run_with(cell.size == 4 ? 1.0 : 2.0, 10, 1));
  EXPECT_EQ(size_csv(results, "http", 1),
            "Response_size,Requests Time (no cnxn reuse),pyCurl Time (no cnxn reuse),"
            "Requests Time (cnxn reuse),pyCurl Time (cnxn reuse),\"raw socket, reuse cnxns: True,  "
            "options: Floor: keep-alive HTTP/1.1, blocking socket, no library Time\",Failures\r\n"
            "4,,1,,1,1,0\r\n"
            "512,,2,,2,2,0\r\n");
}

} // namespace
} // namespace hcbench
