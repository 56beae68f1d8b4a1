// External client drivers: any program that speaks the driver protocol (docs/drivers.md)
// becomes a row of the matrix. hcbench starts it per cell, it runs the timed loop itself and
// reports back; hcbench also takes the child's rusage.
#pragma once

#include "hcbench/client/rows.h"

#include <string>
#include <string_view>
#include <vector>

namespace hcbench {

// The Python rows (the original's `full` matrix in its order and labels, plus httpx and
// aiohttp), the Node.js rows and the Go and Rust rows, each running its driver under drivers/
// (the Go and Rust ones compiled by meson).
std::vector<ClientRow> driver_rows();

// Row ids of the original's matrices (reference/original.md 1.6), in its order: `full` (8
// rows, one URL) and `size` (4 rows across response sizes: requests and pycurl, each
// without and with connection reuse, as the columns of its size CSV).
std::vector<std::string> original_full_row_ids();
std::vector<std::string> original_size_row_ids();

// What `hcbench run` runs without --clients: the original's rows of that benchmark type
// ("full" or "size") and their libcurl counterparts, plus the raw-socket floor.
std::vector<std::string> default_clients(std::string_view benchmark_type);

} // namespace hcbench
