// The contract between the matrix and whatever runs one cell of it (the native libcurl
// runners, the raw-socket floor, external drivers): what to run, and what was measured.
#pragma once

#include "hcbench/client/histogram.h"
#include "hcbench/client/verify_mode.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

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

// What the run asks of every cell alike, as parsed from the command line (RunOptions::cell).
// A cell's spec is these options plus what differs per cell, so an option a runner needs is
// added here once and reaches every runner without being copied on the way.
struct CellOptions {
  std::uint64_t cycles = 10000; // measured requests (the original's default)
  std::uint64_t warmup = 0;     // requests before the measured window, not counted
  double duration_seconds = 0;  // > 0: also end the measured window after this long
  VerifyMode verify = VerifyMode::length;
  bool insecure = true; // skip certificate verification (self-signed default cert)
  std::string cacert;   // CA file to verify against when not insecure
  double request_timeout_seconds = 30;
};

// What every client of a cell is asked to do, whatever its library.
struct CellSpec : CellOptions {
  std::string url;          // the full request URL
  unsigned concurrency = 1; // transfers in flight at once
  std::uint64_t expected_length = 0;
  std::string expected_digest; // Repr-Digest form, "sha-256=:...:"
};

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
  std::uint64_t tls_full_handshakes = 0;
  std::uint64_t tls_resumed_handshakes = 0;
  std::string error;   // non-empty: the cell itself failed (driver crashed, server gone), and why
  std::string skipped; // non-empty: the cell was not run, and why (e.g. a missing module)

  bool ok() const { return error.empty() && skipped.empty() && failures.total() == 0; }
};

} // namespace hcbench
