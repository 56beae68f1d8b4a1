// The charts of one run, after the original's graphs (reference/original.md 1.8): RPS per
// client configuration with HTTP and HTTPS bars, and figures against response size on log
// axes; plus CPU per request and latency percentiles, which the original could not draw.
#include "hcbench/report/report_charts.h"
#include "hcbench/report/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <map>
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

// Which cells a line chart draws, and where each lies on its x axis.
using CellFilter = std::function<bool(const ReportCell&)>;
using CellPosition = double (*)(const ReportCell&);

// Lines of one figure against an axis of the matrix (response size, concurrency, offered
// rate): one per client configuration and protocol among the cells `includes` admits, HTTPS
// dashed in the colour of the same client's HTTP line; the x ticks at the values that ran.
LineChart figure_lines(const ReportRun& run, const CellFilter& includes, CellPosition x_of,
                       const Figure ReportCell::*member) {
  LineChart chart;
  std::set<double> xs;
  // Client configurations in table order, for the colours: a row at each HTTP version is
  // a configuration of its own (its display name says which).
  std::vector<std::pair<std::string, std::string>> rows;
  std::vector<std::string> protocols;
  for (const auto& c : run.cells) {
    if (!includes(c)) continue;
    const std::pair key(c.row_id, c.http_version);
    if (std::find(rows.begin(), rows.end(), key) == rows.end()) rows.push_back(key);
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
        if (c.row_id != rows[r].first || c.http_version != rows[r].second ||
            c.protocol != protocol || !includes(c) || !c.measured()) {
          continue;
        }
        if (series.name.empty())
          series.name = fmt::format("{} ({})", c.display_name, protocol_label(protocol));
        const Figure& f = c.*member;
        if (f.present()) series.points.emplace_back(x_of(c), f.median);
        xs.insert(x_of(c));
      }
      if (!series.points.empty()) chart.series.push_back(std::move(series));
    }
  }
  chart.x.ticks.assign(xs.begin(), xs.end());
  chart.caption = run.caption();
  return chart;
}

// Lines against response size, at one concurrency.
LineChart size_lines(const ReportRun& run, unsigned concurrency, const Figure ReportCell::*member) {
  LineChart chart = figure_lines(
      run,
      [concurrency](const ReportCell& c) {
        return c.concurrency == concurrency &&
               (c.endpoint == "length" || c.path.starts_with("/length/"));
      },
      [](const ReportCell& c) { return static_cast<double>(c.size); }, member);
  chart.x = {"Response size (bytes, log scale)", true, AxisFormat::bytes, chart.x.ticks};
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

// One chart group of a sweep: the cells of one protocol, path and HTTP version (and, for a
// rate sweep, one concurrency), each chart one line per client configuration.
struct SweepGroup {
  std::string protocol;
  std::string path;
  std::string http_version;
  unsigned concurrency = 0; // rate sweeps only
  auto operator<=>(const SweepGroup&) const = default;

  bool includes(const ReportCell& c) const {
    return c.protocol == protocol && c.path == path && c.http_version == http_version;
  }
  std::string slug() const {
    return fmt::format("{}-{}{}{}", protocol, hcbench::slug(path), http_version == "2" ? "-h2" : "",
                       concurrency > 1 ? fmt::format("-c{}", concurrency) : "");
  }
  std::string title() const {
    return fmt::format("{} {}{}{}", protocol_label(protocol), path,
                       http_version == "2" ? ", HTTP/2" : "",
                       concurrency > 1 ? fmt::format(", at most {} connections", concurrency) : "");
  }
};

// Closed-loop cells by group, with the concurrency levels each ran at.
std::map<SweepGroup, std::set<unsigned>> concurrency_sweeps(const ReportRun& run) {
  std::map<SweepGroup, std::set<unsigned>> out;
  for (const auto& c : run.cells) {
    if (c.rate == 0) out[{c.protocol, c.path, c.http_version}].insert(c.concurrency);
  }
  return out;
}

// Requests/s, p99 latency and client CPU per request against concurrency (log axis), for
// each group that ran at two levels or more.
std::vector<ChartFile> concurrency_charts(const ReportRun& run) {
  struct Drawn {
    const char* name;
    const char* title;
    const char* y_label;
    const Figure ReportCell::*member;
  };
  const std::array drawn{
      Drawn{"rps", "Requests per Second", "Requests per second (log scale, higher is better)",
            &ReportCell::rps},
      Drawn{"p99", "p99 Latency", "p99 latency per request (µs, log scale, lower is better)",
            &ReportCell::p99_us},
      Drawn{"cpu", "Client CPU Time per Request",
            "Client CPU time per request, user + system (µs, log scale, lower is better)",
            &ReportCell::cpu_us_per_request}};
  std::vector<ChartFile> out;
  for (const auto& [group, levels] : concurrency_sweeps(run)) {
    if (levels.size() < 2) continue;
    const auto includes = [group = group](const ReportCell& c) {
      return c.rate == 0 && group.includes(c);
    };
    for (const auto& d : drawn) {
      LineChart chart = figure_lines(
          run, includes, [](const ReportCell& c) { return static_cast<double>(c.concurrency); },
          d.member);
      chart.title = fmt::format("{}{} vs Concurrency ({}, {} requests each)", where(run), d.title,
                                group.title(), run.cycles);
      chart.x = {"Concurrency (requests in flight, log scale)", true, AxisFormat::number,
                 chart.x.ticks};
      chart.y = {d.y_label, true, AxisFormat::number, {}};
      out.push_back(
          {fmt::format("concurrency-{}-{}.svg", d.name, group.slug()), render_svg(chart)});
    }
  }
  return out;
}

// p99 latency against the offered rate (open loop), for each group that ran at two rates or
// more: where a client's latency turns up as the load grows.
std::vector<ChartFile> rate_charts(const ReportRun& run) {
  std::map<SweepGroup, std::set<double>> sweeps;
  for (const auto& c : run.cells) {
    if (c.rate > 0) sweeps[{c.protocol, c.path, c.http_version, c.concurrency}].insert(c.rate);
  }
  std::vector<ChartFile> out;
  for (const auto& [group, rates] : sweeps) {
    if (rates.size() < 2) continue;
    LineChart chart = figure_lines(
        run,
        [group = group](const ReportCell& c) {
          return c.rate > 0 && c.concurrency == group.concurrency && group.includes(c);
        },
        [](const ReportCell& c) { return c.rate; }, &ReportCell::p99_us);
    chart.title = fmt::format("{}p99 Latency vs Offered Rate ({}, {} requests each)", where(run),
                              group.title(), run.cycles);
    chart.x = {"Offered rate (requests/s, log scale)", true, AxisFormat::number, chart.x.ticks};
    chart.y = {"p99 latency from the scheduled start (µs, log scale, lower is better)",
               true,
               AxisFormat::number,
               {}};
    out.push_back({fmt::format("rate-p99-{}.svg", group.slug()), render_svg(chart)});
  }
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
  for (auto* charts : {concurrency_charts, rate_charts}) {
    for (auto& chart : charts(run)) out.push_back(std::move(chart));
  }
  return out;
}

} // namespace hcbench
