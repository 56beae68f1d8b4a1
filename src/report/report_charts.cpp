// The charts of one run, after the original's graphs (reference/original.md 1.8): RPS per
// client configuration with HTTP and HTTPS bars, and figures against response size on log
// axes; plus CPU per request and latency percentiles, which the original could not draw.
#include "hcbench/report/report_charts.h"
#include "hcbench/report/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

namespace hcbench {
namespace {

// "/length/1024" -> "length-1024": a file name part.
std::string slug(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += c;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "root" : out;
}

std::string section_slug(const ReportSection& s) {
  return slug(s.path) + (s.concurrency != 1 ? fmt::format("-c{}", s.concurrency) : "") +
         (s.rate > 0 ? fmt::format("-r{:g}", s.rate) : "");
}

std::string what_was_requested(const ReportRun& run, const ReportSection& s) {
  const auto size = s.endpoint == "length" || s.path.starts_with("/length/")
                        ? format_axis_value(static_cast<double>(s.size), AxisFormat::bytes)
                        : s.path;
  auto text = fmt::format("{} x {} requests", run.cycles, size);
  if (s.concurrency != 1) text += fmt::format(", concurrency {}", s.concurrency);
  if (s.rate > 0) text += fmt::format(", open loop at {:g} requests/s", s.rate);
  return text;
}

bool is_length(const ReportSection& s) {
  return s.endpoint == "length" || s.path.starts_with("/length/");
}

std::string where(const ReportRun& run) {
  return run.loopback ? "Loopback: " : "";
}

// What a chart shows where a cell has no bar.
std::string missing_note(const ReportCell* cell) {
  if (cell == nullptr) return "not run";
  if (cell->status == "not_applicable") return "n/a";
  if (cell->status == "skipped" || cell->status == "error") return cell->status;
  return cell->measured() ? "" : "no result";
}

// One bar per protocol for each client configuration of a section.
BarChart figure_bars(const ReportSection& s, const Figure ReportCell::*member) {
  BarChart chart;
  for (const auto& p : s.protocols) chart.series.push_back(protocol_label(p));
  chart.values.resize(s.protocols.size());
  chart.ranges.resize(s.protocols.size());
  chart.notes.resize(s.protocols.size());
  for (const auto& row : s.rows) {
    chart.categories.push_back(row.display_name);
    for (std::size_t i = 0; i < s.protocols.size(); ++i) {
      const auto* cell = row.cell(s.protocols[i]);
      const Figure* f = cell != nullptr && cell->measured() ? &(cell->*member) : nullptr;
      chart.values[i].push_back(f != nullptr && f->present() ? std::optional(f->median)
                                                             : std::nullopt);
      chart.ranges[i].push_back(f != nullptr && f->present() && f->runs.size() > 1
                                    ? std::optional(std::pair(f->min, f->max))
                                    : std::nullopt);
      chart.notes[i].push_back(missing_note(cell));
    }
  }
  return chart;
}

ChartFile rps_chart(const ReportRun& run, const ReportSection& s) {
  auto chart = figure_bars(s, &ReportCell::rps);
  chart.title = fmt::format("{}Client Benchmarks ({})", where(run), what_was_requested(run, s));
  chart.value_axis.label = "Requests per second (higher is better)";
  chart.caption = run.caption();
  return {"rps-" + section_slug(s) + ".svg", render_svg(chart)};
}

ChartFile cpu_chart(const ReportRun& run, const ReportSection& s) {
  auto chart = figure_bars(s, &ReportCell::cpu_us_per_request);
  chart.title =
      fmt::format("{}Client CPU Time per Request ({})", where(run), what_was_requested(run, s));
  chart.value_axis.label = "Client CPU time per request, user + system (µs, lower is better)";
  chart.caption = run.caption();
  return {"cpu-" + section_slug(s) + ".svg", render_svg(chart)};
}

ChartFile latency_chart(const ReportRun& run, const ReportSection& s, const std::string& protocol) {
  BarChart chart;
  chart.title = fmt::format("{}Latency Percentiles, {} ({})", where(run), protocol_label(protocol),
                            what_was_requested(run, s));
  chart.series = {"p50", "p90", "p99", "p99.9"};
  const std::array members{&ReportCell::p50_us, &ReportCell::p90_us, &ReportCell::p99_us,
                           &ReportCell::p999_us};
  chart.values.resize(members.size());
  for (const auto& row : s.rows) {
    const auto* cell = row.cell(protocol);
    if (cell == nullptr || !cell->measured()) continue; // the RPS chart and the tables say why
    chart.categories.push_back(row.display_name);
    for (std::size_t i = 0; i < members.size(); ++i) {
      const Figure& f = cell->*members[i];
      chart.values[i].push_back(cell->measured() && f.present() ? std::optional(f.median)
                                                                : std::nullopt);
    }
  }
  chart.value_axis = {
      "Latency per request (µs, log scale, lower is better)", true, AxisFormat::number, {}};
  chart.caption = run.caption();
  return {fmt::format("latency-{}-{}.svg", protocol, section_slug(s)), render_svg(chart)};
}

// Lines against response size: one per client configuration and protocol, HTTPS dashed in
// the colour of the same client's HTTP line.
LineChart size_lines(const ReportRun& run, unsigned concurrency, const Figure ReportCell::*member) {
  LineChart chart;
  std::set<double> sizes;
  std::vector<std::string> rows; // row ids in table order, for the colours
  std::vector<std::string> protocols;
  for (const auto& c : run.cells) {
    if (c.concurrency != concurrency || !(c.endpoint == "length" || c.path.starts_with("/length/")))
      continue;
    if (std::find(rows.begin(), rows.end(), c.row_id) == rows.end()) rows.push_back(c.row_id);
    if (std::find(protocols.begin(), protocols.end(), c.protocol) == protocols.end())
      protocols.push_back(c.protocol);
  }
  std::sort(protocols.begin(), protocols.end());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    for (const auto& protocol : protocols) {
      LineSeries series;
      series.dashed = protocol == "https";
      series.style = r;
      for (const auto& c : run.cells) {
        if (c.row_id != rows[r] || c.protocol != protocol || c.concurrency != concurrency ||
            !(c.endpoint == "length" || c.path.starts_with("/length/")) || !c.measured()) {
          continue;
        }
        if (series.name.empty())
          series.name = fmt::format("{} ({})", c.display_name, protocol_label(protocol));
        const Figure& f = c.*member;
        if (f.present()) series.points.emplace_back(static_cast<double>(c.size), f.median);
        sizes.insert(static_cast<double>(c.size));
      }
      if (!series.points.empty()) chart.series.push_back(std::move(series));
    }
  }
  chart.x = {"Response size (bytes, log scale)", true, AxisFormat::bytes,
             std::vector<double>(sizes.begin(), sizes.end())};
  chart.caption = run.caption();
  return chart;
}

std::vector<ChartFile> size_charts(const ReportRun& run, unsigned concurrency) {
  const auto suffix = concurrency != 1 ? fmt::format("-c{}", concurrency) : std::string{};
  const auto title_end =
      concurrency != 1 ? fmt::format(", concurrency {}", concurrency) : std::string{};
  std::vector<ChartFile> out;
  auto rps = size_lines(run, concurrency, &ReportCell::rps);
  rps.title = fmt::format("{}Requests per Second vs Response Size ({} requests each{})", where(run),
                          run.cycles, title_end);
  rps.y = {"Requests per second (log scale)", true, AxisFormat::number, {}};
  out.push_back({"size-rps" + suffix + ".svg", render_svg(rps)});
  auto throughput = size_lines(run, concurrency, &ReportCell::throughput_mib_s);
  throughput.title = fmt::format("{}Throughput vs Response Size ({} requests each{})", where(run),
                                 run.cycles, title_end);
  throughput.y = {"Throughput (MiB/s of response bodies, log scale)", true, AxisFormat::number, {}};
  out.push_back({"size-throughput" + suffix + ".svg", render_svg(throughput)});
  auto cpu = size_lines(run, concurrency, &ReportCell::cpu_us_per_request);
  cpu.title = fmt::format("{}Client CPU Time per Request vs Response Size ({} requests each{})",
                          where(run), run.cycles, title_end);
  cpu.y = {"CPU time per request, user + system (µs, log scale)", true, AxisFormat::number, {}};
  out.push_back({"size-cpu" + suffix + ".svg", render_svg(cpu)});
  auto latency = size_lines(run, concurrency, &ReportCell::p50_us);
  latency.title = fmt::format("{}Median Latency vs Response Size ({} requests each{})", where(run),
                              run.cycles, title_end);
  latency.y = {"Median (p50) latency per request (µs, log scale)", true, AxisFormat::number, {}};
  out.push_back({"size-latency-p50" + suffix + ".svg", render_svg(latency)});
  return out;
}

} // namespace

std::vector<ChartFile> run_charts(const ReportRun& run) {
  std::vector<ChartFile> out;
  const auto sections = report_sections(run);
  // A size sweep (two or more /length/ sizes at one concurrency) is drawn against size;
  // a bar chart per size would bury those lines under dozens of files.
  std::set<unsigned> sweeps;
  for (const auto& s : sections) {
    std::set<std::uint64_t> sizes;
    for (const auto& other : sections) {
      if (other.concurrency == s.concurrency && is_length(other)) sizes.insert(other.size);
    }
    if (sizes.size() >= 2) sweeps.insert(s.concurrency);
  }
  for (const auto& s : sections) {
    if (sweeps.contains(s.concurrency) && is_length(s)) continue;
    out.push_back(rps_chart(run, s));
    out.push_back(cpu_chart(run, s));
    for (const auto& protocol : s.protocols) out.push_back(latency_chart(run, s, protocol));
  }
  for (unsigned c : sweeps) {
    for (auto& chart : size_charts(run, c)) out.push_back(std::move(chart));
  }
  return out;
}

} // namespace hcbench
