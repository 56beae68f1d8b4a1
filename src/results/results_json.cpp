#include "hcbench/results/results_json.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <unordered_map>

namespace hcbench {

namespace {

using nlohmann::json;

// null for the absent, so a reader never mistakes "unknown" for zero.
json text_or_null(const std::string& text) {
  return text.empty() ? json(nullptr) : json(text);
}

json counters_to_json(const ServerCounters& c) {
  return {{"requests", c.requests},
          {"requests_ok", c.requests_ok},
          {"connections", c.connections},
          {"http2_connections", c.http2_connections},
          {"http2_streams", c.http2_streams},
          {"tls_handshakes_full", c.tls_full},
          {"tls_handshakes_resumed", c.tls_resumed},
          {"tls_handshake_failures", c.tls_failures}};
}

json number(double value) {
  return std::isfinite(value) ? json(value) : json(nullptr);
}

json spread(const Spread& s) {
  return {{"median", number(s.median)}, {"min", number(s.min)}, {"max", number(s.max)}};
}

json failures(const FailureCounts& counts) {
  json out = {{"total", counts.total()}};
  for (std::size_t k = 0; k < failure_kind_count; ++k) {
    out[std::string(failure_kind_name(static_cast<FailureKind>(k)))] = counts.by_kind[k];
  }
  return out;
}

json cpu(const CpuTimes& times) {
  return {{"user_seconds", times.user_seconds}, {"system_seconds", times.system_seconds}};
}

json placement(const Placement& p) {
  return {{"client_cpus", p.client_cpus},
          {"server_cpus", text_or_null(p.server_cpus)},
          {"client_last_cpu", p.client_last_cpu},
          {"server_last_cpu", p.server_last_cpu},
          {"pinned", p.pinned},
          {"relation", p.relation}};
}

json latency(const LatencyHistogram& h) {
  auto us = [](std::uint64_t ns) { return static_cast<double>(ns) / 1000; };
  return {{"count", h.count()},
          {"min", us(h.min())},
          {"mean", h.mean() / 1000},
          {"p50", us(h.quantile(0.50))},
          {"p90", us(h.quantile(0.90))},
          {"p99", us(h.quantile(0.99))},
          {"p99_9", us(h.quantile(0.999))},
          {"max", us(h.max())}};
}

json load(const LoadSummary& l) {
  return {{"samples", l.samples},
          {"mean_busy_percent", l.mean_busy},
          {"max_busy_percent", l.max_busy},
          {"max_cpu_busy_percent", l.max_cpu_busy},
          {"mean_client_cpu_percent", l.mean_client_cpu},
          {"mean_server_cpu_percent", l.mean_server_cpu ? json(*l.mean_server_cpu) : json(nullptr)},
          {"saturated", l.saturated},
          {"mean_foreign_cpu_percent", l.mean_foreign_cpu},
          {"mean_steal_cpu_percent", l.mean_steal_cpu},
          {"foreign_resolution_percent", l.foreign_resolution},
          {"foreign_load", l.foreign_load}};
}

// The figures a limit verdict was judged from (limit.h); the side itself goes beside them.
json limit_figures(const LimitVerdict& v) {
  return {{"client_cpu_percent", v.inputs.client_cpu},
          {"client_cpus", v.inputs.client_cpus},
          {"server_cpu_percent", v.inputs.server_cpu ? json(*v.inputs.server_cpu) : json(nullptr)},
          {"server_cpus", v.inputs.server_cpu ? json(v.inputs.server_cpus) : json(nullptr)}};
}

json run_limit(const std::optional<LimitVerdict>& v) {
  if (!v) return nullptr;
  json out = limit_figures(*v);
  out["side"] = limit_name(v->limit);
  return out;
}

json run_json(const CellResult& cell, const CellRun& run) {
  const auto& m = run.measurement;
  json histogram = json::array();
  for (const auto& [value, count] : m.latency.nonzero_buckets())
    histogram.push_back({value, count});
  json server = nullptr;
  if (run.server) {
    const std::uint64_t expected = run.requests_sent();
    server = counters_to_json(*run.server);
    server["requests_expected"] = expected;
    server["requests_match"] = run.server->requests == expected;
    if (run.server_readings) {
      server["totals_before"] = counters_to_json(run.server_readings->before);
      server["totals_after"] = counters_to_json(run.server_readings->after);
    }
  }
  const bool tls = cell.protocol == "https";
  return {{"repeat", run.repeat},
          {"order", run.order},
          {"started_seconds", run.started_seconds},
          {"warmup", run.warmup},
          {"interrupted", run.interrupted},
          {"error", text_or_null(m.error)},
          {"skipped", text_or_null(m.skipped)},
          {"requests", m.requests},
          {"wall_seconds", m.wall_seconds},
          {"rps", run.requests_per_second()},
          {"body_bytes", m.body_bytes},
          {"throughput_mib_s", run.throughput_mib_per_second()},
          {"cpu",
           {{"user_seconds", m.cpu.user_seconds},
            {"system_seconds", m.cpu.system_seconds},
            {"us_per_request", run.cpu_us_per_request()}}},
          {"process_cpu", m.process_cpu.total() > 0 ? cpu(m.process_cpu) : json(nullptr)},
          {"latency_us", latency(m.latency)},
          {"latency_histogram_ns", histogram},
          {"latency_totals_ns",
           {{"sum", m.latency.sum()}, {"min", m.latency.min()}, {"max", m.latency.max()}}},
          {"failures", failures(m.failures)},
          {"connections", m.connections_opened},
          {"streams", m.streams_opened},
          {"open_loop", m.offered_rate > 0 ? json{{"offered_rate", m.offered_rate},
                                                  {"late_starts", m.late_starts},
                                                  {"max_start_lag_ms",
                                                   static_cast<double>(m.max_start_lag_ns) / 1e6}}
                                           : json(nullptr)},
          {"tls_handshakes",
           tls ? json{{"new_connections", m.connections_opened},
                      {"full", run.server ? json(m.tls_full_handshakes) : json(nullptr)},
                      {"resumed", run.server ? json(m.tls_resumed_handshakes) : json(nullptr)}}
               : json(nullptr)},
          {"window", m.window_start_unix_ms > 0 ? json{{"start_unix_ms", m.window_start_unix_ms},
                                                       {"end_unix_ms", m.window_end_unix_ms}}
                                                : json(nullptr)},
          {"server", server},
          {"load", load(run.load)},
          {"placement", placement(run.placement)},
          {"limit", run_limit(run.limit)},
          {"slice_rps", m.slice_rps},
          {"slice_cv", run.slice_cv() ? json(*run.slice_cv()) : json(nullptr)}};
}

} // namespace

nlohmann::json cell_to_json(const RunResults& results, const CellResult& cell) {
  const CellSummary s = summarize_cell(cell);
  const auto ratio = results.floor_ratio(cell);
  json runs = json::array();
  for (const auto& run : cell.runs) runs.push_back(run_json(cell, run));
  json remeasured = json::array();
  for (const auto& run : cell.floor_remeasured) remeasured.push_back(run_json(cell, run));
  const auto floor = cell.group == "floor" ? results.floor_figure(cell) : std::nullopt;
  json out = {
      {"index", cell.index},
      {"row_id", cell.row_id},
      {"group", cell.group},
      {"library", cell.library},
      {"reuse_connections", cell.reuse_connections},
      {"options", cell.options},
      {"display_name", cell.display_name},
      {"protocol", cell.protocol},
      {"endpoint", cell.endpoint},
      {"path", cell.path},
      {"size", cell.size},
      {"concurrency", cell.concurrency},
      {"http_version", cell.http_version},
      {"rate", cell.rate > 0 ? json(cell.rate) : json(nullptr)},
      {"url", cell.url},
      {"status", cell_status(s, cell.not_applicable)},
      {"not_applicable", text_or_null(cell.not_applicable)},
      {"summary",
       {{"runs", s.runs},
        {"requests", s.requests},
        {"rps", spread(s.requests_per_second)},
        {"throughput_mib_s", spread(s.throughput_mib_per_second)},
        {"cpu_us_per_request", spread(s.cpu_us_per_request)},
        {"wall_seconds", spread(s.wall_seconds)},
        {"latency_us",
         {{"p50", spread(s.p50_us)},
          {"p90", spread(s.p90_us)},
          {"p99", spread(s.p99_us)},
          {"p99_9", spread(s.p999_us)},
          {"max", spread(s.max_us)},
          {"mean", spread(s.mean_us)}}},
        {"failures", failures(s.failures)},
        {"connections", s.connections},
        {"streams", s.streams},
        {"tls_handshakes", {{"full", s.tls_full}, {"resumed", s.tls_resumed}}},
        {"saturated", s.saturated},
        {"limit", s.limit ? json(limit_name(s.limit->limit)) : json(nullptr)},
        {"limit_cpu", s.limit ? limit_figures(*s.limit) : json(nullptr)},
        {"open_loop", s.offered_rate > 0 ? json{{"offered_rate", s.offered_rate},
                                                {"achieved_rate", s.requests_per_second.median},
                                                {"rate_short", s.rate_short},
                                                {"late_starts", s.late_starts},
                                                {"late", s.late},
                                                {"max_start_lag_ms", s.max_start_lag_ms}}
                                         : json(nullptr)},
        {"floor_ratio", ratio ? json(*ratio) : json(nullptr)},
        {"foreign_cpu_percent", s.foreign_cpu},
        {"foreign_load", s.foreign_load},
        {"slice_cv", s.slice_cv ? json(*s.slice_cv) : json(nullptr)},
        {"unstable", s.unstable},
        {"beats_floor", results.beats_floor(cell)},
        {"floor_disturbed", results.floor_disturbed(cell)},
        {"floor_first_rps", floor ? json(floor->first) : json(nullptr)},
        {"floor_remeasured_rps",
         floor && floor->remeasured ? json(*floor->remeasured) : json(nullptr)},
        {"error", text_or_null(s.error)},
        {"skipped", text_or_null(s.skipped)}}},
      {"runs", runs},
      {"floor_remeasured_runs", remeasured}};
  if (!cell.host_label.empty()) out["host_label"] = cell.host_label;
  return out;
}

namespace {

// `cell_of_order` maps a run's position in the whole run to its cell's index.
json sample_json(const std::unordered_map<std::int64_t, std::size_t>& cell_of_order,
                 const CpuSample& s) {
  const auto found = cell_of_order.find(s.run_index);
  const json cell = found == cell_of_order.end() ? json(nullptr) : json(found->second);
  return {{"t", s.time_seconds},
          {"duration", s.duration_seconds},
          {"order", s.run_index >= 0 ? json(s.run_index) : json(nullptr)},
          {"cell", cell},
          {"runnable", s.runnable},
          {"blocked", s.blocked},
          {"user", s.user},
          {"system", s.system},
          {"idle", s.idle},
          {"iowait", s.iowait},
          {"steal", s.steal},
          {"busy", s.busy},
          {"busiest_cpu", s.busiest_cpu},
          {"context_switches_per_s", s.context_switches_per_second},
          {"interrupts_per_s", s.interrupts_per_second},
          {"client_cpu", s.client_cpu},
          {"server_cpu", s.server_cpu ? json(*s.server_cpu) : json(nullptr)},
          {"client_last_cpu", s.client_last_cpu},
          {"server_last_cpu", s.server_last_cpu},
          {"foreign_cpu", s.foreign_cpu},
          {"steal_cpu", s.steal_cpu}};
}

} // namespace

nlohmann::json results_to_json(const RunResults& results) {
  const auto& st = results.settings;
  const auto& env = results.environment;
  json cells = json::array();
  for (const auto& cell : results.cells) cells.push_back(cell_to_json(results, cell));
  std::unordered_map<std::int64_t, std::size_t> cell_of_order;
  for (const auto& cell : results.cells) {
    for (const auto& run : cell.runs) cell_of_order[run.order] = cell.index;
    for (const auto& run : cell.floor_remeasured) cell_of_order[run.order] = cell.index;
  }
  const auto& check = results.machine_check;
  json samples = json::array();
  for (const auto& sample : results.samples) samples.push_back(sample_json(cell_of_order, sample));
  return {
      {"schema", results_schema},
      {"interrupted", results.interrupted},
      {"error", text_or_null(results.error)},
      {"wall_seconds", results.wall_seconds},
      {"started_unix_ms", results.started_unix_ms},
      {"settings",
       {{"benchmark_type", st.benchmark_type},
        {"cycles", st.cycles},
        {"warmup", st.warmup},
        {"duration_seconds", st.duration_seconds},
        {"repeat", st.repeat},
        {"seed", st.seed},
        {"clients", st.clients},
        {"protocols", st.protocols},
        {"paths", st.paths},
        {"concurrency", st.concurrency},
        {"http_versions", st.http_versions},
        {"rates", st.rates},
        {"max_in_flight", st.rates.empty() ? json(nullptr) : json(st.max_in_flight)},
        {"verify", st.verify},
        {"sample_ms", st.sample_ms},
        {"pin", text_or_null(st.pin)},
        {"pin_default", st.pin_default},
        {"embedded_server", st.embedded_server},
        {"server_options", st.server_options},
        {"http_url", text_or_null(st.http_url)},
        {"https_url", text_or_null(st.https_url)},
        {"insecure", st.insecure},
        {"cacert", text_or_null(st.cacert)},
        {"start_at_unix_ms", st.start_at_unix_ms > 0 ? json(st.start_at_unix_ms) : json(nullptr)},
        {"slot_seconds", st.start_at_unix_ms > 0 ? json(st.slot_seconds) : json(nullptr)},
        {"warmup_lead_seconds",
         st.start_at_unix_ms > 0 ? json(st.warmup_lead_seconds) : json(nullptr)},
        {"run_id", text_or_null(st.run_id)},
        {"host_label", text_or_null(st.host_label)}}},
      {"environment",
       {{"hcbench_version", env.hcbench_version},
        {"started_at", env.started_at},
        {"hostname", env.hostname},
        {"kernel", env.kernel},
        {"cpu_model", env.cpu_model},
        {"cpu_count", env.cpu_count},
        {"libcurl_version", env.libcurl_version},
        {"tls_backend", env.tls_backend},
        {"server_version", text_or_null(env.server_version)},
        {"server_pid", env.server_pid ? json(env.server_pid) : json(nullptr)},
        {"placement", placement(env.placement)}}},
      {"machine_check", check ? json{{"seconds", check->seconds},
                                     {"foreign_cpu_percent", check->foreign_cpu},
                                     {"steal_cpu_percent", check->steal_cpu},
                                     {"quiet", check->quiet}}
                              : json(nullptr)},
      {"cells", cells},
      {"samples", samples},
  };
}

} // namespace hcbench

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

template <typename T> T value_at(const json& object, std::initializer_list<const char*> path);

std::vector<std::string> strings_at(const json& object, std::initializer_list<const char*> path) {
  std::vector<std::string> out;
  if (const json* node = at(object, path); node != nullptr && node->is_array()) {
    for (const auto& item : *node)
      if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

// A verdict as written by limit_figures/run_limit: the side from `side_node`, the figures from
// `figures`; nothing when either is absent (a file from before the verdict).
std::optional<LimitVerdict> read_limit(const json* side_node, const json* figures) {
  if (side_node == nullptr || !side_node->is_string() || figures == nullptr) return std::nullopt;
  const auto side = parse_limit(side_node->get<std::string>());
  if (!side) return std::nullopt;
  LimitVerdict v;
  v.limit = *side;
  v.inputs.client_cpu = value_at<double>(*figures, {"client_cpu_percent"});
  v.inputs.client_cpus = std::max(1u, value_at<unsigned>(*figures, {"client_cpus"}));
  if (const json* server = at(*figures, {"server_cpu_percent"}); server && server->is_number())
    v.inputs.server_cpu = server->get<double>();
  v.inputs.server_cpus = std::max(1u, value_at<unsigned>(*figures, {"server_cpus"}));
  return v;
}

template <typename T> T value_at(const json& object, std::initializer_list<const char*> path) {
  const json* node = at(object, path);
  if constexpr (std::is_same_v<T, std::string>) {
    return node != nullptr && node->is_string() ? node->get<std::string>() : std::string();
  } else if constexpr (std::is_same_v<T, bool>) {
    return node != nullptr && node->is_boolean() && node->get<bool>();
  } else {
    return node != nullptr && node->is_number() ? node->get<T>() : T{};
  }
}

ServerCounters counters_from_json(const json& node) {
  ServerCounters c;
  c.requests = value_at<std::uint64_t>(node, {"requests"});
  c.requests_ok = value_at<std::uint64_t>(node, {"requests_ok"});
  c.connections = value_at<std::uint64_t>(node, {"connections"});
  c.http2_connections = value_at<std::uint64_t>(node, {"http2_connections"});
  c.http2_streams = value_at<std::uint64_t>(node, {"http2_streams"});
  c.tls_full = value_at<std::uint64_t>(node, {"tls_handshakes_full"});
  c.tls_resumed = value_at<std::uint64_t>(node, {"tls_handshakes_resumed"});
  c.tls_failures = value_at<std::uint64_t>(node, {"tls_handshake_failures"});
  return c;
}

Spread read_spread(const json& summary, std::initializer_list<const char*> path) {
  Spread s;
  if (const json* node = at(summary, path)) {
    s.median = value_at<double>(*node, {"median"});
    s.min = value_at<double>(*node, {"min"});
    s.max = value_at<double>(*node, {"max"});
  }
  return s;
}

FailureCounts read_failures(const json& summary) {
  FailureCounts counts;
  for (std::size_t k = 0; k < failure_kind_count; ++k) {
    const std::string name(failure_kind_name(static_cast<FailureKind>(k)));
    counts.by_kind[k] = value_at<std::uint64_t>(summary, {"failures", name.c_str()});
  }
  // A document that gives only the total still counts its failures.
  const auto total = value_at<std::uint64_t>(summary, {"failures", "total"});
  if (total > counts.total()) counts.add(FailureKind::other, total - counts.total());
  return counts;
}

CellSummary read_summary(const json& cell) {
  CellSummary s;
  const json* summary = at(cell, {"summary"});
  if (summary == nullptr) return s;
  s.runs = value_at<std::size_t>(*summary, {"runs"});
  s.requests = value_at<std::uint64_t>(*summary, {"requests"});
  s.requests_per_second = read_spread(*summary, {"rps"});
  s.throughput_mib_per_second = read_spread(*summary, {"throughput_mib_s"});
  s.cpu_us_per_request = read_spread(*summary, {"cpu_us_per_request"});
  s.wall_seconds = read_spread(*summary, {"wall_seconds"});
  s.p50_us = read_spread(*summary, {"latency_us", "p50"});
  s.p90_us = read_spread(*summary, {"latency_us", "p90"});
  s.p99_us = read_spread(*summary, {"latency_us", "p99"});
  s.p999_us = read_spread(*summary, {"latency_us", "p99_9"});
  s.max_us = read_spread(*summary, {"latency_us", "max"});
  s.mean_us = read_spread(*summary, {"latency_us", "mean"});
  s.failures = read_failures(*summary);
  s.connections = value_at<std::uint64_t>(*summary, {"connections"});
  s.streams = value_at<std::uint64_t>(*summary, {"streams"});
  s.tls_full = value_at<std::uint64_t>(*summary, {"tls_handshakes", "full"});
  s.tls_resumed = value_at<std::uint64_t>(*summary, {"tls_handshakes", "resumed"});
  s.saturated = value_at<bool>(*summary, {"saturated"});
  s.limit = read_limit(at(*summary, {"limit"}), at(*summary, {"limit_cpu"}));
  s.foreign_cpu = value_at<double>(*summary, {"foreign_cpu_percent"});
  s.foreign_load = value_at<bool>(*summary, {"foreign_load"});
  if (const json* cv = at(*summary, {"slice_cv"}); cv && cv->is_number())
    s.slice_cv = cv->get<double>();
  s.unstable = value_at<bool>(*summary, {"unstable"});
  s.offered_rate = value_at<double>(*summary, {"open_loop", "offered_rate"});
  s.late_starts = value_at<std::uint64_t>(*summary, {"open_loop", "late_starts"});
  s.max_start_lag_ms = value_at<double>(*summary, {"open_loop", "max_start_lag_ms"});
  s.rate_short = value_at<bool>(*summary, {"open_loop", "rate_short"});
  s.late = value_at<bool>(*summary, {"open_loop", "late"});
  s.error = value_at<std::string>(*summary, {"error"});
  s.skipped = value_at<std::string>(*summary, {"skipped"});
  // The summary has no flag of its own: a cell is interrupted when a run that was not
  // skipped was, as summarize_cell decides.
  if (const json* runs = at(cell, {"runs"}); runs != nullptr && runs->is_array()) {
    for (const auto& run : *runs) {
      if (at(run, {"skipped"}) == nullptr && value_at<bool>(run, {"interrupted"}))
        s.interrupted = true;
    }
  }
  return s;
}

Placement read_placement(const json& node) {
  Placement p;
  p.client_cpus = value_at<std::string>(node, {"client_cpus"});
  p.server_cpus = value_at<std::string>(node, {"server_cpus"});
  p.client_last_cpu = at(node, {"client_last_cpu"}) ? value_at<int>(node, {"client_last_cpu"}) : -1;
  p.server_last_cpu = at(node, {"server_last_cpu"}) ? value_at<int>(node, {"server_last_cpu"}) : -1;
  p.pinned = value_at<bool>(node, {"pinned"});
  p.relation = value_at<std::string>(node, {"relation"});
  return p;
}

} // namespace

RunTable read_run_table(const json& document) {
  RunTable table;
  auto& st = table.settings;
  st.benchmark_type = value_at<std::string>(document, {"settings", "benchmark_type"});
  st.cycles = value_at<std::uint64_t>(document, {"settings", "cycles"});
  st.warmup = value_at<std::uint64_t>(document, {"settings", "warmup"});
  st.repeat = std::max(1u, value_at<unsigned>(document, {"settings", "repeat"}));
  st.verify = value_at<std::string>(document, {"settings", "verify"});
  if (const json* rates = at(document, {"settings", "rates"}); rates && rates->is_array()) {
    for (const auto& rate : *rates)
      if (rate.is_number()) st.rates.push_back(rate.get<double>());
  }
  st.max_in_flight = value_at<std::uint64_t>(document, {"settings", "max_in_flight"});
  st.embedded_server = value_at<bool>(document, {"settings", "embedded_server"});
  st.http_url = value_at<std::string>(document, {"settings", "http_url"});
  st.pin_default = value_at<bool>(document, {"settings", "pin_default"});
  st.server_options = strings_at(document, {"settings", "server_options"});
  if (const json* check = at(document, {"machine_check"})) {
    MachineCheck m;
    m.seconds = value_at<double>(*check, {"seconds"});
    m.foreign_cpu = value_at<double>(*check, {"foreign_cpu_percent"});
    m.steal_cpu = value_at<double>(*check, {"steal_cpu_percent"});
    m.quiet = value_at<bool>(*check, {"quiet"});
    table.machine_check = m;
  }
  st.https_url = value_at<std::string>(document, {"settings", "https_url"});
  auto& env = table.environment;
  const json none = json::object();
  const json* environment = at(document, {"environment"});
  const json& e = environment != nullptr ? *environment : none;
  env.hcbench_version = value_at<std::string>(e, {"hcbench_version"});
  env.started_at = value_at<std::string>(e, {"started_at"});
  env.hostname = value_at<std::string>(e, {"hostname"});
  env.kernel = value_at<std::string>(e, {"kernel"});
  env.cpu_model = value_at<std::string>(e, {"cpu_model"});
  env.cpu_count = value_at<unsigned>(e, {"cpu_count"});
  env.libcurl_version = value_at<std::string>(e, {"libcurl_version"});
  env.tls_backend = value_at<std::string>(e, {"tls_backend"});
  env.server_version = value_at<std::string>(e, {"server_version"});
  env.server_pid = value_at<long>(e, {"server_pid"});
  if (const json* placement = at(e, {"placement"})) env.placement = read_placement(*placement);
  table.interrupted = value_at<bool>(document, {"interrupted"});
  table.error = value_at<std::string>(document, {"error"});
  const json* cells = at(document, {"cells"});
  if (cells == nullptr || !cells->is_array()) return table;
  for (const auto& c : *cells) {
    TableCell cell;
    cell.row_id = value_at<std::string>(c, {"row_id"});
    cell.display_name = value_at<std::string>(c, {"display_name"});
    if (cell.display_name.empty()) cell.display_name = cell.row_id;
    cell.protocol = value_at<std::string>(c, {"protocol"});
    cell.endpoint = value_at<std::string>(c, {"endpoint"});
    cell.path = value_at<std::string>(c, {"path"});
    cell.size = value_at<std::uint64_t>(c, {"size"});
    cell.concurrency = at(c, {"concurrency"}) ? value_at<unsigned>(c, {"concurrency"}) : 1;
    // A run saved before the HTTP version axis ran everything over HTTP/1.1.
    cell.http_version = value_at<std::string>(c, {"http_version"});
    if (cell.http_version.empty()) cell.http_version = "1.1";
    cell.rate = value_at<double>(c, {"rate"});
    cell.not_applicable = value_at<std::string>(c, {"not_applicable"});
    cell.summary = read_summary(c);
    cell.status = value_at<std::string>(c, {"status"});
    if (cell.status.empty()) cell.status = cell_status(cell.summary, cell.not_applicable);
    if (const json* ratio = at(c, {"summary", "floor_ratio"}); ratio && ratio->is_number())
      cell.floor_ratio = ratio->get<double>();
    cell.beats_floor = value_at<bool>(c, {"summary", "beats_floor"});
    cell.floor_disturbed = value_at<bool>(c, {"summary", "floor_disturbed"});
    if (const json* again = at(c, {"summary", "floor_remeasured_rps"}); again && again->is_number())
      cell.floor_remeasured_rps = again->get<double>();
    table.cells.push_back(std::move(cell));
  }
  return table;
}

namespace {

RunSettings read_settings(const json& document) {
  RunSettings st;
  const json none = json::object();
  const json* node = at(document, {"settings"});
  const json& s = node != nullptr ? *node : none;
  st.benchmark_type = value_at<std::string>(s, {"benchmark_type"});
  st.cycles = value_at<std::uint64_t>(s, {"cycles"});
  st.warmup = value_at<std::uint64_t>(s, {"warmup"});
  st.duration_seconds = value_at<double>(s, {"duration_seconds"});
  st.repeat = std::max(1u, value_at<unsigned>(s, {"repeat"}));
  st.seed = value_at<std::uint64_t>(s, {"seed"});
  st.clients = strings_at(s, {"clients"});
  st.protocols = strings_at(s, {"protocols"});
  st.paths = strings_at(s, {"paths"});
  if (const json* levels = at(s, {"concurrency"}); levels != nullptr && levels->is_array()) {
    for (const auto& level : *levels)
      if (level.is_number_unsigned()) st.concurrency.push_back(level.get<unsigned>());
  }
  st.http_versions = strings_at(s, {"http_versions"});
  if (st.http_versions.empty()) st.http_versions = {"1.1"}; // saved before the version axis
  if (const json* rates = at(s, {"rates"}); rates != nullptr && rates->is_array()) {
    for (const auto& rate : *rates)
      if (rate.is_number()) st.rates.push_back(rate.get<double>());
  }
  st.max_in_flight = value_at<std::uint64_t>(s, {"max_in_flight"});
  st.verify = value_at<std::string>(s, {"verify"});
  st.sample_ms = value_at<unsigned>(s, {"sample_ms"});
  st.pin = value_at<std::string>(s, {"pin"});
  st.embedded_server = value_at<bool>(s, {"embedded_server"});
  st.server_options = strings_at(s, {"server_options"});
  st.http_url = value_at<std::string>(s, {"http_url"});
  st.https_url = value_at<std::string>(s, {"https_url"});
  st.insecure = value_at<bool>(s, {"insecure"});
  st.cacert = value_at<std::string>(s, {"cacert"});
  st.start_at_unix_ms = value_at<std::int64_t>(s, {"start_at_unix_ms"});
  st.slot_seconds = value_at<double>(s, {"slot_seconds"});
  st.warmup_lead_seconds = value_at<double>(s, {"warmup_lead_seconds"});
  st.run_id = value_at<std::string>(s, {"run_id"});
  st.host_label = value_at<std::string>(s, {"host_label"});
  return st;
}

CellRun read_cell_run(const json& r) {
  CellRun run;
  run.repeat = value_at<unsigned>(r, {"repeat"});
  run.order = value_at<std::int64_t>(r, {"order"});
  run.started_seconds = value_at<double>(r, {"started_seconds"});
  run.warmup = value_at<std::uint64_t>(r, {"warmup"});
  run.interrupted = value_at<bool>(r, {"interrupted"});
  auto& m = run.measurement;
  m.error = value_at<std::string>(r, {"error"});
  m.skipped = value_at<std::string>(r, {"skipped"});
  m.requests = value_at<std::uint64_t>(r, {"requests"});
  m.wall_seconds = value_at<double>(r, {"wall_seconds"});
  m.body_bytes = value_at<std::uint64_t>(r, {"body_bytes"});
  m.cpu.user_seconds = value_at<double>(r, {"cpu", "user_seconds"});
  m.cpu.system_seconds = value_at<double>(r, {"cpu", "system_seconds"});
  m.process_cpu.user_seconds = value_at<double>(r, {"process_cpu", "user_seconds"});
  m.process_cpu.system_seconds = value_at<double>(r, {"process_cpu", "system_seconds"});
  if (const json* buckets = at(r, {"latency_histogram_ns"}); buckets && buckets->is_array()) {
    for (const auto& bucket : *buckets) {
      if (bucket.is_array() && bucket.size() == 2)
        m.latency.add_bucket(bucket[0].get<std::uint64_t>(), bucket[1].get<std::uint64_t>());
    }
    // The buckets give the extremes and the mean to their precision only: restore them exactly.
    if (at(r, {"latency_totals_ns"}) != nullptr) {
      m.latency.set_exact_totals(value_at<std::uint64_t>(r, {"latency_totals_ns", "sum"}),
                                 value_at<std::uint64_t>(r, {"latency_totals_ns", "min"}),
                                 value_at<std::uint64_t>(r, {"latency_totals_ns", "max"}));
    }
  }
  m.failures = read_failures(r);
  m.connections_opened = value_at<std::uint64_t>(r, {"connections"});
  m.streams_opened = value_at<std::uint64_t>(r, {"streams"});
  m.offered_rate = value_at<double>(r, {"open_loop", "offered_rate"});
  m.late_starts = value_at<std::uint64_t>(r, {"open_loop", "late_starts"});
  m.max_start_lag_ns = static_cast<std::uint64_t>(
      std::llround(value_at<double>(r, {"open_loop", "max_start_lag_ms"}) * 1e6));
  m.tls_full_handshakes = value_at<std::uint64_t>(r, {"tls_handshakes", "full"});
  m.tls_resumed_handshakes = value_at<std::uint64_t>(r, {"tls_handshakes", "resumed"});
  m.window_start_unix_ms = value_at<std::int64_t>(r, {"window", "start_unix_ms"});
  m.window_end_unix_ms = value_at<std::int64_t>(r, {"window", "end_unix_ms"});
  if (const json* server = at(r, {"server"})) {
    run.server = counters_from_json(*server);
    const json* before = at(*server, {"totals_before"});
    const json* after = at(*server, {"totals_after"});
    if (before && after)
      run.server_readings = ServerReadings{counters_from_json(*before), counters_from_json(*after)};
  }
  run.load.samples = value_at<std::size_t>(r, {"load", "samples"});
  run.load.mean_busy = value_at<double>(r, {"load", "mean_busy_percent"});
  run.load.max_busy = value_at<double>(r, {"load", "max_busy_percent"});
  run.load.max_cpu_busy = value_at<double>(r, {"load", "max_cpu_busy_percent"});
  run.load.mean_client_cpu = value_at<double>(r, {"load", "mean_client_cpu_percent"});
  run.load.saturated = value_at<bool>(r, {"load", "saturated"});
  if (at(r, {"load", "mean_server_cpu_percent"}))
    run.load.mean_server_cpu = value_at<double>(r, {"load", "mean_server_cpu_percent"});
  run.load.mean_foreign_cpu = value_at<double>(r, {"load", "mean_foreign_cpu_percent"});
  run.load.mean_steal_cpu = value_at<double>(r, {"load", "mean_steal_cpu_percent"});
  run.load.foreign_resolution = value_at<double>(r, {"load", "foreign_resolution_percent"});
  run.load.foreign_load = value_at<bool>(r, {"load", "foreign_load"});
  if (const json* limit = at(r, {"limit"})) run.limit = read_limit(at(*limit, {"side"}), limit);
  return run;
}

} // namespace

RunResults read_results(const json& document) {
  RunResults results;
  results.settings = read_settings(document);
  const RunTable table = read_run_table(document);
  results.environment = table.environment;
  results.interrupted = table.interrupted;
  results.error = table.error;
  results.wall_seconds = value_at<double>(document, {"wall_seconds"});
  results.started_unix_ms = value_at<std::int64_t>(document, {"started_unix_ms"});
  const json* cells = at(document, {"cells"});
  if (cells == nullptr || !cells->is_array()) return results;
  for (const auto& c : *cells) {
    CellResult cell;
    cell.index = value_at<std::size_t>(c, {"index"});
    cell.row_id = value_at<std::string>(c, {"row_id"});
    cell.group = value_at<std::string>(c, {"group"});
    cell.library = value_at<std::string>(c, {"library"});
    cell.reuse_connections = value_at<bool>(c, {"reuse_connections"});
    cell.options = value_at<std::string>(c, {"options"});
    cell.display_name = value_at<std::string>(c, {"display_name"});
    cell.protocol = value_at<std::string>(c, {"protocol"});
    cell.endpoint = value_at<std::string>(c, {"endpoint"});
    cell.path = value_at<std::string>(c, {"path"});
    cell.size = value_at<std::uint64_t>(c, {"size"});
    cell.concurrency = at(c, {"concurrency"}) ? value_at<unsigned>(c, {"concurrency"}) : 1;
    cell.http_version = value_at<std::string>(c, {"http_version"});
    if (cell.http_version.empty()) cell.http_version = "1.1"; // saved before the version axis
    cell.rate = value_at<double>(c, {"rate"});
    cell.url = value_at<std::string>(c, {"url"});
    cell.not_applicable = value_at<std::string>(c, {"not_applicable"});
    cell.host_label = value_at<std::string>(c, {"host_label"});
    if (const json* runs = at(c, {"runs"}); runs != nullptr && runs->is_array()) {
      for (const auto& run : *runs) cell.runs.push_back(read_cell_run(run));
    }
    results.cells.push_back(std::move(cell));
  }
  return results;
}

} // namespace hcbench
