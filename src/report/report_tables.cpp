// The tables of one run: markdown shaped like the original's "Detailed Results" (one table
// per endpoint, HTTP and HTTPS side by side), a flat CSV and a flat JSON with one record per
// cell, for spreadsheets and scripts.
#include "hcbench/report/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace hcbench {
namespace {

std::string markdown_cell_text(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string plain(double value) {
  if (!std::isfinite(value)) return "";
  return std::abs(value) >= 100 ? fmt::format("{:.1f}", value) : fmt::format("{:.3g}", value);
}

// "1070.7" for one run; "1070.7 ±2%" (half the min-max range) for several.
std::string with_spread(const Figure& f) {
  if (!f.present()) return "";
  auto text = plain(f.median);
  if (f.runs.size() > 1 && f.median != 0 && f.max > f.min) {
    text += fmt::format(" ±{:.2g}%", (f.max - f.min) / 2 / std::abs(f.median) * 100);
  }
  return text;
}

// What a table shows for a cell that has no clean figure.
std::string status_note(const ReportCell* cell) {
  if (cell == nullptr) return "";
  if (cell->status == "not_applicable") return "n/a";
  if (cell->status == "skipped") return "skipped";
  if (cell->status == "error") return "error";
  if (!cell->measured()) return cell->status.empty() ? "no result" : cell->status;
  return "";
}

std::string figure_cell(const ReportCell* cell, const Figure ReportCell::*member) {
  if (const auto note = status_note(cell); !note.empty()) return note;
  if (cell == nullptr) return "";
  auto text = with_spread(cell->*member);
  if (cell->failures) text += fmt::format(" ({} failed)", cell->failures);
  if (cell->saturated && member == &ReportCell::rps) text += " †";
  return text;
}

std::string latency_cell(const ReportCell* cell) {
  if (const auto note = status_note(cell); !note.empty()) return note;
  if (cell == nullptr || !cell->p50_us.present()) return "";
  return fmt::format("{} / {}", plain(cell->p50_us.median), plain(cell->p99_us.median));
}

std::string section_title(const ReportSection& s) {
  auto title = s.path;
  if (s.endpoint == "length" || s.path.starts_with("/length/")) {
    title += fmt::format(" ({} bytes)", s.size);
  }
  if (s.concurrency != 1) title += fmt::format(", concurrency {}", s.concurrency);
  return title;
}

std::string markdown(const ReportRun& run) {
  std::string out =
      fmt::format("# hcbench results{}\n\n", run.source.empty() ? "" : ": " + run.source);
  const auto caption = run.caption();
  out += caption.substr(0, caption.find('\n')) + "  \n" + caption.substr(caption.find('\n') + 1) +
         "\n";
  for (const auto& section : report_sections(run)) {
    out += fmt::format("\n## {}\n\n| Request Type", section_title(section));
    std::string rule = "|---";
    for (const char* what : {"RPS", "CPU µs/request", "p50 / p99 µs"}) {
      for (const auto& protocol : section.protocols) {
        out += fmt::format(" | {} {}", what, protocol_label(protocol));
        rule += "|--:";
      }
    }
    out += " |\n" + rule + "|\n";
    for (const auto& row : section.rows) {
      out += "| " + markdown_cell_text(row.display_name);
      for (const auto& p : section.protocols)
        out += " | " + figure_cell(row.cell(p), &ReportCell::rps);
      for (const auto& p : section.protocols) {
        out += " | " + figure_cell(row.cell(p), &ReportCell::cpu_us_per_request);
      }
      for (const auto& p : section.protocols) out += " | " + latency_cell(row.cell(p));
      out += " |\n";
    }
  }
  std::string problems;
  for (const auto& cell : run.cells) {
    if ((cell.reason.empty() && cell.failures == 0) || cell.status == "not_applicable") continue;
    problems += fmt::format("- {} {} {}: {}{}\n", cell.row_id, protocol_label(cell.protocol),
                            cell.path, cell.status.empty() ? "" : cell.status + ": ",
                            cell.reason.empty() ? fmt::format("{} failed requests", cell.failures)
                                                : markdown_cell_text(cell.reason));
  }
  if (std::any_of(run.cells.begin(), run.cells.end(), [](const auto& c) { return c.saturated; }))
    out += "\n† a CPU was saturated during the cell: the figure is CPU-bound.\n";
  if (!problems.empty()) out += "\n## Cells with errors, failures or no result\n\n" + problems;
  return out;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string csv(const ReportRun& run) {
  std::string out =
      "Request Type,row_id,protocol,path,size,concurrency,status,runs,requests,failures,"
      "rps_median,rps_min,rps_max,throughput_mib_s,cpu_us_per_request,p50_us,p90_us,p99_us,"
      "p99_9_us,reason\n";
  for (const auto& c : run.cells) {
    out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                       csv_field(c.display_name), csv_field(c.row_id), c.protocol,
                       csv_field(c.path), c.size, c.concurrency, c.status, c.runs, c.requests,
                       c.failures, plain(c.rps.median), plain(c.rps.min), plain(c.rps.max),
                       plain(c.throughput_mib_s.median), plain(c.cpu_us_per_request.median),
                       plain(c.p50_us.median), plain(c.p90_us.median), plain(c.p99_us.median),
                       plain(c.p999_us.median), csv_field(c.reason));
  }
  return out;
}

nlohmann::json number_or_null(double value) {
  return std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
}

std::string json_table(const ReportRun& run) {
  nlohmann::json cells = nlohmann::json::array();
  for (const auto& c : run.cells) {
    cells.push_back(
        {{"request_type", c.display_name},
         {"row_id", c.row_id},
         {"protocol", c.protocol},
         {"path", c.path},
         {"size", c.size},
         {"concurrency", c.concurrency},
         {"status", c.status},
         {"reason", c.reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.reason)},
         {"runs", c.runs},
         {"requests", c.requests},
         {"failures", c.failures},
         {"rps",
          {{"median", number_or_null(c.rps.median)},
           {"min", number_or_null(c.rps.min)},
           {"max", number_or_null(c.rps.max)}}},
         {"throughput_mib_s", number_or_null(c.throughput_mib_s.median)},
         {"cpu_us_per_request", number_or_null(c.cpu_us_per_request.median)},
         {"latency_us",
          {{"p50", number_or_null(c.p50_us.median)},
           {"p90", number_or_null(c.p90_us.median)},
           {"p99", number_or_null(c.p99_us.median)},
           {"p99_9", number_or_null(c.p999_us.median)}}}});
  }
  const nlohmann::json document = {{"schema", "hcbench-report/1"},
                                   {"source", run.source},
                                   {"caption", run.caption()},
                                   {"cells", cells}};
  return document.dump(2) + "\n";
}

} // namespace

std::string run_tables(const ReportRun& run, ReportFormat format) {
  switch (format) {
  case ReportFormat::markdown:
    return markdown(run);
  case ReportFormat::csv:
    return csv(run);
  case ReportFormat::json:
    return json_table(run);
  }
  return markdown(run);
}

} // namespace hcbench
