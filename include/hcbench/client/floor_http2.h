// The HTTP/2 floor row: nghttp2's client session over a blocking socket, h2c with prior
// knowledge, nothing above it. What an HTTP/2 round trip costs with the protocol library
// alone, so HTTP/2 rows have their × floor ratio as HTTP/1.1 rows have the raw-socket
// floor's. At concurrency N it keeps N streams in flight on its one connection. HTTP only,
// as the HTTP/1.1 floor is.
#pragma once

#include "hcbench/client/cell.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace hcbench {

// The local SETTINGS the floor sends: stream and connection windows large enough that a
// 1 MiB body is not held to the 64 KiB default, as h2load's -w/-W 30 do.
inline constexpr std::int32_t floor_http2_window = (1 << 30) - 1;

CellMeasurement run_floor_http2_cell(const CellSpec& spec);

} // namespace hcbench
