// The matrix: which rows, which cells, in which order.
#include "hcbench/client/matrix.h"
#include "hcbench/client/native_rows.h"

#include <gtest/gtest.h>

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

TEST(Matrix, ShufflesRepeatsReproducibly) {
  EXPECT_EQ(run_order(4, 0, 1, 7), (std::vector<std::size_t>{0, 1, 2, 3}));
  EXPECT_EQ(run_order(20, 1, 3, 7), run_order(20, 1, 3, 7));
  EXPECT_NE(run_order(20, 0, 3, 7), run_order(20, 1, 3, 7));
}

} // namespace
} // namespace hcbench
