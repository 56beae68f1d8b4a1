// `hcbench report`'s model: a saved run (the "hcbench-results/1" JSON that `hcbench run --json`
// writes, docs/results-schema.json) read back for its charts and comparisons; the tables of
// one run are results/run_table.h. Reading is tolerant: a field a report does not use may be
// missing or null; a document that is not a results document is an error with the reason.
#pragma once

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hcbench {

struct ReportInputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// One figure of a cell over its runs: the median, the range, and each run's value (for the
// comparison's spread test). NaN when the cell has no such figure.
struct Figure {
  double median = std::numeric_limits<double>::quiet_NaN();
  double min = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> runs;

  bool present() const { return std::isfinite(median); }
};

struct ReportCell {
  std::size_t index = 0;
  std::string row_id; // "python.requests.session"
  std::string group;
  std::string display_name; // the original's "Request Type"
  std::string protocol;     // "http" or "https"
  std::string endpoint;
  std::string path;       // "/length/1024"
  std::uint64_t size = 0; // body bytes
  unsigned concurrency = 1;
  std::string http_version = "1.1"; // "1.1" or "2"
  double rate = 0;                  // open loop: requests/s asked for; 0: closed loop
  std::string status;               // "ok", "failures", "error", "skipped", "not_applicable", ...
  std::string reason;               // error, skipped or not-applicable reason
  std::size_t runs = 0;
  std::uint64_t requests = 0;
  std::uint64_t failures = 0;
  bool saturated = false;
  // The flags of results/noise.h, as the run recorded them.
  bool foreign_load = false;
  bool unstable = false;
  bool beats_floor = false;
  bool floor_disturbed = false;
  double slice_cv = 0; // the spread of requests/s within the cell's window; 0 when unknown
  Figure rps, throughput_mib_s, cpu_us_per_request, p50_us, p90_us, p99_us, p999_us;

  // Has figures to show: it ran, and was neither skipped, inapplicable nor a failed cell.
  bool measured() const {
    return rps.present() && runs > 0 && status != "skipped" && status != "not_applicable" &&
           status != "error";
  }
  // The names of the flags that make its figures untrustworthy ("foreign_load", ...).
  std::vector<std::string> noise_flags() const;
  // What tables and comparisons match cells by.
  std::string key() const;
};

struct ReportRun {
  std::string source;         // the file it came from
  std::string benchmark_type; // "full" or "size"
  std::uint64_t cycles = 0;
  std::uint64_t warmup = 0;
  unsigned repeat = 1;
  std::string verify;
  bool loopback = true; // the server was on this machine
  bool interrupted = false;
  std::string hcbench_version, started_at, hostname, kernel, cpu_model, libcurl_version,
      tls_backend, placement;
  unsigned cpu_count = 0;
  std::vector<ReportCell> cells; // in table order

  // The settings and environment in two short lines, for chart captions and table headers.
  std::string caption() const;
};

// The cells of a run grouped as its tables and charts show them: one section per endpoint
// (or size), concurrency and rate, one row per client configuration, one cell per protocol.
struct SectionRow {
  std::string row_id;
  std::string display_name;
  std::map<std::string, const ReportCell*> cells; // by protocol; points into ReportRun::cells

  const ReportCell* cell(const std::string& protocol) const;
};
struct ReportSection {
  std::string path;
  std::string endpoint;
  std::uint64_t size = 0;
  unsigned concurrency = 1;
  std::vector<std::string> protocols; // "http" before "https"
  std::vector<SectionRow> rows;       // in table order
  double rate = 0;                    // open loop: requests/s; 0: closed loop
};
std::vector<ReportSection> report_sections(const ReportRun& run);

ReportRun read_report_run(const nlohmann::json& document, std::string source = {});
// Parses a saved run and checks that it is a results document this version reads; the
// errors name the file. The tables of one run are read from this document directly
// (results/results_json.h's read_run_table), so they equal what `run` printed.
nlohmann::json load_results_document(const std::filesystem::path& file);
ReportRun load_report_run(const std::filesystem::path& file);

// The three table formats of one run (results/run_table.h) and of a comparison.
enum class ReportFormat { markdown, csv, json };
std::optional<ReportFormat> parse_report_format(std::string_view name);

// "http" -> "HTTP": how tables and charts name a protocol.
std::string protocol_label(std::string_view protocol);

} // namespace hcbench
