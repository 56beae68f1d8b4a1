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
          {"saturated", l.saturated}};
}

json run_json(const CellResult& cell, const CellRun& run) {
  const auto& m = run.measurement;
  json histogram = json::array();
  for (const auto& [value, count] : m.latency.nonzero_buckets())
    histogram.push_back({value, count});
  json server = nullptr;
  if (run.server) {
    const std::uint64_t expected = run.requests_sent();
    server = {{"requests", run.server->requests},
              {"requests_ok", run.server->requests_ok},
              {"connections", run.server->connections},
              {"tls_handshakes_full", run.server->tls_full},
              {"tls_handshakes_resumed", run.server->tls_resumed},
              {"tls_handshake_failures", run.server->tls_failures},
              {"requests_expected", expected},
              {"requests_match", run.server->requests == expected}};
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
          {"failures", failures(m.failures)},
          {"connections", m.connections_opened},
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
          {"server", server},
          {"load", load(run.load)},
          {"placement", placement(run.placement)}};
}

json cell_json(const RunResults& results, const CellResult& cell) {
  const CellSummary s = summarize_cell(cell);
  const auto ratio = results.floor_ratio(cell);
  json runs = json::array();
  for (const auto& run : cell.runs) runs.push_back(run_json(cell, run));
  return {{"index", cell.index},
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
            {"tls_handshakes", {{"full", s.tls_full}, {"resumed", s.tls_resumed}}},
            {"saturated", s.saturated},
            {"open_loop", s.offered_rate > 0 ? json{{"offered_rate", s.offered_rate},
                                                    {"achieved_rate", s.requests_per_second.median},
                                                    {"rate_short", s.rate_short},
                                                    {"late_starts", s.late_starts},
                                                    {"late", s.late},
                                                    {"max_start_lag_ms", s.max_start_lag_ms}}
                                             : json(nullptr)},
            {"floor_ratio", ratio ? json(*ratio) : json(nullptr)},
            {"error", text_or_null(s.error)},
            {"skipped", text_or_null(s.skipped)}}},
          {"runs", runs}};
}

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
          {"server_last_cpu", s.server_last_cpu}};
}

} // namespace

nlohmann::json results_to_json(const RunResults& results) {
  const auto& st = results.settings;
  const auto& env = results.environment;
  json cells = json::array();
  for (const auto& cell : results.cells) cells.push_back(cell_json(results, cell));
  std::unordered_map<std::int64_t, std::size_t> cell_of_order;
  for (const auto& cell : results.cells) {
    for (const auto& run : cell.runs) cell_of_order[run.order] = cell.index;
  }
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
        {"rates", st.rates},
        {"max_in_flight", st.rates.empty() ? json(nullptr) : json(st.max_in_flight)},
        {"verify", st.verify},
        {"sample_ms", st.sample_ms},
        {"pin", text_or_null(st.pin)},
        {"embedded_server", st.embedded_server},
        {"http_url", text_or_null(st.http_url)},
        {"https_url", text_or_null(st.https_url)},
        {"insecure", st.insecure},
        {"cacert", text_or_null(st.cacert)}}},
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
  s.tls_full = value_at<std::uint64_t>(*summary, {"tls_handshakes", "full"});
  s.tls_resumed = value_at<std::uint64_t>(*summary, {"tls_handshakes", "resumed"});
  s.saturated = value_at<bool>(*summary, {"saturated"});
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
    cell.rate = value_at<double>(c, {"rate"});
    cell.not_applicable = value_at<std::string>(c, {"not_applicable"});
    cell.summary = read_summary(c);
    cell.status = value_at<std::string>(c, {"status"});
    if (cell.status.empty()) cell.status = cell_status(cell.summary, cell.not_applicable);
    if (const json* ratio = at(c, {"summary", "floor_ratio"}); ratio && ratio->is_number())
      cell.floor_ratio = ratio->get<double>();
    table.cells.push_back(std::move(cell));
  }
  return table;
}

} // namespace hcbench
