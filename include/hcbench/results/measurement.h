// What one run of one cell measured: the plain data every client runner fills in and the
// result model keeps (failures by kind, CPU times, the latency histogram, counts).
#pragma once

#include "hcbench/stats/histogram.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hcbench {

// Why a request failed. A failed request is counted here and never timed as a success.
enum class FailureKind {
  connect,  // TCP connect refused, unreachable, reset before a response
  tls,      // handshake or certificate failure
  timeout,  // no complete response within the request timeout
  status,   // a status other than 200
  length,   // a body shorter or longer than expected
  digest,   // body bytes differ from the expected payload (--verify digest)
  protocol, // a malformed response
  other,    // anything else the client library reported
};
inline constexpr std::size_t failure_kind_count = 8;
std::string_view failure_kind_name(FailureKind kind);

struct FailureCounts {
  std::array<std::uint64_t, failure_kind_count> by_kind{};

  void add(FailureKind kind, std::uint64_t n = 1) { by_kind[static_cast<std::size_t>(kind)] += n; }
  std::uint64_t operator[](FailureKind kind) const {
    return by_kind[static_cast<std::size_t>(kind)];
  }
  std::uint64_t total() const {
    std::uint64_t sum = 0;
    for (auto n : by_kind) sum += n;
    return sum;
  }
};

// A start this far behind its schedule counts as late: the timers hcbench waits on are exact
// to well under a millisecond, so more means the client could not keep up.
inline constexpr std::uint64_t late_start_threshold_ns = 1'000'000;

struct CpuTimes {
  double user_seconds = 0;
  double system_seconds = 0;
  double total() const { return user_seconds + system_seconds; }
};

// What one run of one cell measured, over the measured window only.
struct CellMeasurement {
  std::uint64_t requests = 0; // successful, checked, timed requests
  FailureCounts failures;
  double wall_seconds = 0;  // measured window
  CpuTimes cpu;             // client CPU spent in the measured window
  CpuTimes process_cpu;     // external clients: the child's whole rusage, start-up included
  LatencyHistogram latency; // per successful request, nanoseconds
  std::uint64_t body_bytes = 0;
  std::uint64_t connections_opened = 0;
  // HTTP/2 streams opened in the measured window (one per request, failed ones included);
  // 0 over HTTP/1.1. With connections_opened it says how the requests were multiplexed.
  std::uint64_t streams_opened = 0;
  std::uint64_t tls_full_handshakes = 0;
  std::uint64_t tls_resumed_handshakes = 0;
  // Requests/s of consecutive slices of the measured window, by request count (noise.h);
  // empty when too short to slice, when a driver reported a histogram only, or in a driver's
  // open-loop cell (its latencies run from due times).
  std::vector<double> slice_rps;
  // The measured window on the wall clock (Unix milliseconds), so that the windows of runs on
  // several hosts can be lined up and merged; 0 when unknown.
  std::int64_t window_start_unix_ms = 0;
  std::int64_t window_end_unix_ms = 0;
  // Open loop (--rate): requests start on a fixed schedule and latency counts from each one's
  // scheduled start. A measured request that started more than late_start_threshold_ns after
  // its scheduled time (the client or --max-in-flight held it back) is a late start.
  double offered_rate = 0; // requests/s asked for; 0: closed loop
  std::uint64_t late_starts = 0;
  std::uint64_t max_start_lag_ns = 0; // the latest start, behind its schedule
  std::string error;   // non-empty: the cell itself failed (driver crashed, server gone), and why
  std::string skipped; // non-empty: the cell was not run, and why (e.g. a missing module)

  bool ok() const { return error.empty() && skipped.empty() && failures.total() == 0; }
};

} // namespace hcbench
