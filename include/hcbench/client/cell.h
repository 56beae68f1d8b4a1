// The contract between the matrix and whatever runs one cell of it (the native libcurl
// runners, the raw-socket floor, external drivers): what to run. What was measured is
// results/measurement.h.
#pragma once

#include "hcbench/results/measurement.h"

#include <cstdint>
#include <string>

namespace hcbench {

enum class VerifyMode {
  none,   // status only
  length, // status and body length (the default)
  digest, // status, length and the SHA-256 of the body against the expected payload
};

// What every client of a cell is asked to do, whatever its library.
struct CellSpec {
  std::string url;              // the full request URL
  std::uint64_t cycles = 10000; // measured requests (the original's default)
  std::uint64_t warmup = 0;     // requests before the measured window, not counted
  double duration_seconds = 0;  // > 0: also end the measured window after this long
  unsigned concurrency = 1;     // transfers in flight at once
  VerifyMode verify = VerifyMode::length;
  std::uint64_t expected_length = 0;
  std::string expected_digest; // Repr-Digest form, "sha-256=:...:"
  bool insecure = true;        // skip certificate verification (self-signed default cert)
  std::string cacert;          // CA file to verify against when not insecure
  double request_timeout_seconds = 30;
};

} // namespace hcbench
