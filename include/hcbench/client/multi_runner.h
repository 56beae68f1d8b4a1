// Concurrency > 1 for the native rows: `concurrency` transfers in flight at once through one
// curl multi handle, each slot keeping the row's configuration (reused or new easy handle,
// connection reuse, body handling, TLS sessions). With CellSpec::rate, the open loop:
// requests start on the rate schedule (rate_schedule.h) up to --max-in-flight, over at most
// `concurrency` connections.
#pragma once

#include "hcbench/client/curl_easy.h"

namespace hcbench {

CellMeasurement run_multi(const CellSpec& spec, const CurlConfig& config);

} // namespace hcbench
