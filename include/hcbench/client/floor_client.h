// The floor row: a minimal keep-alive HTTP/1.1 client with no library, a blocking socket
// and a precomputed request. What a round trip costs with no client overhead; every other
// row is also reported as a ratio to it. HTTP only. At concurrency N or a fixed rate it is
// N connections on epoll (floor_connections.h).
#pragma once

#include "hcbench/client/cell.h"
#include "hcbench/client/unique_fd.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct addrinfo;

namespace hcbench {

// The parts of an http:// (or https://) URL the floor clients need.
struct HttpUrl {
  bool https = false;
  std::string host;        // name or address, without brackets
  std::uint16_t port = 80; // 443 for https:// without a port
  std::string path = "/";  // origin-form target, query included
  std::string authority;   // host[:port] as the Host header carries it
};

// Parses "http://host[:port][/path]"; nothing for any other scheme or a malformed URL.
std::optional<HttpUrl> parse_http_url(std::string_view url);
// The same for "http://" and "https://" URLs (the HTTP/2 floor speaks both).
std::optional<HttpUrl> parse_url(std::string_view url);

// The exact bytes the floor client sends for every request.
std::string floor_request(const HttpUrl& url);

CellMeasurement run_floor_cell(const CellSpec& spec);

// A blocking TCP connection to `address` with TCP_NODELAY and `timeout_seconds` on every read
// and write: the socket of both sequential floors (HTTP/1.1 and HTTP/2). Empty on failure, with
// `failed_step` naming the call that failed ("socket" or "connect") and errno as it left it.
UniqueFd connect_blocking(const addrinfo& address, double timeout_seconds,
                          const char*& failed_step);
// The failure kind of a connect_blocking() failure, from errno: timeout or connect.
FailureKind connect_failure_kind(std::string_view failed_step);

} // namespace hcbench
