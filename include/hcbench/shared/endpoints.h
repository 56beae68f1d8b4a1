// The test API: which request targets exist, what they answer, and the fixed bodies.
// Pure functions and immutable data, shared by `hcbench serve` (to answer) and
// `hcbench run` (to build URLs and check what comes back).
#pragma once

#include "hcbench/shared/payload.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace hcbench {

enum class Endpoint {
  ping,   // GET /ping: "pong"
  bigger, // GET /bigger: a fixed 585-byte JSON document
  length, // GET /length/<n>: n deterministic pseudo-random bytes
  stats,  // GET /stats: the server's counters as JSON
  delay,  // GET /delay/<ms>: "pong", as /ping, after ms milliseconds (server think time)
};

struct Route {
  Endpoint endpoint = Endpoint::ping;
  std::uint64_t length = 0;   // n of /length/<n>
  std::uint64_t delay_ms = 0; // ms of /delay/<ms>
  bool head = false;          // HEAD: headers only, same Content-Length
};

// The router's answer: status 200 with a route, or an error status with a short reason
// for the plain-text error body.
struct RouteMatch {
  int status = 200;
  Route route;
  std::string_view reason; // empty when status is 200
};

inline constexpr std::uint64_t default_max_length = 64ull << 20;
inline constexpr std::uint64_t default_max_delay_ms = 10000;
inline constexpr std::string_view allowed_methods = "GET, HEAD";

// Matches a request's method and target (origin-form "/ping?x", or absolute-form
// "http://host/ping"); the query string is ignored. Unknown path: 404; a known path with a
// method other than GET or HEAD: 405; /length/<n> with n not plain decimal digits or out of
// range: 400; n above max_length: 413. /delay/<ms> with ms not plain decimal digits, or above
// max_delay_ms: 400.
RouteMatch match_route(std::string_view method, std::string_view target,
                       std::uint64_t max_length = default_max_length,
                       std::uint64_t max_delay_ms = default_max_delay_ms);

// The fixed bodies, with their precomputed headers (created once, shared by all threads).
const std::shared_ptr<const Resource>& ping_resource();
const std::shared_ptr<const Resource>& bigger_resource();
std::string_view bigger_document();

// The path a client requests for an endpoint: "/ping", "/bigger", "/length/1024", "/delay/10"
// (`length` is the n of /length/<n> or the ms of /delay/<ms>).
std::string endpoint_path(Endpoint endpoint, std::uint64_t length = 0);
std::string_view endpoint_name(Endpoint endpoint);

} // namespace hcbench
