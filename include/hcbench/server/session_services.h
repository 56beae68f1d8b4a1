// What a protocol session (HTTP/1 or HTTP/2) needs from the server around it.
#pragma once

#include "hcbench/server/stats.h"
#include "hcbench/shared/payload.h"

#include <functional>
#include <string>

namespace hcbench {

// Owned by the worker, shared by its sessions.
struct SessionServices {
  PayloadCache* payloads = nullptr;
  WorkerCounters* counters = nullptr;
  const std::string* date_line = nullptr;  // "Date: <IMF-fixdate>\r\n", refreshed by the loop
  std::function<std::string()> stats_json; // the /stats document
};

} // namespace hcbench
