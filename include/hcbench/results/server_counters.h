// What the server counted during a cell (its GET /stats, read by client/server_stats.h),
// kept beside what the client counted so a result can cross-check the two.
#pragma once

#include <cstdint>

namespace hcbench {

struct ServerCounters {
  std::uint64_t requests = 0;
  std::uint64_t requests_ok = 0;       // status 200
  std::uint64_t connections = 0;       // accepted
  std::uint64_t http2_connections = 0; // of those, spoke HTTP/2 (h2 or h2c)
  std::uint64_t http2_streams = 0;     // HTTP/2 streams opened by clients
  std::uint64_t tls_full = 0;
  std::uint64_t tls_resumed = 0;
  std::uint64_t tls_failures = 0;
};

// The server's running totals at the two reads around a cell run (before its warm-up, after
// its window). The difference is the run's own count (ServerCounters); the totals themselves
// let `report --merge` check the runs of several hosts against one server together.
struct ServerReadings {
  ServerCounters before;
  ServerCounters after;
};

} // namespace hcbench
