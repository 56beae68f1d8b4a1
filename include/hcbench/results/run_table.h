// The table of one run: what `hcbench run` prints when it ends and what `hcbench report`
// prints from the saved JSON, so a run reported later reads exactly as it did when it ran.
// A RunTable is made either from the live model (run_table below) or from a saved document
// (read_run_table in results_json.h); both carry the same summaries, and one renderer per
// format turns it into text.
#pragma once

#include "hcbench/results/results.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace hcbench {

// One cell as its table shows it: who and where, and its figures over its runs.
struct TableCell {
  std::string row_id;
  std::string display_name; // the original's "Request Type"
  std::string protocol;     // "http" or "https"
  std::string endpoint;
  std::string path;
  std::uint64_t size = 0;
  unsigned concurrency = 1;
  std::string http_version = "1.1"; // "1.1" or "2"
  std::string not_applicable;       // why this row cannot run this cell
  std::string status;               // cell_status()
  CellSummary summary;
  std::optional<double> floor_ratio; // RunResults::floor_ratio
  bool beats_floor = false;          // RunResults::beats_floor: a row faster than its floor
  bool floor_disturbed = false;      // a floor cell some row beat (RunResults::floor_disturbed)
  std::optional<double> floor_remeasured_rps; // that floor measured again at the end
};

struct RunTable {
  RunSettings settings;
  Environment environment;
  bool interrupted = false;
  std::string error;
  std::optional<MachineCheck> machine_check;
  std::vector<TableCell> cells; // in matrix order
};

RunTable run_table(const RunResults& results);

// Markdown shaped like the original's "Detailed Results": one table per path and concurrency,
// one row per client configuration, HTTP and HTTPS side by side; requests/s (median, with
// the min–max range when repeated), client CPU µs per request, p50 / p99 latency and the
// ratio to the raw-socket floor; failures, errors and skips listed under each table.
std::string markdown_table(const RunTable& table);
// The same run as one flat record per cell, for spreadsheets and scripts.
std::string cells_csv(const RunTable& table);
// The same records as JSON ("schema": "hcbench-report/1"); `source` names the saved run.
std::string cells_json(const RunTable& table, const std::string& source);

// What `hcbench run` prints: markdown_table(run_table(results)).
std::string markdown_report(const RunResults& results);

} // namespace hcbench
