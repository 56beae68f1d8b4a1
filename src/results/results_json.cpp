#include "hcbench/results/writers.h"

#include <cmath>
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
          {"tls_handshakes",
           tls ? json{{"new_connections", m.connections_opened},
                      {"full", run.server ? json(m.tls_full_handshakes) : json(nullptr)},
                      {"resumed", run.server ? json(m.tls_resumed_handshakes) : json(nullptr)}}
               : json(nullptr)},
          {"server", server},
          {"load", load(run.load)},
          {"placement", placement(run.placement)}};
}

std::string cell_status(const CellSummary& s, const CellResult& cell) {
  if (!cell.not_applicable.empty()) return "not_applicable";
  if (!s.skipped.empty() && !s.has_figures()) return "skipped";
  if (!s.error.empty()) return "error";
  if (s.failures.total() > 0) return "failures";
  if (!s.has_figures()) return s.interrupted ? "interrupted" : "empty";
  return s.interrupted ? "interrupted" : "ok";
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
          {"url", cell.url},
          {"status", cell_status(s, cell)},
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
