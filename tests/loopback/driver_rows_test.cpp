// Every external driver row (Python, Node.js) runs a few cycles against the real
// `hcbench serve` over HTTP and HTTPS, checking the body's digest, with zero failures; the
// Python rows also at concurrency 4.
#include "server_process.h"

#include "hcbench/client/driver_rows.h"
#include "hcbench/client/server_stats.h"
#include "hcbench/shared/digest.h"
#include "hcbench/shared/payload.h"

#include <gtest/gtest.h>

namespace hcbench {
namespace {

class DriverRowsLoopback : public testing::Test {
protected:
  static void SetUpTestSuite() { server_ = new test::ServerProcess(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static std::string url(const char* scheme, const std::string& path) {
    return scheme == std::string("https") ? server_->https_url(path) : server_->http_url(path);
  }
  static test::ServerProcess* server_;
};
test::ServerProcess* DriverRowsLoopback::server_ = nullptr;

TEST_F(DriverRowsLoopback, EveryRowOverHttpAndHttpsWithZeroFailures) {
  constexpr std::uint64_t length = 1024;
  const auto payload = generate_payload(length);
  for (const auto& row : driver_rows()) {
    for (const char* scheme : {"http", "https"}) {
      CellSpec spec;
      spec.url = url(scheme, "/length/" + std::to_string(length));
      spec.cycles = 4;
      spec.warmup = 1;
      spec.verify = VerifyMode::digest;
      spec.expected_length = length;
      spec.expected_digest = repr_digest(payload);
      const auto m = row.run(spec);
      SCOPED_TRACE(row.id + " " + spec.url);
      if (!m.skipped.empty()) {
        ADD_FAILURE() << "skipped: " << m.skipped << " (tools/setup.sh installs every client)";
        continue;
      }
      EXPECT_EQ(m.error, "");
      EXPECT_EQ(m.requests, 4u);
      EXPECT_EQ(m.failures.total(), 0u);
      EXPECT_EQ(m.latency.count(), 4u);
      EXPECT_EQ(m.body_bytes, 4 * length);
      EXPECT_GT(m.wall_seconds, 0.0);
      // The warm-up request opened the connection a reusing client keeps (undici's fetch
      // is seen opening a second one); a client that does not reuse opens one per request.
      if (row.reuse_connections) {
        EXPECT_LE(m.connections_opened, 2u);
      } else {
        EXPECT_EQ(m.connections_opened, 4u);
      }
      EXPECT_GE(m.process_cpu.total(), m.cpu.total()) << "start-up is in process_cpu only";
    }
  }
}

// Every Python row at concurrency 4: the counts add up exactly across the workers, and the
// connections the driver counted and the server saw are what the row's model implies.
TEST_F(DriverRowsLoopback, EveryPythonRowAtConcurrencyFour) {
  constexpr std::uint64_t length = 1024;
  constexpr unsigned concurrency = 4;
  constexpr std::uint64_t cycles = 30; // not a multiple of 4: the split must not lose any
  constexpr std::uint64_t warmup = 4;
  const auto payload = generate_payload(length);
  const std::string stats_base = server_->http_url("");
  for (const auto& row : driver_rows()) {
    if (row.group != "python") continue;
    for (const char* scheme : {"http", "https"}) {
      CellSpec spec;
      spec.url = url(scheme, "/length/" + std::to_string(length));
      spec.cycles = cycles;
      spec.warmup = warmup;
      spec.concurrency = concurrency;
      spec.verify = VerifyMode::digest;
      spec.expected_length = length;
      spec.expected_digest = repr_digest(payload);
      SCOPED_TRACE(row.id + " " + spec.url);
      const auto before = fetch_server_stats(stats_base);
      const auto m = row.run(spec);
      const auto after = fetch_server_stats(stats_base);
      ASSERT_TRUE(before && after);
      const auto server = server_delta(*before, *after);
      ASSERT_EQ(m.skipped, "");
      EXPECT_EQ(m.error, "");
      EXPECT_EQ(m.requests, cycles);
      EXPECT_EQ(m.failures.total(), 0u);
      EXPECT_EQ(m.latency.count(), cycles);
      EXPECT_EQ(m.body_bytes, cycles * length);
      EXPECT_EQ(server.requests, warmup + cycles) << "every request made once, none retried";
      if (row.reuse_connections) {
        // A pool of 4 (or 4 sessions) opens at most 4 connections, most of them in the
        // warm-up; more than one shows the requests overlapped.
        EXPECT_LE(m.connections_opened, concurrency);
        EXPECT_LE(server.connections, concurrency);
        EXPECT_GE(server.connections, 2u) << "the requests never overlapped";
      } else {
        EXPECT_EQ(m.connections_opened, cycles);
        EXPECT_EQ(server.connections, warmup + cycles);
      }
      EXPECT_GE(m.process_cpu.total(), m.cpu.total());
    }
  }
}

TEST_F(DriverRowsLoopback, WrongDigestAndStatusAreFailuresNotSuccesses) {
  for (const auto& row : driver_rows()) {
    if (row.id != "python.requests.session" && row.id != "node.http.keep-alive") continue;
    SCOPED_TRACE(row.id);
    CellSpec spec;
    spec.url = url("http", "/length/16");
    spec.cycles = 2;
    spec.verify = VerifyMode::digest;
    spec.expected_length = 16;
    spec.expected_digest = repr_digest(std::string(16, 'x'));
    auto m = row.run(spec);
    EXPECT_EQ(m.error, "");
    EXPECT_EQ(m.failures[FailureKind::digest], 2u);
    EXPECT_EQ(m.requests, 0u);

    spec.url = url("http", "/no-such-endpoint");
    m = row.run(spec);
    EXPECT_EQ(m.failures[FailureKind::status], 2u);
  }
}

} // namespace
} // namespace hcbench
