// Every external driver row (Python, Node.js) runs a few cycles against the real
// `hcbench serve` over HTTP and HTTPS, checking the body's digest, with zero failures.
#include "server_process.h"

#include "hcbench/client/driver_rows.h"
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
