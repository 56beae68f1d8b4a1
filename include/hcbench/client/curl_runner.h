// The native libcurl rows: one easy handle reused or a new one per request, connection reuse
// allowed or forbidden, the body discarded or saved into a new buffer per request, and the
// TLS session cache on, off or shared between new handles. Sequential cells use
// curl_easy_perform, as the original did through pycurl; cells with concurrency > 1 run the
// same configuration through the multi interface (multi_runner.h).
#pragma once

#include "hcbench/client/curl_easy.h"

namespace hcbench {

// Runs one cell: curl_easy_perform in a loop when spec.concurrency is 1, the multi
// interface otherwise.
CellMeasurement run_curl_cell(const CellSpec& spec, const CurlConfig& config);

} // namespace hcbench
