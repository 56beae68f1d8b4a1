// Reads a saved run ("hcbench-results/1") into the report model.
#include "hcbench/report/report_model.h"

#include <cctype>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <iterator>

namespace hcbench {
namespace {

using nlohmann::json;

// The value at a path of keys, or nullptr when any step is missing or null.
const json* at(const json& object, std::initializer_list<const char*> path) {
  const json* node = &object;
  for (const char* key : path) {
    if (!node->is_object()) return nullptr;
    const auto it = node->find(key);
    if (it == node->end() || it->is_null()) return nullptr;
    node = &*it;
  }
  return node;
}

double number_at(const json& object, std::initializer_list<const char*> path) {
  const json* node = at(object, path);
  return node != nullptr && node->is_number() ? node->get<double>()
                                              : std::numeric_limits<double>::quiet_NaN();
}

std::string text_at(const json& object, std::initializer_list<const char*> path) {
  const json* node = at(object, path);
  return node != nullptr && node->is_string() ? node->get<std::string>() : std::string{};
}

template <typename Int>
Int integer_at(const json& object, std::initializer_list<const char*> path, Int fallback = 0) {
  const json* node = at(object, path);
  return node != nullptr && node->is_number() ? node->get<Int>() : fallback;
}

bool bool_at(const json& object, std::initializer_list<const char*> path) {
  const json* node = at(object, path);
  return node != nullptr && node->is_boolean() && node->get<bool>();
}

// A summary spread ({"median","min","max"}) plus the same figure from each run that measured.
Figure figure(const json& cell, std::initializer_list<const char*> summary_path,
              std::initializer_list<const char*> run_path) {
  Figure f;
  if (const json* spread = at(cell, summary_path)) {
    f.median = number_at(*spread, {"median"});
    f.min = number_at(*spread, {"min"});
    f.max = number_at(*spread, {"max"});
  }
  if (const json* runs = at(cell, {"runs"}); runs != nullptr && runs->is_array()) {
    for (const auto& run : *runs) {
      if (at(run, {"error"}) != nullptr || at(run, {"skipped"}) != nullptr) continue;
      const double value = number_at(run, run_path);
      if (std::isfinite(value)) f.runs.push_back(value);
    }
  }
  if (!std::isfinite(f.min)) f.min = f.median;
  if (!std::isfinite(f.max)) f.max = f.median;
  return f;
}

ReportCell read_cell(const json& c, std::size_t position) {
  ReportCell cell;
  cell.index = integer_at<std::size_t>(c, {"index"}, position);
  cell.row_id = text_at(c, {"row_id"});
  cell.group = text_at(c, {"group"});
  cell.display_name = text_at(c, {"display_name"});
  if (cell.display_name.empty()) cell.display_name = cell.row_id;
  cell.protocol = text_at(c, {"protocol"});
  cell.endpoint = text_at(c, {"endpoint"});
  cell.path = text_at(c, {"path"});
  cell.size = integer_at<std::uint64_t>(c, {"size"});
  cell.concurrency = integer_at<unsigned>(c, {"concurrency"}, 1);
  if (const json* version = at(c, {"http_version"}); version != nullptr && version->is_string())
    cell.http_version = version->get<std::string>(); // "1.1" in runs saved before the axis
  if (const json* rate = at(c, {"rate"}); rate != nullptr && rate->is_number())
    cell.rate = rate->get<double>();
  cell.status = text_at(c, {"status"});
  for (auto path : {std::initializer_list<const char*>{"summary", "error"},
                    {"summary", "skipped"},
                    {"not_applicable"}}) {
    if (cell.reason.empty()) cell.reason = text_at(c, path);
  }
  cell.runs = integer_at<std::size_t>(c, {"summary", "runs"});
  cell.requests = integer_at<std::uint64_t>(c, {"summary", "requests"});
  cell.failures = integer_at<std::uint64_t>(c, {"summary", "failures", "total"});
  cell.saturated = bool_at(c, {"summary", "saturated"});
  cell.foreign_load = bool_at(c, {"summary", "foreign_load"});
  cell.unstable = bool_at(c, {"summary", "unstable"});
  cell.beats_floor = bool_at(c, {"summary", "beats_floor"});
  cell.floor_disturbed = bool_at(c, {"summary", "floor_disturbed"});
  if (const auto* cv = at(c, {"summary", "slice_cv"}); cv && cv->is_number())
    cell.slice_cv = cv->get<double>();
  cell.rps = figure(c, {"summary", "rps"}, {"rps"});
  cell.throughput_mib_s = figure(c, {"summary", "throughput_mib_s"}, {"throughput_mib_s"});
  cell.cpu_us_per_request = figure(c, {"summary", "cpu_us_per_request"}, {"cpu", "us_per_request"});
  cell.p50_us = figure(c, {"summary", "latency_us", "p50"}, {"latency_us", "p50"});
  cell.p90_us = figure(c, {"summary", "latency_us", "p90"}, {"latency_us", "p90"});
  cell.p99_us = figure(c, {"summary", "latency_us", "p99"}, {"latency_us", "p99"});
  cell.p999_us = figure(c, {"summary", "latency_us", "p99_9"}, {"latency_us", "p99_9"});
  if (cell.runs == 0) cell.runs = cell.rps.runs.size();
  return cell;
}

bool is_loopback_url(std::string_view url) {
  for (std::string_view host : {"//127.", "//localhost", "//[::1]"}) {
    if (url.find(host) != std::string_view::npos) return true;
  }
  return url.empty();
}

} // namespace

std::vector<std::string> ReportCell::noise_flags() const {
  std::vector<std::string> out;
  if (foreign_load) out.push_back("foreign_load");
  if (unstable) out.push_back("unstable");
  if (beats_floor) out.push_back("beats_floor");
  if (floor_disturbed) out.push_back("floor_disturbed");
  return out;
}

std::string ReportCell::key() const {
  // A closed-loop cell keeps the key it always had, so older runs still compare.
  return fmt::format("{}|{}|{}|{}{}", row_id, protocol, path, concurrency,
                     rate > 0 ? fmt::format("|r{:g}", rate) : "");
}

namespace {

// What every reader of a saved run checks first.
void check_results_document(const json& document) {
  if (!document.is_object()) throw ReportInputError("not a JSON object");
  const auto schema = text_at(document, {"schema"});
  if (!schema.starts_with("hcbench-results/")) {
    throw ReportInputError(schema.empty() ? "no \"schema\": not an hcbench run result"
                                          : fmt::format("unknown schema \"{}\"", schema));
  }
  if (schema != "hcbench-results/1") {
    throw ReportInputError(
        fmt::format("schema {} is newer than this hcbench reads (hcbench-results/1)", schema));
  }
  const json* cells = at(document, {"cells"});
  if (cells == nullptr || !cells->is_array()) throw ReportInputError("no \"cells\" array");
}

} // namespace

ReportRun read_report_run(const json& document, std::string source) {
  check_results_document(document);
  const json& cells = document["cells"];
  ReportRun run;
  run.source = std::move(source);
  run.benchmark_type = text_at(document, {"settings", "benchmark_type"});
  run.cycles = integer_at<std::uint64_t>(document, {"settings", "cycles"});
  run.warmup = integer_at<std::uint64_t>(document, {"settings", "warmup"});
  run.repeat = integer_at<unsigned>(document, {"settings", "repeat"}, 1);
  run.verify = text_at(document, {"settings", "verify"});
  run.loopback = bool_at(document, {"settings", "embedded_server"}) ||
                 (is_loopback_url(text_at(document, {"settings", "http_url"})) &&
                  is_loopback_url(text_at(document, {"settings", "https_url"})));
  run.interrupted = bool_at(document, {"interrupted"});
  run.hcbench_version = text_at(document, {"environment", "hcbench_version"});
  run.started_at = text_at(document, {"environment", "started_at"});
  run.hostname = text_at(document, {"environment", "hostname"});
  run.kernel = text_at(document, {"environment", "kernel"});
  run.cpu_model = text_at(document, {"environment", "cpu_model"});
  run.cpu_count = integer_at<unsigned>(document, {"environment", "cpu_count"});
  run.libcurl_version = text_at(document, {"environment", "libcurl_version"});
  run.tls_backend = text_at(document, {"environment", "tls_backend"});
  run.placement = text_at(document, {"environment", "placement", "relation"});
  for (std::size_t i = 0; i < cells.size(); ++i) run.cells.push_back(read_cell(cells[i], i));
  return run;
}

json load_results_document(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ReportInputError(fmt::format("cannot open {}", file.string()));
  json document;
  try {
    document = json::parse(in);
  } catch (const json::exception& e) {
    throw ReportInputError(fmt::format("{} is not JSON: {}", file.string(), e.what()));
  }
  try {
    check_results_document(document);
  } catch (const ReportInputError& e) {
    throw ReportInputError(fmt::format("{}: {}", file.string(), e.what()));
  }
  return document;
}

ReportRun load_report_run(const std::filesystem::path& file) {
  return read_report_run(load_results_document(file), file.string());
}

std::string ReportRun::caption() const {
  std::vector<std::string> machine;
  if (!hcbench_version.empty()) machine.push_back("hcbench " + hcbench_version);
  if (!started_at.empty()) machine.push_back(started_at);
  if (!hostname.empty()) machine.push_back(hostname);
  if (!kernel.empty()) machine.push_back(kernel);
  if (!cpu_model.empty()) {
    machine.push_back(cpu_count ? fmt::format("{} x {}", cpu_count, cpu_model) : cpu_model);
  }
  if (!libcurl_version.empty()) {
    machine.push_back("libcurl " + libcurl_version +
                      (tls_backend.empty() ? "" : " (" + tls_backend + ")"));
  }
  std::vector<std::string> settings;
  settings.push_back(loopback ? "loopback server" : "remote server");
  settings.push_back(fmt::format("{} cycles", cycles));
  if (warmup) settings.push_back(fmt::format("warm-up {}", warmup));
  settings.push_back(repeat > 1 ? fmt::format("median of {} runs (bars: min-max)", repeat)
                                : std::string("1 run"));
  if (!verify.empty()) settings.push_back("verify " + verify);
  if (!placement.empty()) settings.push_back("client/server CPUs: " + placement);
  if (interrupted) settings.push_back("INTERRUPTED: partial results");
  return fmt::format("{}\n{}", fmt::join(machine, ", "), fmt::join(settings, ", "));
}

std::vector<ReportSection> report_sections(const ReportRun& run) {
  std::vector<ReportSection> sections;
  for (const auto& cell : run.cells) {
    auto section = std::find_if(sections.begin(), sections.end(), [&](const ReportSection& s) {
      return s.path == cell.path && s.concurrency == cell.concurrency && s.rate == cell.rate;
    });
    if (section == sections.end()) {
      sections.push_back(
          {cell.path, cell.endpoint, cell.size, cell.concurrency, {}, {}, cell.rate});
      section = std::prev(sections.end());
    }
    if (std::find(section->protocols.begin(), section->protocols.end(), cell.protocol) ==
        section->protocols.end()) {
      section->protocols.push_back(cell.protocol);
    }
    auto row = std::find_if(section->rows.begin(), section->rows.end(),
                            [&](const SectionRow& r) { return r.row_id == cell.row_id; });
    if (row == section->rows.end()) {
      section->rows.push_back({cell.row_id, cell.display_name, {}});
      row = std::prev(section->rows.end());
    }
    row->cells[cell.protocol] = &cell;
  }
  // HTTP before HTTPS, whatever order the run used.
  for (auto& s : sections) std::sort(s.protocols.begin(), s.protocols.end());
  return sections;
}

const ReportCell* SectionRow::cell(const std::string& protocol) const {
  const auto it = cells.find(protocol);
  return it == cells.end() ? nullptr : it->second;
}

std::optional<ReportFormat> parse_report_format(std::string_view name) {
  if (name == "md" || name == "markdown") return ReportFormat::markdown;
  if (name == "csv") return ReportFormat::csv;
  if (name == "json") return ReportFormat::json;
  return std::nullopt;
}

std::string protocol_label(std::string_view protocol) {
  std::string out(protocol);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

} // namespace hcbench
