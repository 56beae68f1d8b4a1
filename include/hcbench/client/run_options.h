// Everything `hcbench run` was asked to do, as parsed from its command line
// (src/cli/run_command.cpp), and the function that does it (src/client/run_session.cpp).
#pragma once

#include "hcbench/client/cell.h"
#include "hcbench/client/placement.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hcbench {

// The original's response sizes for --benchmark-type size.
inline const std::vector<std::uint64_t> original_sizes = {4,    512,   1024,  2048,  4096,
                                                          8192, 16384, 32768, 65536, 131072};

struct RunOptions {
  std::string http_url; // base URLs; both empty: start the embedded server
  std::string https_url;
  std::string benchmark_type = "full";
  std::uint64_t cycles = 10000;
  std::uint64_t warmup = 0;
  double duration_seconds = 0;
  unsigned repeat = 1;
  std::uint64_t seed = 0;
  std::vector<std::string> clients = {"all"};
  std::vector<std::string> protocols; // "http", "https", in column order
  std::vector<std::string> paths;     // canonical request paths
  std::vector<unsigned> concurrency = {1};
  std::optional<PinRequest> pin;
  std::string pin_text;
  unsigned sample_ms = 100;
  VerifyMode verify = VerifyMode::length;
  double request_timeout_seconds = 30;
  std::string json_path;
  std::string csv_path;
  std::string vmstat_log_path;
  bool insecure = true;
  std::string cacert;
  bool progress = true; // the live line, when stderr is a terminal

  bool embedded() const { return http_url.empty() && https_url.empty(); }
};

// Exit statuses of `hcbench run`.
enum RunExit : int {
  run_ok = 0,
  run_error = 1,        // could not start or finish: unreachable server, server died, I/O
  run_usage = 2,        // a bad option
  run_failures = 3,     // finished, but some requests failed (marked in every output)
  run_interrupted = 130 // Ctrl-C: the results gathered so far were written
};

int run_benchmark(const RunOptions& options);

} // namespace hcbench
