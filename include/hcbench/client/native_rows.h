// The rows hcbench runs itself: the libcurl configurations (group "native") and the
// raw-socket floor (group "floor"), and the one place that gathers every row of the matrix.
#pragma once

#include "hcbench/client/rows.h"

#include <vector>

namespace hcbench {

// The original's pycurl rows in its order, then the new ones (TLS session reuse off, TLS
// sessions shared between new handles). All of them also run with concurrency > 1.
std::vector<ClientRow> native_rows();

// The raw-socket keep-alive client, HTTP only: one blocking connection, or N on epoll.
std::vector<ClientRow> floor_rows();

// Every row this build can run, in table order: the external drivers' rows (the original's
// first), the native rows, the floor. What --clients selects from.
std::vector<ClientRow> all_rows();

} // namespace hcbench
