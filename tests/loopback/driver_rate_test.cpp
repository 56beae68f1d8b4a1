// The driver rows with an open-loop mode (docs/drivers.md, "Open loop"): at a rate they can
// hold, each achieves it with no failure and at most `concurrency` connections, as the server
// counts them; against a server slower than the rate, requests start late and their
// latencies, counted from their due times, grow far beyond the server's own delay (the
// coordinated-omission correction). Behaviour only: the rates are far below what the rows
// reach, and no figure is compared with another row's.
#include "served_rows.h"

#include "hcbench/client/driver_rows.h"
#include "hcbench/client/server_stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <utility>

namespace hcbench {
namespace {

class DriverRateLoopback : public test::ServedRows {};

// The rows that must have an open-loop mode, and only those (the Python rows that run
// threads of blocking requests have none).
TEST_F(DriverRateLoopback, TheAsyncPycurlAndNodeRowsHaveAnOpenLoop) {
  const std::set<std::string> python_open = {
      "python.aiohttp.session",
      "python.httpx.async-client",
      "python.pycurl.reuse-handle.discard-body",
      "python.pycurl.reuse-handle.save-body",
      "python.pycurl.forbid-reuse.save-body",
      "python.pycurl.new-handle.save-body",
  };
  for (const auto& row : driver_rows()) {
    SCOPED_TRACE(row.id);
    const bool expected =
        row.group == "node" || (row.group == "python" && python_open.count(row.id) > 0);
    EXPECT_EQ(row.supports_rate, expected);
  }
}

// Each open-loop row at 500 requests/s on /ping, 2 connections: the rate achieved (requests
// over the measured window) is the one asked, never more and at most 10% less, with no failure,
// every request made once, and the connections the client counted are the server's, at most 2 for
// a row that reuses them. No warm-up, so every connection falls in the measured window.
TEST_F(DriverRateLoopback, EveryOpenLoopRowHoldsARateItCan) {
  constexpr double rate = 500;
  constexpr std::uint64_t cycles = 300;
  constexpr unsigned concurrency = 2;
  std::size_t rows = 0;
  for (const auto& row : driver_rows()) {
    if (!row.supports_rate) continue;
    ++rows;
    CellSpec spec;
    spec.url = server_->http_url("/ping");
    spec.http_version = row.speaks("1.1") ? "1.1" : "2"; // node.http2: h2c, prior knowledge
    spec.cycles = cycles;
    spec.warmup = 0;
    spec.concurrency = concurrency;
    spec.rate = rate;
    spec.expected_length = 4;
    const auto [m, server] = run_counted(row, spec);
    SCOPED_TRACE(row.id);
    ASSERT_EQ(m.skipped, "") << "tools/setup.sh installs every client";
    EXPECT_EQ(m.error, "");
    EXPECT_EQ(m.requests, cycles);
    EXPECT_EQ(m.failures.total(), 0u);
    EXPECT_EQ(server.requests, cycles) << "every request made once, none retried";
    ASSERT_GT(m.wall_seconds, 0.0);
    // The window opens at the first request's due time, so the rate achieved is never more
    // than the rate asked; with no warm-up, a cold interpreter's first requests may start
    // late, so it may fall a little short.
    const double achieved = static_cast<double>(m.requests) / m.wall_seconds;
    EXPECT_LE(achieved, 1.01 * rate);
    EXPECT_GE(achieved, 0.9 * rate);
    EXPECT_EQ(m.offered_rate, rate);
    // Late starts are reported but not bounded: a cold interpreter's first requests, or a
    // busy machine, may start some late, which says nothing about the schedule's logic.
    EXPECT_LE(m.late_starts, cycles);
    EXPECT_EQ(m.connections_opened, server.connections) << "the server's count";
    if (row.reuse_connections) {
      // The global fetch()'s default dispatcher has no connection limit per origin: a request
      // sent before the previous one's connection is back in its pool opens another (as in
      // the closed loop, driver_rows_test.cpp); the server's count above still holds.
      const std::uint64_t most = row.id == "node.fetch" ? cycles : concurrency;
      EXPECT_GE(server.connections, 1u);
      EXPECT_LE(server.connections, most);
    } else {
      EXPECT_EQ(server.connections, cycles);
    }
  }
  EXPECT_EQ(rows, 6u + 15u) << "6 Python rows and every Node.js row";
}

// A server slower than the rate: /delay/20 on 2 connections answers at most 100 requests/s,
// asked for 500. With at most 8 requests in flight, the requests held back by that limit
// start late, and every latency counts from the request's due time, so the backlog shows:
// request i is due at i * 2 ms and answered no sooner than (i / 2 + 1) * 20 ms, so the median
// is hundreds of milliseconds, far above the server's 20 ms. One row per way of scheduling:
// asyncio, CurlMulti, Node's event loop.
TEST_F(DriverRateLoopback, ASlowServerShowsInLateStartsAndLatenciesFromDueTimes) {
  constexpr std::uint64_t cycles = 60;
  constexpr unsigned concurrency = 2;
  for (const char* id : {"python.aiohttp.session", "python.pycurl.reuse-handle.discard-body",
                         "node.undici.request"}) {
    SCOPED_TRACE(id);
    const auto rows = driver_rows();
    const auto row = std::find_if(rows.begin(), rows.end(),
                                  [&](const ClientRow& candidate) { return candidate.id == id; });
    ASSERT_NE(row, rows.end());
    CellSpec spec;
    spec.url = server_->http_url("/delay/20");
    spec.cycles = cycles;
    spec.concurrency = concurrency;
    spec.rate = 500;
    spec.max_in_flight = 8;
    spec.expected_length = 4;
    const auto [m, server] = run_counted(*row, spec);
    ASSERT_EQ(m.skipped, "");
    EXPECT_EQ(m.error, "");
    EXPECT_EQ(m.requests, cycles);
    EXPECT_EQ(m.failures.total(), 0u);
    EXPECT_LE(server.connections, concurrency);
    EXPECT_GT(m.late_starts, cycles / 2);
    EXPECT_GT(m.max_start_lag_ns, 100'000'000u) << "the last requests start 100s of ms late";
    EXPECT_GT(m.latency.quantile(0.5), 100'000'000u) << "median from the due times";
    EXPECT_GE(m.latency.min(), 20'000'000u) << "no response before the server's delay";
  }
}

} // namespace
} // namespace hcbench
