// The server's own counters (GET /stats of hcbench serve), read before and after each cell
// to cross-check what the client counted: requests, connections, TLS handshakes.
#pragma once

#include "hcbench/results/server_counters.h"

#include <optional>
#include <string>
#include <string_view>

namespace hcbench {

std::optional<ServerCounters> parse_server_stats(std::string_view json);

// GET <base>/stats with a fresh libcurl handle; nothing if the server has no /stats.
// `base` is a plain-HTTP base URL ("http://127.0.0.1:8080"), so reading costs no handshake.
std::optional<ServerCounters> fetch_server_stats(const std::string& base);

// What the server saw during one cell: `after - before`, less the reading itself (the
// request and connection of the `before` read fall inside the interval).
ServerCounters server_delta(const ServerCounters& before, const ServerCounters& after);

// Whether the server answers at all: a TCP connect to the URL's host and port. The error
// text when not ("Connection refused").
std::optional<std::string> probe_unreachable(const std::string& url, bool insecure,
                                             const std::string& cacert);

} // namespace hcbench
