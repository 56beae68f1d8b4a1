#include "hcbench/server/stats.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace hcbench {

void WorkerCounters::count_status(int status) {
  const auto found = std::find(counted_statuses.begin(), counted_statuses.end(), status);
  const auto index = found == counted_statuses.end()
                         ? counted_statuses.size() - 1
                         : static_cast<std::size_t>(found - counted_statuses.begin());
  requests.add();
  by_status[index].add();
}

std::string stats_json(std::span<const WorkerCounters* const> workers,
                       const PayloadCacheStats& cache, unsigned threads) {
  auto sum = [&](auto member) {
    std::uint64_t total = 0;
    for (const auto* w : workers) total += (w->*member).get();
    return total;
  };
  nlohmann::json by_status = nlohmann::json::object();
  for (std::size_t i = 0; i < counted_statuses.size(); ++i) {
    std::uint64_t total = 0;
    for (const auto* w : workers) total += w->by_status[i].get();
    if (total) by_status[std::to_string(counted_statuses[i])] = total;
  }
  const nlohmann::json doc = {
      {"connections",
       {{"accepted", sum(&WorkerCounters::connections_accepted)},
        {"active", sum(&WorkerCounters::connections_active)},
        {"rejected", sum(&WorkerCounters::connections_rejected)}}},
      {"requests", {{"total", sum(&WorkerCounters::requests)}, {"by_status", by_status}}},
      {"bytes",
       {{"received", sum(&WorkerCounters::bytes_received)},
        {"sent", sum(&WorkerCounters::bytes_sent)}}},
      {"tls",
       {{"handshakes_full", sum(&WorkerCounters::tls_full_handshakes)},
        {"handshakes_resumed", sum(&WorkerCounters::tls_resumed_handshakes)},
        {"handshake_failures", sum(&WorkerCounters::tls_failures)}}},
      {"protocols",
       {{"http1",
         {{"connections",
           {{"accepted", sum(&WorkerCounters::http1_connections_accepted)},
            {"active", sum(&WorkerCounters::http1_connections_active)}}},
          {"requests", sum(&WorkerCounters::http1_requests)}}},
        {"http2",
         {{"connections",
           {{"accepted", sum(&WorkerCounters::http2_connections_accepted)},
            {"active", sum(&WorkerCounters::http2_connections_active)}}},
          {"requests", sum(&WorkerCounters::http2_requests)},
          {"streams", sum(&WorkerCounters::http2_streams)},
          {"resets_received", sum(&WorkerCounters::http2_resets_received)},
          {"goaways_sent", sum(&WorkerCounters::http2_goaways_sent)}}}}},
      {"payload_cache",
       {{"hits", cache.hits},
        {"misses", cache.misses},
        {"evictions", cache.evictions},
        {"entries", cache.entries},
        {"bytes", cache.bytes},
        {"capacity", cache.capacity}}},
      {"threads", threads},
  };
  return doc.dump() + "\n";
}

} // namespace hcbench
