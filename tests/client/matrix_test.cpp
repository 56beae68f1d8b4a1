// The matrix: which rows, which cells, in which order.
#include "hcbench/client/matrix.h"
#include "hcbench/client/native_rows.h"
#include "hcbench/client/run_options.h"

#include "hcbench/client/curl_easy.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

namespace hcbench {
namespace {

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
  ASSERT_EQ(one.rows.size(), 3u); // the floor group: HTTP/1.1's raw socket and HTTP/2's nghttp2
  EXPECT_EQ(one.rows[0].id, "curl.reuse-handle.discard-body"); // table order, not selection order
  EXPECT_NE(select_rows(all, {"nope"}).error.find("nope"), std::string::npos);
}

TEST(Matrix, NormalizesPathsAndKnowsTheirBodies) {
  EXPECT_EQ(normalize_path("ping"), "/ping");
  EXPECT_EQ(normalize_path("/bigger"), "/bigger");
  EXPECT_EQ(normalize_path("length/64k"), "/length/65536");
  EXPECT_FALSE(normalize_path("length/0"));
  EXPECT_FALSE(normalize_path("stats"));
  EXPECT_EQ(normalize_path("delay/10"), "/delay/10");
  EXPECT_EQ(normalize_path("/delay/0"), "/delay/0");
  EXPECT_FALSE(normalize_path("delay/10001"));
  EXPECT_FALSE(normalize_path("delay/1s"));
  EXPECT_EQ(expected_body("/delay/10", true)->length, 4u);
  EXPECT_EQ(expected_body("/delay/10", true)->digest, expected_body("/ping", true)->digest);
  EXPECT_EQ(expected_body("/delay/10", false)->endpoint, "delay");
  EXPECT_EQ(expected_body("/ping", true)->length, 4u);
  EXPECT_EQ(expected_body("/bigger", false)->length, 585u);
  const auto length = expected_body("/length/1024", true);
  ASSERT_TRUE(length);
  EXPECT_EQ(length->length, 1024u);
  EXPECT_EQ(length->digest.rfind("sha-256=:", 0), 0u);
}

TEST(Matrix, PlansTheFloorOverHttpsAsNotApplicable) {
  const auto rows = select_rows(
      all_rows(), {"curl.reuse-handle.discard-body", "curl.forbid-reuse.save-body", "floor"});
  ASSERT_TRUE(rows.error.empty());
  const auto planned = plan_cells(rows.rows, MatrixPlan{{"http", "https"},
                                                        "http://127.0.0.1:8080",
                                                        "https://127.0.0.1:4443",
                                                        {"/length/1024"},
                                                        {1},
                                                        {}});
  ASSERT_EQ(planned.size(), 6u);
  for (const auto& cell : planned) {
    EXPECT_EQ(cell.not_applicable.empty(), !(cell.group == "floor" && cell.protocol == "https"));
  }
  const auto floor = select_rows(all_rows(), {"floor"}).rows;
  const auto cells = plan_cells(floor, MatrixPlan{{"http"}, "http://h", "", {"/ping"}, {1, 4}, {}});
  ASSERT_EQ(cells.size(), 2u);
  EXPECT_TRUE(cells[1].not_applicable.empty()); // the floor runs N connections on epoll
  EXPECT_NE(cells[1].options.find("epoll"), std::string::npos);
}

TEST(Matrix, RatesAreAnAxisAndRowsWithoutAnOpenLoopAreNotApplicable) {
  const auto rows = select_rows(all_rows(), {"curl.reuse-handle.discard-body", "floor"}).rows;
  ClientRow closed_only = rows.front();
  closed_only.id = "closed.only";
  closed_only.supports_rate = false;
  std::vector<ClientRow> all = rows;
  all.push_back(closed_only);
  const auto cells =
      plan_cells(all, MatrixPlan{{"http"}, "http://h", "", {"/delay/10"}, {8}, {100, 500}});
  ASSERT_EQ(cells.size(), 6u);
  EXPECT_EQ(cells[0].rate, 100);
  EXPECT_EQ(cells[3].rate, 500);
  for (const auto& cell : cells) {
    EXPECT_EQ(cell.not_applicable.empty(), cell.row_id != "closed.only") << cell.row_id;
    EXPECT_EQ(cell.endpoint, "delay");
    EXPECT_EQ(cell.size, 4u);
  }
}

TEST(ClientRow, OverHttp2TheLabelSaysSoAndTheStreamModel) {
  ClientRow row;
  row.library = "libcurl";
  row.options = "Reuse handle";
  row.concurrency_model = "CurlMulti with N handles";
  EXPECT_EQ(row.options_at(1, "1.1"), "Reuse handle") << "HTTP/1.1 labels stay as they were";
  EXPECT_EQ(row.options_at(1, "2"), "Reuse handle, HTTP/2");
  EXPECT_EQ(row.options_at(8, "2"), "Reuse handle, HTTP/2; CurlMulti with N handles");
  row.http2_concurrency_model = "N streams on one connection";
  EXPECT_EQ(row.options_at(8, "1.1"), "Reuse handle; CurlMulti with N handles");
  EXPECT_EQ(row.display_name(8, "2"),
            "libcurl, reuse cnxns: True,  options: Reuse handle, HTTP/2; N streams on one "
            "connection");
  EXPECT_TRUE(row.speaks("1.1"));
  EXPECT_FALSE(row.speaks("2"));
}

const CellResult& find_cell(const std::vector<CellResult>& cells, std::string_view row,
                            std::string_view version, std::string_view protocol) {
  for (const auto& cell : cells) {
    if (cell.row_id == row && cell.http_version == version && cell.protocol == protocol)
      return cell;
  }
  throw std::runtime_error(fmt::format("no cell {} {} {}", row, version, protocol));
}

// The server holds /delay responses over HTTP/2 as over HTTP/1.1: those cells run.
TEST(Matrix, DelayCellsRunOverHttp2) {
  const auto rows = select_rows(all_rows(), {"curl.reuse-handle.discard-body", "floor"});
  ASSERT_TRUE(rows.error.empty());
  MatrixPlan plan{{"http", "https"}, "http://h:1", "https://h:2", {"/delay/10"}, {1}};
  plan.http_versions = {"2"};
  const auto cells = plan_cells(rows.rows, plan);
  EXPECT_TRUE(
      find_cell(cells, "curl.reuse-handle.discard-body", "2", "https").not_applicable.empty());
  EXPECT_TRUE(find_cell(cells, "floor.nghttp2", "2", "http").not_applicable.empty());
  EXPECT_TRUE(find_cell(cells, "floor.nghttp2", "2", "https").not_applicable.empty());
}

TEST(Matrix, TheHttpVersionAxisComesBetweenRowAndProtocol) {
  const auto rows =
      select_rows(all_rows(), {"curl.reuse-handle.discard-body", "curl.forbid-reuse.save-body",
                               "floor", "python.requests.session", "python.httpx.client"});
  ASSERT_TRUE(rows.error.empty());
  MatrixPlan plan{{"http", "https"}, "http://h:1", "https://h:2", {"/ping"}, {1}};
  plan.http_versions = {"1.1", "2"};
  const auto cells = plan_cells(rows.rows, plan);
  ASSERT_EQ(cells.size(), 6u * 2 * 2); // 6 rows × 2 versions × 2 protocols
  EXPECT_EQ(cells[0].http_version, "1.1");
  EXPECT_EQ(cells[1].http_version, "1.1");
  EXPECT_EQ(cells[2].http_version, "2"); // the same row over HTTP/2, beside it
  EXPECT_EQ(cells[2].row_id, cells[0].row_id);
  EXPECT_EQ(cells[2].protocol, "http");
  EXPECT_NE(cells[2].display_name, cells[0].display_name);
  EXPECT_NE(cells[2].display_name.find("HTTP/2"), std::string::npos);

  // Who speaks what: the reason says it.
  EXPECT_EQ(find_cell(cells, "python.requests.session", "2", "https").not_applicable,
            "this client speaks HTTP/1.1 only");
  EXPECT_TRUE(find_cell(cells, "python.httpx.client", "2", "https").not_applicable.empty());
  EXPECT_TRUE(find_cell(cells, "python.httpx.client", "2", "http").not_applicable.empty());
  EXPECT_EQ(find_cell(cells, "floor.raw-socket", "2", "http").not_applicable,
            "this client speaks HTTP/1.1 only");
  EXPECT_EQ(find_cell(cells, "floor.nghttp2", "1.1", "http").not_applicable,
            "this client speaks HTTP/2 only");
  EXPECT_TRUE(find_cell(cells, "floor.nghttp2", "2", "http").not_applicable.empty());
  EXPECT_TRUE(find_cell(cells, "floor.nghttp2", "2", "https").not_applicable.empty())
      << "the HTTP/2 floor has TLS under it";
  EXPECT_FALSE(find_cell(cells, "floor.raw-socket", "1.1", "https").not_applicable.empty());
  // libcurl over h2: TLS always; h2c prior knowledge only where libcurl can reuse it.
  EXPECT_TRUE(
      find_cell(cells, "curl.reuse-handle.discard-body", "2", "https").not_applicable.empty());
  EXPECT_EQ(find_cell(cells, "curl.reuse-handle.discard-body", "2", "http").not_applicable.empty(),
            curl_reuses_h2c_connections());
  EXPECT_TRUE(find_cell(cells, "curl.forbid-reuse.save-body", "2", "http").not_applicable.empty())
      << "a connection per request never reuses one";
}

TEST(Matrix, AnHttp11RunLeavesTheHttp2OnlyRowsOut) {
  const auto floor = select_rows(all_rows(), {"floor", "node"}).rows;
  const auto cells = plan_cells(floor, MatrixPlan{{"http"}, "http://h", "", {"/ping"}, {1}});
  for (const auto& cell : cells) {
    EXPECT_NE(cell.row_id, "floor.nghttp2");
    EXPECT_NE(cell.row_id, "node.http2");
    EXPECT_EQ(cell.http_version, "1.1");
  }
}

TEST(Matrix, ShufflesRepeatsReproducibly) {
  EXPECT_EQ(run_order(4, 0, 1, 7), (std::vector<std::size_t>{0, 1, 2, 3}));
  EXPECT_EQ(run_order(20, 1, 3, 7), run_order(20, 1, 3, 7));
  EXPECT_NE(run_order(20, 0, 3, 7), run_order(20, 1, 3, 7));
}

} // namespace
} // namespace hcbench

namespace hcbench {
namespace {

// A row whose cells take `seconds[i]` for their i-th run of 100 requests: no server needed.
ClientRow timed_row(std::string id, std::string group, std::vector<double> seconds) {
  ClientRow row;
  row.id = std::move(id);
  row.group = std::move(group);
  row.library = row.id;
  auto runs = std::make_shared<std::size_t>(0);
  row.run = [seconds, runs](const CellSpec&) {
    CellMeasurement m;
    m.requests = 100;
    m.wall_seconds = seconds[std::min(*runs, seconds.size() - 1)];
    ++*runs;
    for (int i = 0; i < 100; ++i) m.latency.record(1000);
    return m;
  };
  return row;
}

TEST(Matrix, ARowThatBeatsItsFloorGetsTheFloorMeasuredAgainAtTheEnd) {
  // The floor's first run is disturbed (1,000/s), its second is not (20,000/s); the row
  // does 5,000/s.
  const std::vector<ClientRow> rows = {timed_row("fast", "native", {0.02}),
                                       timed_row("floor.test", "floor", {0.1, 0.005})};
  RunOptions options;
  options.cell.cycles = 100;
  options.progress = false;
  options.sample_ms = 10;
  RunResults results;
  results.cells = plan_cells(rows, MatrixPlan{{"http"}, "http://127.0.0.1:1", "", {"/ping"}, {1}});
  run_matrix(results, rows, options, MatrixServer{});
  ASSERT_EQ(results.cells.size(), 2u);
  const CellResult& row = results.cells[0];
  const CellResult& floor = results.cells[1];
  ASSERT_EQ(floor.runs.size(), 1u);
  ASSERT_EQ(floor.floor_remeasured.size(), 1u) << "measured once more, once";
  EXPECT_TRUE(row.floor_remeasured.empty());
  EXPECT_TRUE(results.floor_disturbed(floor));
  EXPECT_FALSE(results.beats_floor(row)) << "not against the re-measured floor";
  EXPECT_NEAR(*results.floor_ratio(row), 0.25, 1e-9);
  EXPECT_GT(floor.floor_remeasured[0].order, row.runs[0].order);
}

TEST(Matrix, AnUndisturbedFloorIsMeasuredOnce) {
  const std::vector<ClientRow> rows = {timed_row("slow", "native", {0.02}),
                                       timed_row("floor.test", "floor", {0.005})};
  RunOptions options;
  options.cell.cycles = 100;
  options.progress = false;
  RunResults results;
  results.cells = plan_cells(rows, MatrixPlan{{"http"}, "http://127.0.0.1:1", "", {"/ping"}, {1}});
  run_matrix(results, rows, options, MatrixServer{});
  EXPECT_TRUE(results.cells[1].floor_remeasured.empty());
  EXPECT_FALSE(results.floor_disturbed(results.cells[1]));
}

} // namespace
} // namespace hcbench
