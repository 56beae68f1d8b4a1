#include "hcbench/report/compare.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <map>

namespace hcbench {
namespace {

constexpr std::size_t runs_for_spread = 3;

std::string describe(const ReportCell& c) {
  return fmt::format("{} {} {}{}", c.display_name, protocol_label(c.protocol), c.path,
                     c.concurrency != 1 ? fmt::format(" c{}", c.concurrency) : "");
}

// The values a side is judged by: each run's, or the median alone when runs are unknown.
std::vector<double> values_of(const Figure& f) {
  if (!f.runs.empty()) return f.runs;
  return {f.median};
}

std::string ratio_text(const FigureComparison& f) {
  if (f.change == Change::not_compared) return "";
  return fmt::format("{:.3f}", f.ratio);
}

std::string marked(const FigureComparison& f) {
  switch (f.change) {
  case Change::worse:
    return ratio_text(f) + " **worse**";
  case Change::better:
    return ratio_text(f) + " better";
  case Change::none:
    return ratio_text(f);
  case Change::flagged:
    return ratio_text(f) + " (flagged)";
  case Change::not_compared:
    return "-";
  }
  return "";
}

std::string number(double v) {
  return std::abs(v) >= 100 ? fmt::format("{:.1f}", v) : fmt::format("{:.3g}", v);
}

std::string markdown(const Comparison& c) {
  std::string out = fmt::format("# hcbench comparison\n\nBase: {}  \n{}\n\nNew: {}  \n{}\n\n",
                                c.base_source, c.base_caption, c.next_source, c.next_caption);
  bool any_threshold = false;
  for (const auto& cell : c.cells) {
    any_threshold =
        any_threshold || (cell.rps.change != Change::not_compared && !cell.rps.judged_by_spread);
  }
  out += "A change is flagged only when it is larger than the runs' own spread";
  out += any_threshold
             ? fmt::format(
                   " (cells without 3 runs on each side: only beyond ±{:.0f}%; use --repeat 3)",
                   single_run_threshold * 100)
             : "";
  out += ". Ratios are new / base; (flagged): a side's cell was disturbed (foreign load, "
         "unstable, or a floor beaten), so no verdict is given (docs/run.md).\n\n";
  out += "| Request Type | Protocol | Path | RPS base | RPS new | RPS ratio | CPU µs/req ratio | "
         "p99 ratio |\n";
  out += "|---|---|---|--:|--:|--:|--:|--:|\n";
  for (const auto& cell : c.cells) {
    const bool compared = cell.rps.change != Change::not_compared;
    out += fmt::format("| {} | {} | {}{} | {} | {} | {} | {} | {} |\n", cell.display_name,
                       protocol_label(cell.protocol), cell.path,
                       cell.concurrency != 1 ? fmt::format(" (c{})", cell.concurrency) : "",
                       compared ? number(cell.rps.base) : "", compared ? number(cell.rps.next) : "",
                       compared ? marked(cell.rps) : cell.note, marked(cell.cpu_us),
                       marked(cell.p99_us));
  }
  for (const auto& cell : c.cells) {
    if (cell.rps.change == Change::flagged)
      out += fmt::format("\n{} {} {}: {}", cell.display_name, protocol_label(cell.protocol),
                         cell.path, cell.note);
  }
  for (const auto& d : c.only_in_base) out += "\nOnly in base: " + d;
  for (const auto& d : c.only_in_next) out += "\nOnly in new: " + d;
  if (!c.only_in_base.empty() || !c.only_in_next.empty()) out += "\n";
  out +=
      fmt::format("\n{} cell(s) worse than the base beyond the runs' spread.\n", c.regressions());
  return out;
}

std::string csv(const Comparison& c) {
  std::string out = "key,protocol,path,concurrency,rps_base,rps_new,rps_ratio,rps_change,"
                    "cpu_us_ratio,cpu_change,p99_ratio,p99_change,judged_by_spread,note\n";
  auto quoted = [](const std::string& s) {
    std::string q = "\"";
    for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return q + "\"";
  };
  for (const auto& cell : c.cells) {
    out +=
        fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", quoted(cell.key), cell.protocol,
                    cell.path, cell.concurrency, cell.rps.base, cell.rps.next, ratio_text(cell.rps),
                    change_name(cell.rps.change), ratio_text(cell.cpu_us),
                    change_name(cell.cpu_us.change), ratio_text(cell.p99_us),
                    change_name(cell.p99_us.change), cell.rps.judged_by_spread, quoted(cell.note));
  }
  return out;
}

nlohmann::json figure_json(const FigureComparison& f) {
  if (f.change == Change::not_compared) return {{"change", change_name(f.change)}};
  return {{"base", f.base},
          {"new", f.next},
          {"ratio", f.ratio},
          {"change", change_name(f.change)},
          {"judged_by_spread", f.judged_by_spread}};
}

std::string json_output(const Comparison& c) {
  nlohmann::json cells = nlohmann::json::array();
  for (const auto& cell : c.cells) {
    cells.push_back({{"key", cell.key},
                     {"request_type", cell.display_name},
                     {"protocol", cell.protocol},
                     {"path", cell.path},
                     {"concurrency", cell.concurrency},
                     {"rps", figure_json(cell.rps)},
                     {"cpu_us_per_request", figure_json(cell.cpu_us)},
                     {"p99_us", figure_json(cell.p99_us)},
                     {"note", cell.note}});
  }
  const nlohmann::json document = {
      {"schema", "hcbench-comparison/1"}, {"base", c.base_source}, {"new", c.next_source},
      {"regressions", c.regressions()},   {"cells", cells},        {"only_in_base", c.only_in_base},
      {"only_in_new", c.only_in_next}};
  return document.dump(2) + "\n";
}

} // namespace

std::string_view change_name(Change change) {
  switch (change) {
  case Change::none:
    return "none";
  case Change::better:
    return "better";
  case Change::worse:
    return "worse";
  case Change::not_compared:
    return "not_compared";
  case Change::flagged:
    return "flagged";
  }
  return "not_compared";
}

FigureComparison compare_figure(const Figure& base, const Figure& next, bool higher_is_better,
                                double within_noise) {
  FigureComparison out;
  if (!base.present() || !next.present() || base.median <= 0) return out;
  out.base = base.median;
  out.next = next.median;
  out.ratio = next.median / base.median;
  const auto b = values_of(base);
  const auto n = values_of(next);
  const auto [b_min, b_max] = std::minmax_element(b.begin(), b.end());
  const auto [n_min, n_max] = std::minmax_element(n.begin(), n.end());
  const bool separate = *n_max < *b_min || *n_min > *b_max;
  const double change = std::abs(out.ratio - 1);
  out.judged_by_spread = b.size() >= runs_for_spread && n.size() >= runs_for_spread;
  bool significant;
  if (out.judged_by_spread) {
    significant = separate && change >= min_flagged_change;
  } else {
    significant = change >= single_run_threshold && (b.size() < 2 || n.size() < 2 || separate);
  }
  if (!significant || change <= within_noise) {
    out.change = Change::none;
  } else {
    out.change = (out.ratio > 1) == higher_is_better ? Change::better : Change::worse;
  }
  return out;
}

std::size_t Comparison::regressions() const {
  return static_cast<std::size_t>(std::count_if(cells.begin(), cells.end(), [](const auto& c) {
    return c.rps.change == Change::worse || c.cpu_us.change == Change::worse ||
           c.p99_us.change == Change::worse;
  }));
}

Comparison compare_runs(const ReportRun& base, const ReportRun& next) {
  Comparison out;
  out.base_source = base.source;
  out.next_source = next.source;
  out.base_caption = base.caption();
  out.next_caption = next.caption();
  std::map<std::string, const ReportCell*> base_cells;
  for (const auto& cell : base.cells) base_cells[cell.key()] = &cell;
  std::map<std::string, bool> matched;
  for (const auto& cell : next.cells) {
    const auto found = base_cells.find(cell.key());
    if (found == base_cells.end()) {
      out.only_in_next.push_back(describe(cell));
      continue;
    }
    matched[cell.key()] = true;
    const ReportCell& old = *found->second;
    CellComparison c;
    c.key = cell.key();
    c.display_name = cell.display_name;
    c.protocol = cell.protocol;
    c.path = cell.path;
    c.concurrency = cell.concurrency;
    if (!old.measured() || !cell.measured()) {
      c.note = fmt::format("base {}, new {}", old.status.empty() ? "no result" : old.status,
                           cell.status.empty() ? "no result" : cell.status);
    } else {
      c.rps = compare_figure(old.rps, cell.rps, true, old.slice_cv + cell.slice_cv);
      c.cpu_us = compare_figure(old.cpu_us_per_request, cell.cpu_us_per_request, false);
      c.p99_us = compare_figure(old.p99_us, cell.p99_us, false);
      if (old.failures || cell.failures) {
        c.note = fmt::format("failed requests: base {}, new {}", old.failures, cell.failures);
      }
      // A flagged cell's figure is what a disturbance made of it: shown, never judged.
      const auto base_flags = old.noise_flags();
      const auto next_flags = cell.noise_flags();
      if (!base_flags.empty() || !next_flags.empty()) {
        for (auto* f : {&c.rps, &c.cpu_us, &c.p99_us}) {
          if (f->change != Change::not_compared) f->change = Change::flagged;
        }
        std::string why = "flagged, not judged:";
        if (!base_flags.empty()) why += fmt::format(" base {}", fmt::join(base_flags, ", "));
        if (!next_flags.empty())
          why +=
              fmt::format("{} new {}", base_flags.empty() ? "" : ";", fmt::join(next_flags, ", "));
        c.note = c.note.empty() ? why : c.note + "; " + why;
      }
    }
    out.cells.push_back(std::move(c));
  }
  for (const auto& cell : base.cells) {
    if (!matched.contains(cell.key())) out.only_in_base.push_back(describe(cell));
  }
  return out;
}

std::string comparison_output(const Comparison& comparison, ReportFormat format) {
  switch (format) {
  case ReportFormat::markdown:
    return markdown(comparison);
  case ReportFormat::csv:
    return csv(comparison);
  case ReportFormat::json:
    return json_output(comparison);
  }
  return markdown(comparison);
}

} // namespace hcbench
