// External client drivers: any program that speaks the driver protocol (docs/drivers.md)
// becomes a row of the matrix. hcbench starts it per cell, it runs the timed loop itself and
// reports back; hcbench also takes the child's rusage.
#pragma once

#include "hcbench/client/rows.h"

#include <vector>

namespace hcbench {

// The Python rows (the original's `full` matrix in its order and labels, plus httpx and
// aiohttp) and the Node.js rows, each running its driver under drivers/.
std::vector<ClientRow> driver_rows();

} // namespace hcbench
