// The contract between the matrix and whatever runs one cell of it (the native libcurl
// runners, the raw-socket floor, external drivers): what to run. What was measured is
// results/measurement.h.
#pragma once

#include "hcbench/client/verify_mode.h"
#include "hcbench/results/measurement.h"

#include <cstdint>
#include <string>

namespace hcbench {

// What the run asks of every cell alike, as parsed from the command line (RunOptions::cell).
// A cell's spec is these options plus what differs per cell, so an option a runner needs is
// added here once and reaches every runner without being copied on the way.
struct CellOptions {
  std::uint64_t cycles = 10000; // measured requests (the original's default)
  std::uint64_t warmup = 0;     // requests before the measured window, not counted
  double duration_seconds = 0;  // > 0: also end the measured window after this long
  VerifyMode verify = VerifyMode::length;
  bool insecure = true; // skip certificate verification (self-signed default cert)
  std::string cacert;   // CA file to verify against when not insecure
  double request_timeout_seconds = 30;
};

// What every client of a cell is asked to do, whatever its library.
struct CellSpec : CellOptions {
  std::string url;          // the full request URL
  unsigned concurrency = 1; // transfers in flight at once
  // "1.1", or "2": ALPN h2 over HTTPS, prior knowledge (h2c) over HTTP. Over HTTP/2 the
  // `concurrency` transfers are streams multiplexed on one connection where the row reuses
  // connections.
  std::string http_version = "1.1";
  std::uint64_t expected_length = 0;
  std::string expected_digest; // Repr-Digest form, "sha-256=:...:"
  // A synchronized run (--start-at): the wall-clock time (Unix ms) at which the measured
  // window opens, after the warm-up; the first measured request waits for it. 0: at once.
  std::int64_t window_opens_unix_ms = 0;
};

} // namespace hcbench
