#include "hcbench/shared/endpoints.h"

#include "hcbench/shared/units.h"

namespace hcbench {

namespace {

// Our own fixed JSON document, exactly as long as the original's /bigger (585 bytes), so
// results stay comparable; its shape is described in docs/endpoints.md.
constexpr std::string_view bigger_json = R"json({
 "glossary": {
  "title": "hcbench fixed document",
  "version": 1,
  "endpoints": [
   {"path": "/ping", "type": "text/plain", "bytes": 4},
   {"path": "/bigger", "type": "application/json", "bytes": 585},
   {"path": "/length/<n>", "type": "application/octet-stream"}
  ],
  "original": {"project": "python-client-benchmarks", "year": 2016},
  "flags": {"deterministic": true, "cached": true, "compressed": false},
  "fibonacci": [1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89],
  "note": "The same bytes on every request, thread and restart; padded to the original's size..........."
 }
}
)json";
static_assert(bigger_json.size() == 585, "/bigger must stay exactly 585 bytes");

constexpr std::string_view length_prefix = "/length/";
constexpr std::string_view delay_prefix = "/delay/";

// Reduces an absolute-form target ("http://host:8080/ping?q") to its path ("/ping").
std::string_view request_path(std::string_view target) {
  if (!target.empty() && target.front() != '/') {
    const auto scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) return target;
    const auto path_start = target.find('/', scheme_end + 3);
    target = path_start == std::string_view::npos ? "/" : target.substr(path_start);
  }
  return target.substr(0, target.find_first_of("?#"));
}

RouteMatch error(int status, std::string_view reason, bool head) {
  Route route;
  route.head = head; // a HEAD request gets the error's headers without its body
  return {status, route, reason};
}

} // namespace

RouteMatch match_route(std::string_view method, std::string_view target, std::uint64_t max_length,
                       std::uint64_t max_delay_ms) {
  const std::string_view path = request_path(target);
  const bool head = method == "HEAD";
  Route route;
  route.head = head;
  if (path == "/ping") {
    route.endpoint = Endpoint::ping;
  } else if (path == "/bigger") {
    route.endpoint = Endpoint::bigger;
  } else if (path == "/stats") {
    route.endpoint = Endpoint::stats;
  } else if (path.starts_with(length_prefix)) {
    route.endpoint = Endpoint::length;
  } else if (path.starts_with(delay_prefix)) {
    route.endpoint = Endpoint::delay;
  } else {
    return error(404, "Not found: the endpoints are /ping, /bigger, /length/<n> and /delay/<ms>\n",
                 head);
  }

  if (!head && method != "GET") return error(405, "Method not allowed: use GET or HEAD\n", false);

  if (route.endpoint == Endpoint::length) {
    const auto length = parse_decimal(path.substr(length_prefix.size()));
    if (!length) {
      return error(400, "Bad length: /length/<n> takes n as plain decimal digits\n", head);
    }
    if (*length > max_length) {
      return error(413, "Length too large: n is above this server's --max-length\n", head);
    }
    route.length = *length;
  }
  if (route.endpoint == Endpoint::delay) {
    const auto delay = parse_decimal(path.substr(delay_prefix.size()));
    if (!delay) {
      return error(400, "Bad delay: /delay/<ms> takes ms as plain decimal digits\n", head);
    }
    if (*delay > max_delay_ms) {
      return error(400, "Delay too long: ms is above this server's --max-delay\n", head);
    }
    route.delay_ms = *delay;
  }
  return {200, route, {}};
}

const std::shared_ptr<const Resource>& ping_resource() {
  static const auto resource = make_resource("pong", "text/plain");
  return resource;
}

const std::shared_ptr<const Resource>& bigger_resource() {
  static const auto resource = make_resource(std::string(bigger_json), "application/json");
  return resource;
}

std::string_view bigger_document() {
  return bigger_json;
}

std::string endpoint_path(Endpoint endpoint, std::uint64_t length) {
  switch (endpoint) {
  case Endpoint::ping:
    return "/ping";
  case Endpoint::bigger:
    return "/bigger";
  case Endpoint::length:
    return std::string(length_prefix) + std::to_string(length);
  case Endpoint::stats:
    return "/stats";
  case Endpoint::delay:
    return std::string(delay_prefix) + std::to_string(length);
  }
  return "/";
}

std::string_view endpoint_name(Endpoint endpoint) {
  switch (endpoint) {
  case Endpoint::ping:
    return "ping";
  case Endpoint::bigger:
    return "bigger";
  case Endpoint::length:
    return "length";
  case Endpoint::stats:
    return "stats";
  case Endpoint::delay:
    return "delay";
  }
  return "unknown";
}

} // namespace hcbench
