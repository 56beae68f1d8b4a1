// What a protocol session (HTTP/1 or HTTP/2) needs from the server around it.
#pragma once

#include "hcbench/server/stats.h"
#include "hcbench/shared/payload.h"

#include <cstdint>
#include <functional>
#include <string>

namespace hcbench {

// Owned by the worker, shared by its sessions.
struct SessionServices {
  PayloadCache* payloads = nullptr;
  WorkerCounters* counters = nullptr;
  const std::string* date_line = nullptr;  // "Date: <IMF-fixdate>\r\n", refreshed by the loop
  std::function<std::string()> stats_json; // the /stats document
  std::function<std::uint64_t()> now_ms;   // the loop's clock, in ms (deferred responses)

  // When a response delayed by `delay_ms` (GET /delay/<ms>) is due, in now_ms() time. One ms
  // more than now + delay: now_ms() counts whole ms, so the request may have arrived up to a
  // ms after it, and a response must never leave before its whole delay has passed.
  std::uint64_t due_ms(std::uint64_t delay_ms) const { return now_ms() + delay_ms + 1; }
};

} // namespace hcbench
