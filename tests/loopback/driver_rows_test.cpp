// Every external driver row (Python, Node.js, Java) runs a few cycles against the real
// `hcbench serve` over HTTP and HTTPS, checking the body's digest, with zero failures, and
// counts the connections the server counted; the rows that run concurrently do so too, the
// Python rows at concurrency 4 with the connections their models imply.
#include "served_rows.h"

#include "hcbench/client/driver_rows.h"
#include "hcbench/client/driver_runner.h"
#include "hcbench/client/server_stats.h"
#include "hcbench/shared/data_dir.h"
#include "hcbench/shared/digest.h"
#include "hcbench/shared/payload.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <utility>

#include <unistd.h>

namespace hcbench {
namespace {

class DriverRowsLoopback : public test::ServedRows {};

TEST_F(DriverRowsLoopback, EveryRowOverHttpAndHttpsWithZeroFailures) {
  constexpr std::uint64_t length = 1024;
  const auto payload = generate_payload(length);
  for (const auto& row : driver_rows()) {
    if (!row.speaks("1.1")) continue; // HTTP/2-only rows: run_http2_test.cpp
    for (const char* scheme : {"http", "https"}) {
      CellSpec spec;
      spec.url = url(scheme, "/length/" + std::to_string(length));
      spec.cycles = 4;
      // No warm-up: every connection then falls in the measured window, so the client's
      // count must be the server's exactly.
      spec.warmup = 0;
      spec.verify = VerifyMode::digest;
      spec.expected_length = length;
      spec.expected_digest = repr_digest(payload);
      const auto [m, server] = run_counted(row, spec);
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
      // A reusing client opens one connection (undici's fetch is seen opening a second
      // one); a client that does not reuse opens one per request.
      if (row.reuse_connections) {
        EXPECT_GE(m.connections_opened, 1u);
        EXPECT_LE(m.connections_opened, 2u);
      } else {
        EXPECT_EQ(m.connections_opened, 4u);
      }
      EXPECT_EQ(m.connections_opened, server.connections) << "the server's count";
      EXPECT_EQ(server.requests, 4u);
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

// Concurrency N: N requests in flight, at most N connections for a reusing client (one per
// request otherwise), all of them seen by the server.
TEST_F(DriverRowsLoopback, ConcurrentRowsKeepNInFlight) {
  constexpr unsigned concurrency = 3;
  constexpr std::uint64_t cycles = 12;
  const auto payload = generate_payload(64);
  std::size_t concurrent_rows = 0;
  for (const auto& row : driver_rows()) {
    if (!row.supports_concurrency || !row.speaks("1.1")) continue;
    if (row.group == "go" || row.group == "rust") continue; // compiled_driver_rows_test.cpp
    ++concurrent_rows;
    for (const char* scheme : {"http", "https"}) {
      CellSpec spec;
      spec.url = url(scheme, "/length/64");
      spec.cycles = cycles;
      spec.concurrency = concurrency;
      spec.verify = VerifyMode::digest;
      spec.expected_length = 64;
      spec.expected_digest = repr_digest(payload);
      const auto [m, server] = run_counted(row, spec);
      SCOPED_TRACE(row.id + " " + spec.url);
      EXPECT_EQ(m.skipped, "");
      EXPECT_EQ(m.error, "");
      EXPECT_EQ(m.requests, cycles);
      EXPECT_EQ(m.failures.total(), 0u);
      EXPECT_EQ(server.requests, cycles);
      EXPECT_EQ(m.connections_opened, server.connections) << "the server's count";
      if (row.reuse_connections) {
        // The global fetch()'s default dispatcher has no connection limit per origin: a
        // request sent before the previous one's connection is back in the pool opens
        // another (6 for 3 in flight was seen). The server's count above still holds.
        const std::uint64_t most = row.id == "node.fetch" ? cycles : concurrency;
        EXPECT_GE(m.connections_opened, 1u);
        EXPECT_LE(m.connections_opened, most);
      } else {
        EXPECT_EQ(m.connections_opened, cycles);
      }
    }
  }
  EXPECT_GE(concurrent_rows, 25u) << "every Node.js and Java row runs concurrently";
}

// With verification on, the Node.js and Java rows trust the project's CA file (the server's
// certificate names 127.0.0.1) and refuse the self-signed chain without it: a tls failure.
TEST_F(DriverRowsLoopback, NodeAndJavaRowsVerifyAgainstTheCaFile) {
  for (const auto& row : driver_rows()) {
    if (row.group != "node" && row.group != "java") continue;
    if (!row.speaks("1.1")) continue; // HTTP/2-only rows: run_http2_test.cpp
    SCOPED_TRACE(row.id);
    CellSpec spec;
    spec.url = url("https", "/ping");
    spec.cycles = 2;
    spec.expected_length = 4;
    spec.insecure = false;
    spec.cacert = data_file("certs/ca.crt").string();
    auto m = row.run(spec);
    EXPECT_EQ(m.error, "");
    EXPECT_EQ(m.requests, 2u);
    EXPECT_EQ(m.failures.total(), 0u);

    spec.cacert.clear();
    m = row.run(spec);
    EXPECT_EQ(m.error, "");
    EXPECT_EQ(m.requests, 0u);
    EXPECT_EQ(m.failures[FailureKind::tls], 2u);
  }
}

// The Node.js driver away from its node_modules (a copy in a temporary folder): the rows of
// the npm libraries are skipped with the reason, the built-in clients still run.
TEST_F(DriverRowsLoopback, MissingNpmPackageSkipsItsRowWithTheReason) {
  const auto folder = std::filesystem::temp_directory_path() /
                      ("hcbench-node-driver-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  const auto script = folder / "hcbench_driver.mjs";
  std::filesystem::copy_file(data_file("drivers/node/hcbench_driver.mjs"), script,
                             std::filesystem::copy_options::overwrite_existing);
  const DriverProgram program{{"/usr/bin/node", script.string()}, {}};
  CellSpec spec;
  spec.url = url("http", "/ping");
  spec.cycles = 2;
  spec.expected_length = 4;
  const auto missing = run_driver(program, "got", spec);
  EXPECT_EQ(missing.error, "");
  EXPECT_NE(missing.skipped.find("npm package 'got' is not installed"), std::string::npos)
      << missing.skipped;
  const auto builtin = run_driver(program, "http.keep-alive", spec);
  EXPECT_EQ(builtin.skipped, "");
  EXPECT_EQ(builtin.requests, 2u);
  std::filesystem::remove_all(folder);
}

TEST_F(DriverRowsLoopback, JitRowsDeclareAWarmUp) {
  for (const auto& row : driver_rows()) {
    SCOPED_TRACE(row.id);
    if (row.group == "java" || row.group == "node") {
      EXPECT_GE(row.min_warmup, 1000u);
    } else {
      EXPECT_EQ(row.min_warmup, 0u);
    }
  }
}

TEST_F(DriverRowsLoopback, WrongDigestAndStatusAreFailuresNotSuccesses) {
  const std::set<std::string> checked = {
      "python.requests.session", "node.http.keep-alive", "node.axios",  "node.got",
      "java.httpclient",         "java.okhttp",          "java.apache", "java.urlconnection"};
  for (const auto& row : driver_rows()) {
    if (!checked.count(row.id)) continue;
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
