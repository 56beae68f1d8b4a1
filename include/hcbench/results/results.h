// The result model of `hcbench run`: settings, environment, every cell with each of its runs
// (one per --repeat) and their aggregate, and the CPU sample series. Plain data and pure
// functions only, depending on nothing above it: the client fills it in (observing the
// environment is client/environment_probe.h). Written as JSON (results_json.cpp, schema
// "hcbench-results/1", docs/results-schema.json), as the original's CSV layouts
// (results_csv.cpp) and as the run's markdown table (run_table.h), which `run` and `report`
// share.
#pragma once

#include "hcbench/results/limit.h"
#include "hcbench/results/load.h"
#include "hcbench/results/measurement.h"
#include "hcbench/results/placement.h"
#include "hcbench/results/server_counters.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hcbench {

inline constexpr std::string_view results_schema = "hcbench-results/1";

// One run of one cell.
struct CellRun {
  unsigned repeat = 0;        // 0-based --repeat index
  std::int64_t order = 0;     // position in the whole run (the shuffled order); samples
                              // carry it as run_index
  double started_seconds = 0; // since the run began
  std::uint64_t warmup = 0;   // warm-up requests made: --warmup, or the row's minimum if more
  CellMeasurement measurement;
  LoadSummary load;
  Placement placement;
  std::optional<ServerCounters> server;          // what the server counted during the cell
  std::optional<ServerReadings> server_readings; // its totals at the reads around it
  bool interrupted = false;                      // Ctrl-C ended it early
  // Which side was the limit (limit.h); nothing when the run measured nothing, or in a
  // results file written before the verdict existed.
  std::optional<LimitVerdict> limit;

  double requests_per_second() const;
  // The original's formula: body bytes per second in MiB (headers excluded).
  double throughput_mib_per_second() const;
  // Client CPU (user + system) per measured request, microseconds.
  double cpu_us_per_request() const;
  // The spread of requests/s over the slices of the measured window (noise.h).
  std::optional<double> slice_cv() const;
  // The requests the server should have seen: warm-up, measured and those answered with a
  // failure the server could count (status, length, digest). Compared with server->requests.
  std::uint64_t requests_sent() const;
};

struct CellResult {
  std::size_t index = 0; // position in the planned matrix (table order)
  std::string row_id;
  std::string group;
  std::string library;
  bool reuse_connections = true;
  std::string options;
  std::string display_name; // the original's "Request Type"
  std::string protocol;     // "http" or "https"
  std::string endpoint;     // "ping", "bigger" or "length"
  std::string path;         // "/length/1024"
  std::uint64_t size = 0;   // expected body bytes
  unsigned concurrency = 1;
  std::string http_version = "1.1"; // "1.1" or "2"
  double rate = 0; // open loop: requests/s on a fixed schedule (--rate); 0: closed loop
  std::string url;
  std::string not_applicable; // why this row cannot run this cell (floor over HTTPS)
  std::string host_label;     // a merged run's per-host row: whose it is ("" otherwise)
  std::vector<CellRun> runs;
  // A floor cell some row beat: measured once more at the end of the run (docs/run.md).
  std::vector<CellRun> floor_remeasured;
};

struct Spread {
  double median = 0;
  double min = 0;
  double max = 0;
};

// A cell over its runs: medians and min-max of each figure, sums of counts.
struct CellSummary {
  std::size_t runs = 0; // runs that measured something
  Spread requests_per_second, throughput_mib_per_second, cpu_us_per_request, wall_seconds;
  Spread p50_us, p90_us, p99_us, p999_us, max_us, mean_us;
  std::uint64_t requests = 0;
  FailureCounts failures;
  std::uint64_t connections = 0;
  std::uint64_t streams = 0; // HTTP/2 streams the client opened in the measured window
  std::uint64_t tls_full = 0;
  std::uint64_t tls_resumed = 0;
  bool saturated = false;            // some run had a saturated CPU: the figure is CPU-bound
  std::optional<LimitVerdict> limit; // over its runs (combine_limits); nothing in older files
  // Open loop: the rate asked for, starts behind schedule (summed over runs, the latest
  // one's lag), and whether the cell is flagged: the achieved rate (requests_per_second)
  // more than 1% short of it, or more than 1% of its requests started late.
  double offered_rate = 0;
  std::uint64_t late_starts = 0;
  double max_start_lag_ms = 0;
  bool rate_short = false;
  bool late = false;
  bool interrupted = false;
  double foreign_cpu = 0;         // the highest of its runs' mean foreign load, % of one CPU
  bool foreign_load = false;      // some run had foreign load (noise.h)
  std::optional<double> slice_cv; // the highest of its runs' slice spreads
  bool unstable = false;          // slice_cv above unstable_threshold
  std::string error;              // the first run error
  std::string skipped;            // why it was not run (every run skipped)

  bool has_figures() const { return runs > 0; }
  bool failed() const { return failures.total() > 0 || !error.empty(); }
};

CellSummary summarize_cell(const CellResult& cell);

// The cell's status word in the JSON ("ok", "failures", "error", "skipped", "not_applicable",
// "interrupted", "empty"): what a reader of a saved run sees first.
std::string cell_status(const CellSummary& summary, std::string_view not_applicable);

struct RunSettings {
  std::string benchmark_type = "full"; // "full" or "size" (the original's --benchmark-type)
  std::uint64_t cycles = 10000;
  std::uint64_t warmup = 0;
  double duration_seconds = 0;
  unsigned repeat = 1;
  std::uint64_t seed = 0;           // of the shuffled order
  std::vector<std::string> clients; // selection as given
  std::vector<std::string> protocols;
  std::vector<std::string> paths;
  std::vector<unsigned> concurrency;
  std::vector<std::string> http_versions = {"1.1"};
  std::vector<double> rates;       // --rate: open-loop requests/s; empty: closed loop only
  std::uint64_t max_in_flight = 0; // --max-in-flight of the open-loop cells
  std::string verify = "length";
  unsigned sample_ms = 100;
  std::string pin;          // as given, "" when not pinned
  bool pin_default = false; // pinned by default (no --pin given): `pin` is the default's
  bool embedded_server = true;
  // --server-option: options passed through to the embedded hcbench serve, as given.
  std::vector<std::string> server_options;
  std::string http_url;
  std::string https_url;
  bool insecure = true;
  std::string cacert;
  // A synchronized run (--start-at): every host with the same options shares this schedule.
  std::int64_t start_at_unix_ms = 0; // 0: not synchronized
  double slot_seconds = 0;           // cell k's slot begins at start_at + k x slot
  double warmup_lead_seconds = 0;    // its measured window opens this long after the slot begins
  std::string run_id;                // --run-id, shared by the hosts of one run
  std::string host_label;            // --host-label, this host's name in a merged run
};

struct Environment {
  std::string hcbench_version;
  std::string started_at; // UTC, ISO 8601
  std::string hostname;
  std::string kernel; // uname -sr
  std::string cpu_model;
  unsigned cpu_count = 0;
  std::string libcurl_version;
  std::string tls_backend;
  std::string server_version; // embedded server's, from its ready line
  long server_pid = 0;        // embedded server's process id; 0 when external
  Placement placement;        // at the start of the run
};

struct RunResults {
  RunSettings settings;
  Environment environment;
  std::vector<CellResult> cells;
  std::vector<CpuSample> samples;
  double wall_seconds = 0;
  std::int64_t started_unix_ms = 0;          // wall-clock time at which sample time 0 was taken
  bool interrupted = false;                  // Ctrl-C: the results stop where the run stopped
  std::string error;                         // why the run stopped early, when it did
  std::optional<MachineCheck> machine_check; // the look before the first cell

  // The cell's median requests/s over the floor's for the same path, HTTP version and host
  // over HTTP at the same concurrency and rate (the floor is concurrent too). With a
  // re-measured floor, over the higher of its two figures: the floor is the fastest a round
  // trip can go, so its slower figure is the disturbed one.
  std::optional<double> floor_ratio(const CellResult& cell) const;
  // The floor cell a cell is compared with, if the run has one.
  const CellResult* floor_of(const CellResult& cell) const;
  // The floor's requests/s as first measured, re-measured, and the higher one used.
  struct FloorFigure {
    double first = 0;
    std::optional<double> remeasured;
    double used() const { return remeasured ? std::max(first, *remeasured) : first; }
  };
  std::optional<FloorFigure> floor_figure(const CellResult& floor) const;
  // A sequential row faster than `floor_rps` by more than floor_noise(): impossible unless
  // the floor was disturbed.
  bool beats_floor(const CellResult& cell, double floor_rps) const;
  // The row beats its floor even as re-measured (the flag a row carries).
  bool beats_floor(const CellResult& cell) const;
  // A floor cell that some row beat as first measured: it needs measuring again.
  bool floor_disturbed(const CellResult& floor) const;
  bool any_failures() const;
};

} // namespace hcbench
