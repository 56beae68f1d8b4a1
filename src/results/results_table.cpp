#include "hcbench/results/writers.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

namespace hcbench {

namespace {

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string figure(const Spread& s, int decimals, bool with_range) {
  std::string out = fmt::format("{:.{}f}", s.median, decimals);
  if (with_range && s.min != s.max)
    out += fmt::format(" ({:.{}f}–{:.{}f})", s.min, decimals, s.max, decimals);
  return out;
}

// A group of cells shown as one table: the same path and concurrency, every protocol.
struct TableKey {
  std::string path;
  unsigned concurrency;
  auto operator<=>(const TableKey&) const = default;
};

std::string failure_detail(const CellSummary& s) {
  std::string out;
  for (std::size_t k = 0; k < failure_kind_count; ++k) {
    if (!s.failures.by_kind[k]) continue;
    if (!out.empty()) out += ", ";
    out +=
        fmt::format("{} {}", failure_kind_name(static_cast<FailureKind>(k)), s.failures.by_kind[k]);
  }
  if (!s.error.empty()) out += (out.empty() ? "" : "; ") + s.error;
  return out;
}

std::string describe_placement(const Placement& p) {
  if (p.relation == "external")
    return fmt::format("client on CPUs {} (external server)", p.client_cpus);
  return fmt::format("client on CPUs {}, server on CPUs {} ({})", p.client_cpus, p.server_cpus,
                     p.relation);
}

} // namespace

std::string markdown_report(const RunResults& results) {
  const auto& st = results.settings;
  const auto& env = results.environment;
  std::vector<std::string> protocols;
  std::vector<TableKey> tables;
  for (const auto& cell : results.cells) {
    if (std::find(protocols.begin(), protocols.end(), cell.protocol) == protocols.end())
      protocols.push_back(cell.protocol);
    const TableKey key{cell.path, cell.concurrency};
    if (std::find(tables.begin(), tables.end(), key) == tables.end()) tables.push_back(key);
  }
  const bool ranges = st.repeat > 1;
  std::string out;
  out += fmt::format("## hcbench run: {} requests per cell{}\n\n", st.cycles,
                     ranges ? fmt::format(", median (min–max) of {} runs", st.repeat) : "");
  out += fmt::format("Server: {}. Placement: {}. libcurl {} ({}), {} × {}, {}.\n\n",
                     st.embedded_server ? "embedded hcbench serve on loopback" : "external",
                     describe_placement(env.placement), env.libcurl_version, env.tls_backend,
                     env.cpu_count, env.cpu_model, env.kernel);
  if (results.interrupted) out += "**Interrupted: the results stop where the run stopped.**\n\n";
  if (!results.error.empty())
    out += fmt::format("**The run stopped early: {}**\n\n", results.error);

  for (const auto& key : tables) {
    std::vector<const CellResult*> cells;
    std::vector<std::string> names; // rows in matrix order
    for (const auto& cell : results.cells) {
      if (cell.path != key.path || cell.concurrency != key.concurrency) continue;
      cells.push_back(&cell);
      if (std::find(names.begin(), names.end(), cell.display_name) == names.end())
        names.push_back(cell.display_name);
    }
    out += fmt::format("### {}, concurrency {}\n\n", key.path, key.concurrency);

    std::vector<std::string> header = {"Request Type"};
    for (const auto& p : protocols) header.push_back("RPS " + upper(p));
    for (const auto& p : protocols) header.push_back("CPU µs/req " + upper(p));
    for (const auto& p : protocols) header.push_back("p50 / p99 µs " + upper(p));
    for (const auto& p : protocols) header.push_back("× floor " + upper(p));
    out += "| " + fmt::format("{}", fmt::join(header, " | ")) + " |\n|";
    for (std::size_t i = 0; i < header.size(); ++i) out += i == 0 ? "---|" : "---:|";
    out += '\n';

    std::vector<std::string> notes;
    for (const auto& name : names) {
      std::vector<std::string> rps, cpu, latency, ratio;
      for (const auto& protocol : protocols) {
        const auto it = std::find_if(cells.begin(), cells.end(), [&](const CellResult* c) {
          return c->display_name == name && c->protocol == protocol;
        });
        if (it == cells.end()) {
          rps.push_back("");
          cpu.push_back("");
          latency.push_back("");
          ratio.push_back("");
          continue;
        }
        const CellResult& cell = **it;
        const CellSummary s = summarize_cell(cell);
        if (!cell.not_applicable.empty() || !s.has_figures()) {
          // Skipped: the row does not apply here (a TLS option over HTTP) or cannot run on
          // this machine (a missing module); the JSON says which.
          const std::string why = !cell.not_applicable.empty() || !s.skipped.empty() ? "n/a"
                                  : s.failed()                                       ? "failed ⚠"
                                                                                     : "–";
          rps.push_back(why);
          cpu.push_back("");
          latency.push_back("");
          ratio.push_back("");
          if (s.failed())
            notes.push_back(fmt::format("⚠ {}, {}: {}", name, upper(protocol), failure_detail(s)));
          continue;
        }
        std::string marks;
        if (s.failed()) {
          marks += " ⚠";
          notes.push_back(fmt::format("⚠ {}, {}: {} failed requests ({})", name, upper(protocol),
                                      s.failures.total(), failure_detail(s)));
        }
        if (s.saturated) marks += " †";
        if (s.interrupted) marks += " ‡";
        rps.push_back(figure(s.requests_per_second, 1, ranges) + marks);
        cpu.push_back(figure(s.cpu_us_per_request, 1, ranges));
        latency.push_back(fmt::format("{:.1f} / {:.1f}", s.p50_us.median, s.p99_us.median));
        const auto r = results.floor_ratio(cell);
        ratio.push_back(r ? fmt::format("{:.3g}", *r) : "");
      }
      std::vector<std::string> line = {name};
      for (auto* part : {&rps, &cpu, &latency, &ratio})
        line.insert(line.end(), part->begin(), part->end());
      out += "| " + fmt::format("{}", fmt::join(line, " | ")) + " |\n";
    }
    out += '\n';
    for (const auto& note : notes) out += note + "  \n";
    if (!notes.empty()) out += '\n';
  }
  out += "† a CPU was saturated during the cell: the figure is CPU-bound. ‡ interrupted. "
         "⚠ failed requests (never timed). × floor: requests/s over the raw-socket floor's "
         "for the same path over HTTP, sequential.\n";
  return out;
}

std::string vmstat_log(const RunResults& results) {
  std::map<std::int64_t, const CellResult*> cell_of_order;
  for (const auto& cell : results.cells) {
    for (const auto& run : cell.runs) cell_of_order[run.order] = &cell;
  }
  std::string out = fmt::format(
      "{:<24} {:>5} {:>3} {:>3} {:>5} {:>5} {:>5} {:>5} {:>5} {:>8} {:>8} {:>6} {:>7} {:>7}  {}\n",
      "time", "cell", "r", "b", "us", "sy", "id", "wa", "st", "cs", "in", "busy1", "client",
      "server", "cell name");
  for (const auto& s : results.samples) {
    const auto ms = results.started_unix_ms + static_cast<std::int64_t>(s.time_seconds * 1000);
    const std::chrono::sys_seconds when{std::chrono::seconds(ms / 1000)};
    const auto found = cell_of_order.find(s.run_index);
    const CellResult* cell = found == cell_of_order.end() ? nullptr : found->second;
    out += fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z {:>5} {:>3} {:>3} {:>5.1f} {:>5.1f} {:>5.1f} "
                       "{:>5.1f} {:>5.1f} "
                       "{:>8.0f} {:>8.0f} {:>6.1f} {:>7.1f} {:>7}  {}\n",
                       when, ms % 1000, cell ? std::to_string(cell->index) : "-", s.runnable,
                       s.blocked, s.user, s.system, s.idle, s.iowait, s.steal,
                       s.context_switches_per_second, s.interrupts_per_second, s.busiest_cpu,
                       s.client_cpu, s.server_cpu ? fmt::format("{:.1f}", *s.server_cpu) : "-",
                       cell ? fmt::format("{} {} {} c{}", cell->display_name, upper(cell->protocol),
                                          cell->path, cell->concurrency)
                            : "(between cells)");
  }
  return out;
}

} // namespace hcbench
