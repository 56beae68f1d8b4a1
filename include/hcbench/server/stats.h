// The server's counters, exposed at GET /stats so a client run can cross-check what it
// counted. Each worker thread owns one WorkerCounters and is its only writer (relaxed
// load+store, no read-modify-write on the hot path); /stats sums every worker's.
#pragma once

#include "hcbench/shared/payload.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>

namespace hcbench {

// The statuses the server can answer with, in the order /stats lists them; anything else
// would be counted as the last, 500.
inline constexpr std::array<int, 9> counted_statuses{200, 400, 404, 405, 408, 413, 431, 505, 500};

class Counter {
public:
  void add(std::uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void sub(std::uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) - n, std::memory_order_relaxed);
  }
  std::uint64_t get() const { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<std::uint64_t> value_{0};
};

struct alignas(64) WorkerCounters {
  Counter connections_accepted;
  Counter connections_active;
  Counter connections_rejected; // over --max-connections
  Counter requests;
  std::array<Counter, counted_statuses.size()> by_status;
  Counter bytes_received; // from the socket (ciphertext for HTTPS)
  Counter bytes_sent;
  Counter tls_full_handshakes;
  Counter tls_resumed_handshakes;
  Counter tls_failures;
  // Per protocol version. `requests` above counts both versions.
  Counter http1_requests;
  Counter http1_connections_accepted; // HTTP/1 sessions started (an upgraded one counts in both)
  Counter http1_connections_active;
  Counter http2_connections_accepted; // HTTP/2 sessions started (prior knowledge, ALPN, Upgrade)
  Counter http2_connections_active;
  Counter http2_requests;
  Counter http2_streams;         // streams the clients opened, answered or not
  Counter http2_resets_received; // RST_STREAM frames from clients
  Counter http2_goaways_sent;    // GOAWAY frames sent (graceful or for an error)

  void count_status(int status);
};

// The /stats document for a set of workers and the shared payload cache.
std::string stats_json(std::span<const WorkerCounters* const> workers,
                       const PayloadCacheStats& cache, unsigned threads);

} // namespace hcbench
