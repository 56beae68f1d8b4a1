#include "hcbench/results/run_table.h"

#include "hcbench/results/noise.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace hcbench {

namespace {

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// A display name may hold '|' (a client's own option text); it must not split the row.
std::string markdown_text(const std::string& text) {
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

std::string figure(const Spread& s, int decimals, bool with_range) {
  std::string out = fmt::format("{:.{}f}", s.median, decimals);
  if (with_range && s.min != s.max)
    out += fmt::format(" ({:.{}f}–{:.{}f})", s.min, decimals, s.max, decimals);
  return out;
}

// A group of cells shown as one table: the same path, concurrency and rate, every protocol.
struct TableKey {
  std::string path;
  unsigned concurrency;
  double rate;
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
  if (p.client_cpus.empty()) return p.relation.empty() ? "not recorded" : p.relation;
  return fmt::format("client on CPUs {}, server on CPUs {} ({})", p.client_cpus, p.server_cpus,
                     p.relation);
}

// The machine and versions, then the settings: two lines under the title.
std::string caption(const RunTable& table) {
  const auto& env = table.environment;
  const auto& st = table.settings;
  std::vector<std::string> machine;
  for (const auto* text : {&env.hcbench_version, &env.started_at, &env.hostname, &env.kernel}) {
    if (!text->empty())
      machine.push_back(text == &env.hcbench_version ? "hcbench " + *text : *text);
  }
  if (!env.cpu_model.empty())
    machine.push_back(env.cpu_count ? fmt::format("{} × {}", env.cpu_count, env.cpu_model)
                                    : env.cpu_model);
  if (!env.libcurl_version.empty())
    machine.push_back(fmt::format("libcurl {}{}", env.libcurl_version,
                                  env.tls_backend.empty() ? "" : " (" + env.tls_backend + ")"));
  std::vector<std::string> settings;
  settings.push_back(fmt::format(
      "Server: {}{}", st.embedded_server ? "embedded hcbench serve on loopback" : "external",
      st.server_options.empty() ? "" : fmt::format(" ({})", fmt::join(st.server_options, " "))));
  settings.push_back("placement: " + describe_placement(env.placement) +
                     (st.pin_default ? " by default (--pin none opts out)" : ""));
  if (st.warmup) settings.push_back(fmt::format("warm-up {}", st.warmup));
  if (!st.verify.empty()) settings.push_back("verify " + st.verify);
  return fmt::format("{}.\n{}.", fmt::join(machine, ", "), fmt::join(settings, ", "));
}

// The mark of a cell's limit in the RPS column (the legend under the tables says it).
std::string_view limit_mark(Limit limit) {
  switch (limit) {
  case Limit::client:
    return "C";
  case Limit::server:
    return "S";
  case Limit::both:
    return "CS";
  case Limit::neither:
    break;
  }
  return "L";
}

std::string cpus(unsigned n) {
  return fmt::format("{} CPU{}", n, n == 1 ? "" : "s");
}

// When the server was the limit, the note says by how much and what would take it off the
// critical path: more event loops where the machine has CPUs to spare, the OpenSSL engine
// for HTTPS (docs/tls.md), and a placement that gives it CPUs of its own.
std::string server_limit_note(const RunTable& table, const TableCell& cell,
                              const std::string& where) {
  const LimitInputs& in = cell.summary.limit->inputs;
  std::vector<std::string> remedies;
  const unsigned machine = table.environment.cpu_count;
  const auto given = [&](std::string_view option) {
    return std::any_of(table.settings.server_options.begin(), table.settings.server_options.end(),
                       [&](const std::string& o) { return o.starts_with(option); });
  };
  if (machine > in.server_cpus + in.client_cpus) {
    const unsigned threads = machine - in.client_cpus;
    remedies.push_back(fmt::format("--server-option --threads={} with --pin server=CPUS giving "
                                   "it {} (the machine has {})",
                                   threads, cpus(threads), cpus(machine)));
  }
  if (cell.protocol == "https" && !given("--tls-engine=openssl"))
    remedies.push_back("--server-option --tls-engine=openssl (docs/tls.md)");
  const std::string& relation = table.environment.placement.relation;
  if (relation == "same-core" || relation == "unpinned")
    remedies.push_back("--pin client=CPUS,server=CPUS to give the server CPUs of its own");
  const std::string head =
      fmt::format("S {}: the server used {:.0f}% of its {}: the figure measures the server, not "
                  "the client.",
                  where, in.server_cpu.value_or(0), cpus(in.server_cpus));
  if (remedies.empty())
    return head + " This machine has no CPU to spare for it: run the client on another host "
                  "(docs/deploy.md) or on a machine with more CPUs";
  return fmt::format("{} Try {}", head, fmt::join(remedies, "; "));
}

// What a row shows for one protocol, and what the notes under the table say about it.
struct RenderedCell {
  std::string rps, cpu, latency, ratio;
};

RenderedCell render_cell(const RunTable& table, const TableCell& cell, bool ranges,
                         std::vector<std::string>& notes) {
  const CellSummary& s = cell.summary;
  const std::string where = fmt::format("{}, {}", cell.display_name, upper(cell.protocol));
  if (!cell.not_applicable.empty()) return {"n/a", "", "", ""};
  if (!s.has_figures()) {
    // Nothing measured: the row cannot run on this machine (a missing module), the cell
    // failed, or the run stopped before it; the note says which.
    if (!s.skipped.empty()) {
      notes.push_back(fmt::format("{}: skipped: {}", where, s.skipped));
      return {"skipped", "", "", ""};
    }
    if (s.failed()) {
      notes.push_back(fmt::format("⚠ {}: {}", where, failure_detail(s)));
      return {"failed ⚠", "", "", ""};
    }
    return {"–", "", "", ""};
  }
  std::string marks;
  if (s.failed()) {
    marks += " ⚠";
    notes.push_back(
        fmt::format("⚠ {}: {} failed requests ({})", where, s.failures.total(), failure_detail(s)));
  }
  if (s.offered_rate > 0) {
    // Open loop: what rate it held, and whether requests had to start behind schedule.
    if (s.rate_short || s.late) marks += " ◇";
    notes.push_back(fmt::format(
        "{}{}: {:.0f} of {:g} requests/s ({:.1f}%){}, {} late starts (latest {:.1f} ms behind)",
        s.rate_short || s.late ? "◇ " : "", where, s.requests_per_second.median, s.offered_rate,
        100.0 * s.requests_per_second.median / s.offered_rate, s.rate_short ? ", short" : "",
        s.late_starts, s.max_start_lag_ms));
  }
  // The limit verdict says more than "a CPU was saturated", so it replaces † where a run
  // recorded it; a file from before the verdict still shows its †.
  if (s.limit) {
    marks += fmt::format(" {}", limit_mark(s.limit->limit));
    if (s.limit->limit == Limit::server || s.limit->limit == Limit::both)
      notes.push_back(server_limit_note(table, cell, where));
  } else if (s.saturated) {
    marks += " †";
  }
  if (s.interrupted) marks += " ‡";
  if (s.foreign_load) {
    marks += " ◆";
    notes.push_back(fmt::format("◆ {}: other processes used {:.0f}% of a CPU during the cell",
                                where, s.foreign_cpu));
  }
  if (s.unstable) {
    marks += " ≈";
    notes.push_back(fmt::format("≈ {}: requests/s varied {:.0f}% (CV) across the window's slices",
                                where, 100 * s.slice_cv.value_or(0)));
  }
  if (cell.beats_floor) {
    marks += " ▲";
    notes.push_back(
        fmt::format("▲ {}: faster than the raw-socket floor: the floor was disturbed", where));
  }
  if (cell.floor_disturbed) {
    marks += " ▲";
    notes.push_back(
        cell.floor_remeasured_rps
            ? fmt::format("▲ {}: disturbed (a row beat it): {:.1f} requests/s, {:.1f} when "
                          "measured again at the end; × floor uses the higher",
                          where, s.requests_per_second.median, *cell.floor_remeasured_rps)
            : fmt::format("▲ {}: disturbed (a row beat it)", where));
  }
  return {figure(s.requests_per_second, 1, ranges) + marks, figure(s.cpu_us_per_request, 1, ranges),
          fmt::format("{:.1f} / {:.1f}", s.p50_us.median, s.p99_us.median),
          cell.floor_ratio ? fmt::format("{:.3g}", *cell.floor_ratio) : ""};
}

std::string section_title(const TableKey& key, const TableCell& first) {
  std::string title = key.path;
  if (first.endpoint == "length") title += fmt::format(" ({} bytes)", first.size);
  if (key.rate > 0)
    return fmt::format("{}, open loop at {:g} requests/s, at most {} connection{}", title, key.rate,
                       key.concurrency, key.concurrency == 1 ? "" : "s");
  return fmt::format("{}, concurrency {}", title, key.concurrency);
}

// Numbers in the flat outputs: up to 3 significant digits below 100, one decimal above.
std::string plain(double value) {
  if (!std::isfinite(value)) return "";
  return std::abs(value) >= 100 ? fmt::format("{:.1f}", value) : fmt::format("{:.3g}", value);
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

// Why a cell has no figures, or what went wrong in it.
std::string reason(const TableCell& c) {
  if (!c.summary.error.empty()) return c.summary.error;
  if (!c.summary.skipped.empty()) return c.summary.skipped;
  return c.not_applicable;
}

// The flags a cell carries, by name, for the flat outputs.
std::vector<std::string> flags_of(const TableCell& c) {
  std::vector<std::string> out;
  if (c.summary.saturated) out.push_back("saturated");
  if (c.summary.foreign_load) out.push_back("foreign_load");
  if (c.summary.unstable) out.push_back("unstable");
  if (c.beats_floor) out.push_back("beats_floor");
  if (c.floor_disturbed) out.push_back("floor_disturbed");
  return out;
}

} // namespace

RunTable run_table(const RunResults& results) {
  RunTable table;
  table.settings = results.settings;
  table.environment = results.environment;
  table.interrupted = results.interrupted;
  table.error = results.error;
  table.machine_check = results.machine_check;
  for (const auto& cell : results.cells) {
    TableCell row;
    row.row_id = cell.row_id;
    row.display_name = cell.display_name;
    row.protocol = cell.protocol;
    row.endpoint = cell.endpoint;
    row.path = cell.path;
    row.size = cell.size;
    row.concurrency = cell.concurrency;
    row.http_version = cell.http_version;
    row.rate = cell.rate;
    row.not_applicable = cell.not_applicable;
    row.summary = summarize_cell(cell);
    row.status = cell_status(row.summary, cell.not_applicable);
    row.floor_ratio = results.floor_ratio(cell);
    row.beats_floor = results.beats_floor(cell);
    row.floor_disturbed = results.floor_disturbed(cell);
    if (cell.group == "floor") {
      if (const auto figure = results.floor_figure(cell))
        row.floor_remeasured_rps = figure->remeasured;
    }
    table.cells.push_back(std::move(row));
  }
  return table;
}

std::string markdown_table(const RunTable& table) {
  const auto& st = table.settings;
  std::vector<std::string> protocols;
  std::vector<TableKey> keys;
  for (const auto& cell : table.cells) {
    if (std::find(protocols.begin(), protocols.end(), cell.protocol) == protocols.end())
      protocols.push_back(cell.protocol);
    const TableKey key{cell.path, cell.concurrency, cell.rate};
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  }
  // HTTP before HTTPS, whatever order the run used.
  std::sort(protocols.begin(), protocols.end());
  const bool ranges = st.repeat > 1;
  std::string out;
  out += fmt::format("## hcbench run: {} requests per cell{}\n\n", st.cycles,
                     ranges ? fmt::format(", median (min–max) of {} runs", st.repeat) : "");
  const std::string lines = caption(table);
  out += lines.substr(0, lines.find('\n')) + "  \n" + lines.substr(lines.find('\n') + 1) + "\n\n";
  if (table.interrupted) out += "**Interrupted: the results stop where the run stopped.**\n\n";
  if (!table.error.empty()) out += fmt::format("**The run stopped early: {}**\n\n", table.error);
  if (table.machine_check && !table.machine_check->quiet) {
    out += fmt::format("**The machine was not quiet: other processes used {:.0f}% of a CPU in "
                       "the second before the first cell.**\n\n",
                       table.machine_check->foreign_cpu);
  }

  for (const auto& key : keys) {
    std::vector<const TableCell*> cells;
    std::vector<std::string> names; // rows in matrix order
    for (const auto& cell : table.cells) {
      if (cell.path != key.path || cell.concurrency != key.concurrency || cell.rate != key.rate)
        continue;
      cells.push_back(&cell);
      if (std::find(names.begin(), names.end(), cell.display_name) == names.end())
        names.push_back(cell.display_name);
    }
    out += fmt::format("### {}\n\n", section_title(key, *cells.front()));

    std::vector<std::string> header = {"Request Type"};
    for (const char* what : {"RPS", "CPU µs/req", "p50 / p99 µs", "× floor"}) {
      for (const auto& p : protocols) header.push_back(fmt::format("{} {}", what, upper(p)));
    }
    out += "| " + fmt::format("{}", fmt::join(header, " | ")) + " |\n|";
    for (std::size_t i = 0; i < header.size(); ++i) out += i == 0 ? "---|" : "---:|";
    out += '\n';

    std::vector<std::string> notes;
    for (const auto& name : names) {
      std::vector<RenderedCell> rendered;
      for (const auto& protocol : protocols) {
        const auto it = std::find_if(cells.begin(), cells.end(), [&](const TableCell* c) {
          return c->display_name == name && c->protocol == protocol;
        });
        rendered.push_back(it == cells.end() ? RenderedCell{}
                                             : render_cell(table, **it, ranges, notes));
      }
      std::vector<std::string> line = {markdown_text(name)};
      for (auto part :
           {&RenderedCell::rps, &RenderedCell::cpu, &RenderedCell::latency, &RenderedCell::ratio}) {
        for (const auto& r : rendered) line.push_back(r.*part);
      }
      out += "| " + fmt::format("{}", fmt::join(line, " | ")) + " |\n";
    }
    out += '\n';
    for (const auto& note : notes) out += markdown_text(note) + "  \n";
    if (!notes.empty()) out += '\n';
  }
  if (std::any_of(table.cells.begin(), table.cells.end(),
                  [](const TableCell& c) { return c.summary.limit.has_value(); })) {
    out += fmt::format(
        "Limit, from each side's mean CPU against the CPUs it may use (≥ {:.0f}% is "
        "saturated): C the client (what the cell should measure), S the server (the figure "
        "measures the server), CS both, L neither (the round trip bounds it: latency-bound).\n",
        100 * limit_threshold);
  }
  if (std::any_of(table.cells.begin(), table.cells.end(), [](const TableCell& c) {
        return !c.summary.limit && c.summary.saturated && c.summary.has_figures();
      }))
    out += "† a CPU was saturated during the cell: the figure is CPU-bound. ";
  out += "‡ interrupted. "
         "⚠ failed requests (never timed). × floor: requests/s over the raw-socket floor's "
         "for the same path, HTTP version and host over HTTP at the same concurrency (and "
         "rate).\n";
  if (std::any_of(table.cells.begin(), table.cells.end(),
                  [](const TableCell& c) { return c.rate > 0; })) {
    out += "Open loop: latency counts from each request's scheduled start. ◇ the achieved rate "
           "fell more than 1% short of the rate asked for, or more than 1% of the requests "
           "started over 1 ms behind schedule.\n";
  }
  const bool any_foreign = std::any_of(table.cells.begin(), table.cells.end(),
                                       [](const TableCell& c) { return c.summary.foreign_load; });
  const bool any_unstable = std::any_of(table.cells.begin(), table.cells.end(),
                                        [](const TableCell& c) { return c.summary.unstable; });
  const bool any_floor = std::any_of(table.cells.begin(), table.cells.end(), [](const auto& c) {
    return c.beats_floor || c.floor_disturbed;
  });
  // The flags' legend only when a flag is shown: a quiet run prints none (docs/run.md).
  if (any_foreign)
    out += fmt::format("◆ foreign load: other processes (or steal) used ≥ {:.0f}% of a CPU "
                       "during the cell.\n",
                       foreign_load_threshold_percent);
  if (any_unstable)
    out += fmt::format("≈ unstable: requests/s varied more than {:.0f}% across the slices of "
                       "the cell's window.\n",
                       100 * unstable_threshold);
  if (any_floor)
    out += "▲ a row faster than its floor: the floor cell was disturbed (see docs/run.md).\n";
  return out;
}

std::string cells_csv(const RunTable& table) {
  // http_version, then the open-loop columns, come last, after the columns scripts written
  // before them already read.
  std::string out =
      "Request Type,row_id,protocol,path,size,concurrency,status,runs,requests,failures,"
      "rps_median,rps_min,rps_max,throughput_mib_s,cpu_us_per_request,p50_us,p90_us,p99_us,"
      "p99_9_us,reason,foreign_cpu_percent,slice_cv,flags,http_version,rate,late_starts,limit\n";
  for (const auto& c : table.cells) {
    const auto& s = c.summary;
    // A cell with no figures has empty columns, never zeros that read as measured.
    const auto number = [&](double value) {
      return s.has_figures() ? plain(value) : std::string();
    };
    out += fmt::format(
        "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
        csv_field(c.display_name), csv_field(c.row_id), c.protocol, csv_field(c.path), c.size,
        c.concurrency, c.status, s.runs, s.requests, s.failures.total(),
        number(s.requests_per_second.median), number(s.requests_per_second.min),
        number(s.requests_per_second.max), number(s.throughput_mib_per_second.median),
        number(s.cpu_us_per_request.median), number(s.p50_us.median), number(s.p90_us.median),
        number(s.p99_us.median), number(s.p999_us.median), csv_field(reason(c)),
        number(s.foreign_cpu), s.slice_cv ? plain(*s.slice_cv) : std::string(),
        fmt::join(flags_of(c), " "), c.http_version, c.rate > 0 ? fmt::format("{:g}", c.rate) : "",
        c.rate > 0 ? std::to_string(s.late_starts) : "", s.limit ? limit_name(s.limit->limit) : "");
  }
  return out;
}

std::string cells_json(const RunTable& table, const std::string& source) {
  using nlohmann::json;
  json cells = json::array();
  for (const auto& c : table.cells) {
    const auto& s = c.summary;
    const auto number = [&](double value) {
      return s.has_figures() && std::isfinite(value) ? json(value) : json(nullptr);
    };
    const std::string why = reason(c);
    cells.push_back({{"request_type", c.display_name},
                     {"row_id", c.row_id},
                     {"protocol", c.protocol},
                     {"http_version", c.http_version},
                     {"path", c.path},
                     {"size", c.size},
                     {"concurrency", c.concurrency},
                     {"rate", c.rate > 0 ? json(c.rate) : json(nullptr)},
                     {"late_starts", c.rate > 0 ? json(s.late_starts) : json(nullptr)},
                     {"status", c.status},
                     {"reason", why.empty() ? json(nullptr) : json(why)},
                     {"runs", s.runs},
                     {"requests", s.requests},
                     {"failures", s.failures.total()},
                     {"rps",
                      {{"median", number(s.requests_per_second.median)},
                       {"min", number(s.requests_per_second.min)},
                       {"max", number(s.requests_per_second.max)}}},
                     {"throughput_mib_s", number(s.throughput_mib_per_second.median)},
                     {"cpu_us_per_request", number(s.cpu_us_per_request.median)},
                     {"latency_us",
                      {{"p50", number(s.p50_us.median)},
                       {"p90", number(s.p90_us.median)},
                       {"p99", number(s.p99_us.median)},
                       {"p99_9", number(s.p999_us.median)}}},
                     {"floor_ratio", c.floor_ratio ? json(*c.floor_ratio) : json(nullptr)},
                     {"foreign_cpu_percent", number(s.foreign_cpu)},
                     {"slice_cv", s.slice_cv ? json(*s.slice_cv) : json(nullptr)},
                     {"flags", flags_of(c)},
                     {"limit", s.limit ? json(limit_name(s.limit->limit)) : json(nullptr)}});
  }
  const json document = {
      {"schema", "hcbench-report/1"},
      {"source", source},
      {"caption", caption(table)},
      {"machine_check", table.machine_check
                            ? json{{"foreign_cpu_percent", table.machine_check->foreign_cpu},
                                   {"quiet", table.machine_check->quiet}}
                            : json(nullptr)},
      {"cells", cells}};
  return document.dump(2) + "\n";
}

std::string markdown_report(const RunResults& results) {
  return markdown_table(run_table(results));
}

} // namespace hcbench
