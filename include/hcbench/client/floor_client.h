// The floor row: a minimal keep-alive HTTP/1.1 client with no library, a blocking socket
// and a precomputed request. What a round trip costs with no client overhead; every other
// row is also reported as a ratio to it. HTTP only. At concurrency N or a fixed rate it is
// N connections on epoll (floor_connections.h).
#pragma once

#include "hcbench/client/cell.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hcbench {

// The parts of an http:// URL the floor client needs.
struct HttpUrl {
  std::string host; // name or address, without brackets
  std::uint16_t port = 80;
  std::string path = "/"; // origin-form target, query included
  std::string authority;  // host[:port] as the Host header carries it
};

// Parses "http://host[:port][/path]"; nothing for any other scheme or a malformed URL.
std::optional<HttpUrl> parse_http_url(std::string_view url);

// The exact bytes the floor client sends for every request.
std::string floor_request(const HttpUrl& url);

CellMeasurement run_floor_cell(const CellSpec& spec);

} // namespace hcbench
