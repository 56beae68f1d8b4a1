#include "hcbench/report/merge.h"

#include "hcbench/results/results_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace hcbench {

namespace {

// A row runs a cell per protocol, path, concurrency, HTTP version and open-loop rate.
using CellKey = std::tuple<std::string, std::string, std::string, unsigned, std::string, double>;

CellKey key_of(const CellResult& cell) {
  return {cell.row_id, cell.protocol, cell.path, cell.concurrency, cell.http_version, cell.rate};
}

std::string describe(const CellKey& key) {
  const auto& [row, protocol, path, concurrency, http_version, rate] = key;
  return fmt::format("{} {}{} {} c{}{}", row, protocol, http_version == "2" ? " h2" : "", path,
                     concurrency, rate > 0 ? fmt::format(" {:g}/s", rate) : "");
}

// The settings that must agree for the hosts' cells to be the same experiment. The host
// label differs by design; the URLs may (each host may reach the server by its own name);
// the seed matters only for the order of repeats; CPU placement is each host's own.
std::vector<std::string> settings_differences(const RunSettings& a, const RunSettings& b) {
  std::vector<std::string> out;
  auto check = [&out](const char* name, const auto& x, const auto& y) {
    if (!(x == y)) out.push_back(name);
  };
  check("benchmark_type", a.benchmark_type, b.benchmark_type);
  check("cycles", a.cycles, b.cycles);
  check("warmup", a.warmup, b.warmup);
  check("duration_seconds", a.duration_seconds, b.duration_seconds);
  check("repeat", a.repeat, b.repeat);
  if (a.repeat > 1) check("seed", a.seed, b.seed);
  check("clients", a.clients, b.clients);
  check("protocols", a.protocols, b.protocols);
  check("paths", a.paths, b.paths);
  check("concurrency", a.concurrency, b.concurrency);
  check("http_versions", a.http_versions, b.http_versions);
  check("rates", a.rates, b.rates);
  check("max_in_flight", a.max_in_flight, b.max_in_flight);
  check("verify", a.verify, b.verify);
  check("start_at_unix_ms", a.start_at_unix_ms, b.start_at_unix_ms);
  check("slot_seconds", a.slot_seconds, b.slot_seconds);
  check("run_id", a.run_id, b.run_id);
  return out;
}

std::string host_label_of(const MergeInput& input) {
  if (!input.results.settings.host_label.empty()) return input.results.settings.host_label;
  if (!input.results.environment.hostname.empty()) return input.results.environment.hostname;
  return input.source;
}

void add_measurement(CellMeasurement& sum, const CellMeasurement& m) {
  sum.requests += m.requests;
  for (std::size_t k = 0; k < failure_kind_count; ++k)
    sum.failures.by_kind[k] += m.failures.by_kind[k];
  sum.cpu.user_seconds += m.cpu.user_seconds;
  sum.cpu.system_seconds += m.cpu.system_seconds;
  sum.process_cpu.user_seconds += m.process_cpu.user_seconds;
  sum.process_cpu.system_seconds += m.process_cpu.system_seconds;
  sum.latency.merge(m.latency);
  sum.body_bytes += m.body_bytes;
  sum.connections_opened += m.connections_opened;
  sum.streams_opened += m.streams_opened;
  // Open loop: the hosts' schedules add up to the rate the server was offered.
  sum.offered_rate += m.offered_rate;
  sum.late_starts += m.late_starts;
  sum.max_start_lag_ns = std::max(sum.max_start_lag_ns, m.max_start_lag_ns);
  sum.tls_full_handshakes += m.tls_full_handshakes;
  sum.tls_resumed_handshakes += m.tls_resumed_handshakes;
}

std::uint64_t less_reads(std::uint64_t after, std::uint64_t before, std::uint64_t reads) {
  const std::uint64_t counted = after >= before ? after - before : 0;
  return counted >= reads ? counted - reads : 0;
}

// What one server counted over the hosts' runs of a cell together: from the earliest reading
// before any of them to the latest after all of them. Every host's warm-up and window lie
// between its own two readings, so inside that span; so do the hosts' own /stats reads, 2K - 1
// of K hosts (the earliest read's own request falls inside, as for one host), plain HTTP/1.1
// with a connection each. Nothing when a host did not read the server's totals.
std::optional<ServerReadings> span_of(const std::vector<const CellRun*>& runs) {
  std::optional<ServerReadings> span;
  for (const CellRun* run : runs) {
    if (!run->server_readings) return std::nullopt;
    const ServerReadings& r = *run->server_readings;
    if (!span) span = r;
    if (r.before.requests < span->before.requests) span->before = r.before;
    if (r.after.requests > span->after.requests) span->after = r.after;
  }
  return span;
}

ServerCounters counted_over(const ServerReadings& span, std::size_t hosts) {
  const std::uint64_t reads = 2 * hosts - 1;
  const ServerCounters& a = span.after;
  const ServerCounters& b = span.before;
  return {less_reads(a.requests, b.requests, reads),
          less_reads(a.requests_ok, b.requests_ok, reads),
          less_reads(a.connections, b.connections, reads),
          less_reads(a.http2_connections, b.http2_connections, 0),
          less_reads(a.http2_streams, b.http2_streams, 0),
          less_reads(a.tls_full, b.tls_full, 0),
          less_reads(a.tls_resumed, b.tls_resumed, 0),
          less_reads(a.tls_failures, b.tls_failures, 0)};
}

// The hosts' runs of one cell and repeat as one run. `labels[i]` names `runs[i]`'s host;
// `shared_server`: the hosts ran against one server (not each its own embedded one).
CellRun merge_cell_runs(const std::vector<const CellRun*>& runs,
                        const std::vector<std::string>& labels, std::int64_t started_unix_ms,
                        bool shared_server, const std::string& cell_name,
                        std::vector<std::string>& flags) {
  CellRun out;
  out.repeat = runs.front()->repeat;
  out.order = runs.front()->order;
  auto& m = out.measurement;
  std::vector<std::pair<std::int64_t, std::int64_t>> windows;
  bool all_skipped = true;
  double longest_wall = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const CellRun& run = *runs[i];
    const CellMeasurement& host = run.measurement;
    add_measurement(m, host);
    out.warmup += run.warmup;
    out.interrupted = out.interrupted || run.interrupted;
    out.load.saturated = out.load.saturated || run.load.saturated;
    // A host whose machine was busy elsewhere disturbed its share of the aggregate.
    out.load.foreign_load = out.load.foreign_load || run.load.foreign_load;
    out.load.mean_foreign_cpu = std::max(out.load.mean_foreign_cpu, run.load.mean_foreign_cpu);
    // A side that limited any host's run limited the merged one.
    if (run.limit) out.limit = out.limit ? combine_limits(*out.limit, *run.limit) : *run.limit;
    longest_wall = std::max(longest_wall, host.wall_seconds);
    if (!host.error.empty() && m.error.empty())
      m.error = fmt::format("{}: {}", labels[i], host.error);
    if (host.skipped.empty()) all_skipped = false;
    if (host.window_start_unix_ms > 0)
      windows.emplace_back(host.window_start_unix_ms, host.window_end_unix_ms);
  }
  if (all_skipped) m.skipped = runs.front()->measurement.skipped;
  if (const auto span = shared_server ? span_of(runs) : std::nullopt; span && !all_skipped) {
    out.server = counted_over(*span, runs.size());
    out.server_readings = span;
    if (out.server->requests != out.requests_sent()) {
      flags.push_back(fmt::format(
          "{} (repeat {}): the server counted {} requests over the hosts' runs, the hosts sent "
          "{}: requests were lost, or a neighbouring cell's overlapped these runs",
          cell_name, out.repeat + 1, out.server->requests, out.requests_sent()));
    }
  }
  if (windows.size() == runs.size() && !windows.empty()) {
    // The union of the windows: see merge.h for why requests/s are over it.
    m.window_start_unix_ms = std::min_element(windows.begin(), windows.end())->first;
    m.window_end_unix_ms = 0;
    for (const auto& w : windows) m.window_end_unix_ms = std::max(m.window_end_unix_ms, w.second);
    m.wall_seconds = static_cast<double>(m.window_end_unix_ms - m.window_start_unix_ms) / 1000;
    out.started_seconds = static_cast<double>(m.window_start_unix_ms - started_unix_ms) / 1000;
    const double overlap = window_overlap(windows);
    if (overlap < min_window_overlap && m.skipped.empty()) {
      flags.push_back(fmt::format("{} (repeat {}): the hosts' measured windows overlap {:.0f}% "
                                  "(< {:.0f}%): they did not load the server at the same time",
                                  cell_name, out.repeat + 1, overlap * 100,
                                  min_window_overlap * 100));
    }
  } else {
    m.wall_seconds = longest_wall;
    if (m.skipped.empty() && m.requests > 0) {
      flags.push_back(fmt::format("{} (repeat {}): a host did not record its measured window; "
                                  "requests/s are over the longest host's window",
                                  cell_name, out.repeat + 1));
    }
  }
  return out;
}

} // namespace

double window_overlap(const std::vector<std::pair<std::int64_t, std::int64_t>>& windows) {
  if (windows.empty()) return 0;
  std::int64_t latest_start = windows.front().first, earliest_end = windows.front().second;
  std::int64_t earliest_start = latest_start, latest_end = earliest_end;
  for (const auto& [start, end] : windows) {
    latest_start = std::max(latest_start, start);
    earliest_start = std::min(earliest_start, start);
    earliest_end = std::min(earliest_end, end);
    latest_end = std::max(latest_end, end);
  }
  if (latest_end <= earliest_start) return earliest_end >= latest_start ? 1 : 0;
  const auto intersection = std::max<std::int64_t>(0, earliest_end - latest_start);
  return static_cast<double>(intersection) / static_cast<double>(latest_end - earliest_start);
}

MergedRun merge_runs(const std::vector<MergeInput>& inputs) {
  if (inputs.size() < 2) throw MergeRefused("--merge takes the results of two hosts or more");
  MergedRun merged;
  std::set<std::string> seen;
  for (const auto& input : inputs) {
    const std::string label = host_label_of(input);
    if (!seen.insert(label).second)
      throw MergeRefused(fmt::format("{}: host '{}' is given twice (each host's results once; "
                                     "label hosts with hcbench run --host-label)",
                                     input.source, label));
    merged.hosts.push_back(label);
    if (std::any_of(input.results.cells.begin(), input.results.cells.end(),
                    [](const CellResult& c) { return !c.host_label.empty(); }))
      throw MergeRefused(
          fmt::format("{} is itself a merged run: merge the hosts' own results", input.source));
  }
  const MergeInput& first = inputs.front();
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    const auto differences =
        settings_differences(first.results.settings, inputs[i].results.settings);
    if (!differences.empty())
      throw MergeRefused(fmt::format("{} and {} ran with different settings ({}): their cells "
                                     "are not the same experiment",
                                     first.source, inputs[i].source, fmt::join(differences, ", ")));
  }

  // Every host must have run the same cells.
  std::vector<std::map<CellKey, const CellResult*>> cells_of(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    for (const auto& cell : inputs[i].results.cells) cells_of[i][key_of(cell)] = &cell;
  }
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    for (const auto& [key, cell] : cells_of[0]) {
      if (!cells_of[i].count(key))
        throw MergeRefused(fmt::format("{} has no cell {} that {} has", inputs[i].source,
                                       describe(key), first.source));
    }
    if (cells_of[i].size() != cells_of[0].size())
      throw MergeRefused(
          fmt::format("{} has cells that {} has not", inputs[i].source, first.source));
  }

  RunResults& out = merged.results;
  out.settings = first.results.settings;
  out.settings.host_label.clear();
  out.environment = first.results.environment;
  std::vector<std::string> hostnames;
  out.started_unix_ms = first.results.started_unix_ms;
  std::int64_t ended_unix_ms = 0;
  for (const auto& input : inputs) {
    const auto& r = input.results;
    hostnames.push_back(r.environment.hostname);
    out.started_unix_ms = std::min(out.started_unix_ms, r.started_unix_ms);
    ended_unix_ms = std::max(ended_unix_ms,
                             r.started_unix_ms + static_cast<std::int64_t>(r.wall_seconds * 1000));
    out.interrupted = out.interrupted || r.interrupted;
    if (!r.error.empty() && out.error.empty())
      out.error = fmt::format("{}: {}", host_label_of(input), r.error);
  }
  out.environment.hostname = fmt::format("{}", fmt::join(hostnames, ", "));
  out.wall_seconds = static_cast<double>(ended_unix_ms - out.started_unix_ms) / 1000;

  for (const auto& cell : first.results.cells) {
    CellResult aggregate = cell;
    aggregate.runs.clear();
    std::vector<const CellResult*> same;
    for (std::size_t i = 0; i < inputs.size(); ++i) same.push_back(cells_of[i].at(key_of(cell)));
    for (const auto& run : cell.runs) {
      std::vector<const CellRun*> runs;
      std::vector<std::string> labels;
      for (std::size_t i = 0; i < same.size(); ++i) {
        const auto found = std::find_if(same[i]->runs.begin(), same[i]->runs.end(),
                                        [&](const CellRun& r) { return r.repeat == run.repeat; });
        if (found == same[i]->runs.end()) {
          merged.flags.push_back(fmt::format("{} (repeat {}): {} has no such run; merged "
                                             "without it",
                                             describe(key_of(cell)), run.repeat + 1,
                                             merged.hosts[i]));
          continue;
        }
        runs.push_back(&*found);
        labels.push_back(merged.hosts[i]);
      }
      aggregate.runs.push_back(merge_cell_runs(runs, labels, out.started_unix_ms,
                                               !first.results.settings.embedded_server,
                                               describe(key_of(cell)), merged.flags));
    }
    out.cells.push_back(std::move(aggregate));
  }
  // Each host's own cells, after the aggregate, under its label.
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    for (const auto& cell : inputs[i].results.cells) {
      CellResult host = cell;
      host.index = out.cells.size();
      host.host_label = merged.hosts[i];
      host.display_name = fmt::format("{} [{}]", cell.display_name, merged.hosts[i]);
      out.cells.push_back(std::move(host));
    }
  }
  return merged;
}

nlohmann::json merged_to_json(const MergedRun& merged, const std::vector<std::string>& sources) {
  nlohmann::json document = results_to_json(merged.results);
  nlohmann::json hosts = nlohmann::json::array();
  for (std::size_t i = 0; i < merged.hosts.size(); ++i) {
    hosts.push_back({{"host_label", merged.hosts[i]},
                     {"source", i < sources.size() ? sources[i] : std::string()}});
  }
  document["merge"] = {{"hosts", hosts},
                       {"window", "union"},
                       {"min_window_overlap", min_window_overlap},
                       {"flags", merged.flags}};
  return document;
}

} // namespace hcbench
