// Everything `hcbench run` was asked to do: each option parsed once (src/cli/run_command.cpp)
// into one field of RunOptions, which the run then reads directly. Options every cell's
// client obeys live in `cell` (a CellSpec is those options plus what differs per cell), the
// matrix's axes in `matrix`. Adding an option is one field here, one line in the parser and
// its use; if results should record it, one line in recorded_settings().
#pragma once

#include "hcbench/client/cell.h"
#include "hcbench/client/matrix.h"
#include "hcbench/client/placement.h"
#include "hcbench/results/results.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hcbench {

// The original's response sizes for --benchmark-type size.
inline const std::vector<std::uint64_t> original_sizes = {4,    512,   1024,  2048,  4096,
                                                          8192, 16384, 32768, 65536, 131072};

struct RunOptions {
  // The axes: protocols, paths, concurrency, and the base URLs as given (both empty: start
  // the embedded server, whose URLs replace them for the run).
  MatrixPlan matrix{{}, "", "", {}, {1}, {}};
  CellOptions cell; // cycles, warm-up, duration, verification, TLS, request timeout
  std::string benchmark_type = "full";
  std::vector<std::string> clients = {"all"};
  unsigned repeat = 1;
  std::uint64_t seed = 0;
  std::optional<PinRequest> pin;
  std::string pin_text; // --pin as given, recorded
  // No --pin: the embedded server and the client get separate CPUs (default_pin); --pin
  // none opts out and leaves both where the scheduler puts them.
  bool pin_by_default = true;
  unsigned sample_ms = 100;
  std::string json_path;
  std::string csv_path;
  std::string vmstat_log_path;
  bool progress = true; // the live line, when stderr is a terminal
  // --server-option: passed through to the embedded `hcbench serve`, checked by its parser;
  // its --threads, when given, bounds the CPUs the server can use (results/limit.h).
  std::vector<std::string> server_options;
  std::optional<unsigned> server_threads;
  // A synchronized run on several hosts (client/sync_schedule.h): --start-at as Unix ms
  // (0: not synchronized), and the names recorded in the results for `report --merge`.
  std::int64_t start_at_unix_ms = 0;
  std::string run_id;
  std::string host_label;

  bool embedded() const { return matrix.http_url.empty() && matrix.https_url.empty(); }
};

// The settings a run's results record: the options as given, with the base URLs the run
// used (`targets`, the embedded server's when it started one).
RunSettings recorded_settings(const RunOptions& options, const MatrixPlan& targets);

} // namespace hcbench
