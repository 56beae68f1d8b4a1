// The driver protocol (docs/drivers.md) as pure functions: the cell's settings encoded as
// the JSON object a driver reads on stdin, and the driver's report (the last line of its
// stdout) decoded and checked into a CellMeasurement. No processes here: see
// child_process.h for starting the driver and driver_runner.h for the two together.
#pragma once

#include "hcbench/client/cell.h"

#include <optional>
#include <string>
#include <string_view>

namespace hcbench {

// Bumped on any incompatible change of the fields below; a driver rejects other versions.
inline constexpr int driver_protocol_version = 1;

// The JSON object written to the driver's stdin: the cell's settings plus which of the
// driver's clients to run (one driver program usually serves several rows).
std::string driver_input_json(const CellSpec& spec, std::string_view client);

// Decodes the report a driver printed and checks it against what was asked: counts that do
// not add up to the cycles, a latency count that differs from the successful requests, a
// wrong protocol version or a missing field make the result an error with the reason,
// never a measurement. On success the measurement has requests, failures, wall time, the
// CPU of the timed loop, latencies and body bytes; process_cpu is the caller's to fill.
CellMeasurement parse_driver_report(std::string_view stdout_text, const CellSpec& spec);

// The last non-empty line of a driver's stdout, where the report must be; nothing when
// stdout is empty or blank.
std::optional<std::string_view> last_line(std::string_view text);

} // namespace hcbench
