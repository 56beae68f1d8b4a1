// A test fixture for client rows run against one `hcbench serve` shared by the test suite:
// its URLs, and one cell of a row with what the server counted meanwhile.
#pragma once

#include "server_process.h"

#include "hcbench/client/rows.h"
#include "hcbench/client/server_stats.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace hcbench::test {

class ServedRows : public testing::Test {
protected:
  static void SetUpTestSuite() { server_ = new ServerProcess(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static std::string url(const char* scheme, const std::string& path) {
    return scheme == std::string("https") ? server_->https_url(path) : server_->http_url(path);
  }
  // Runs one cell of `row` and what the server counted meanwhile (its /stats, read over
  // plain HTTP before and after).
  static std::pair<CellMeasurement, ServerCounters> run_counted(const ClientRow& row,
                                                                const CellSpec& spec) {
    const auto before = fetch_server_stats(server_->http_url(""));
    auto m = row.run(spec);
    const auto after = fetch_server_stats(server_->http_url(""));
    EXPECT_TRUE(before && after) << "the server's /stats";
    return {std::move(m), before && after ? server_delta(*before, *after) : ServerCounters{}};
  }
  static ServerCounters stats() {
    const auto counters = fetch_server_stats(server_->http_url(""));
    EXPECT_TRUE(counters.has_value());
    return counters.value_or(ServerCounters{});
  }
  static inline ServerProcess* server_ = nullptr;
};

} // namespace hcbench::test
