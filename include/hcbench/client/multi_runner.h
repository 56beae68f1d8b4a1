// Concurrency > 1 for the native rows: `concurrency` transfers in flight at once through one
// curl multi handle, each slot keeping the row's configuration (reused or new easy handle,
// connection reuse, body handling, TLS sessions).
#pragma once

#include "hcbench/client/curl_easy.h"

namespace hcbench {

CellMeasurement run_multi(const CellSpec& spec, const CurlConfig& config);

} // namespace hcbench
