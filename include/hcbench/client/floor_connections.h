// The floor at concurrency N and at a fixed rate: N keep-alive connections driven by one
// thread on epoll, no library, each carrying one request at a time (no pipelining), with
// the same precomputed request, parser and checks as the sequential floor. Closed loop: each
// connection sends its next request as soon as its response is checked. Open loop
// (CellSpec::rate): requests are due on the rate schedule, wait in a queue for a free
// connection (up to --max-in-flight in all) and are timed from their due time.
#pragma once

#include "hcbench/client/cell.h"

#include <string>

#include <netdb.h>

namespace hcbench {

// Runs one floor cell on `address` (resolved beforehand) sending `request` each time.
CellMeasurement run_floor_connections(const CellSpec& spec, const addrinfo* address,
                                      const std::string& request);

} // namespace hcbench
