// Test helper: "hcbench-results/1" documents (the shape `hcbench run --json` writes) built
// in code, with chosen per-run figures, for the report and comparison tests.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace hcbench::testing_results {

using nlohmann::json;

inline json spread(const std::vector<double>& values) {
  auto sorted = values;
  std::sort(sorted.begin(), sorted.end());
  return {{"median", sorted[sorted.size() / 2]}, {"min", sorted.front()}, {"max", sorted.back()}};
}

struct CellSpecification {
  CellSpecification(std::string row, std::string display, std::string proto, std::uint64_t bytes,
                    std::vector<double> rps_per_run, std::string cell_status = "ok",
                    std::string why = "")
      : row_id(std::move(row)), display_name(std::move(display)), protocol(std::move(proto)),
        size(bytes), rps(std::move(rps_per_run)), status(std::move(cell_status)),
        reason(std::move(why)) {}

  std::string row_id;
  std::string display_name;
  std::string protocol;
  std::uint64_t size;
  std::vector<double> rps; // one value per run
  std::string status;
  std::string reason;
};

inline json cell(const CellSpecification& c, std::size_t index) {
  json runs = json::array();
  std::vector<double> cpu, p50, p99, mib;
  for (double rps : c.rps) {
    const double us = 1e6 / rps;
    cpu.push_back(us * 0.6);
    p50.push_back(us * 0.95);
    p99.push_back(us * 1.8);
    mib.push_back(rps * static_cast<double>(c.size) / 1048576.0);
    runs.push_back(
        {{"rps", rps},
         {"throughput_mib_s", mib.back()},
         {"cpu", {{"user_seconds", 1.0}, {"system_seconds", 0.2}, {"us_per_request", cpu.back()}}},
         {"latency_us",
          {{"p50", p50.back()}, {"p90", us * 1.2}, {"p99", p99.back()}, {"p99_9", us * 3}}},
         {"error", nullptr},
         {"skipped", nullptr}});
  }
  json summary = {{"runs", c.rps.size()},
                  {"requests", 1000 * c.rps.size()},
                  {"failures", {{"total", 0}}},
                  {"saturated", false},
                  {"error", c.status == "error" ? json(c.reason) : json(nullptr)},
                  {"skipped", c.status == "skipped" ? json(c.reason) : json(nullptr)}};
  if (!c.rps.empty()) {
    summary["rps"] = spread(c.rps);
    summary["cpu_us_per_request"] = spread(cpu);
    summary["throughput_mib_s"] = spread(mib);
    summary["latency_us"] = {
        {"p50", spread(p50)}, {"p90", spread(p50)}, {"p99", spread(p99)}, {"p99_9", spread(p99)}};
  }
  const std::string path = "/length/" + std::to_string(c.size);
  return {{"index", index},
          {"row_id", c.row_id},
          {"display_name", c.display_name},
          {"protocol", c.protocol},
          {"endpoint", "length"},
          {"path", path},
          {"size", c.size},
          {"concurrency", 1},
          {"url", "http://127.0.0.1:8080" + path},
          {"status", c.status},
          {"not_applicable", nullptr},
          {"summary", summary},
          {"runs", runs}};
}

inline json document(const std::vector<CellSpecification>& cells, const std::string& type = "full",
                     unsigned repeat = 3) {
  json list = json::array();
  for (std::size_t i = 0; i < cells.size(); ++i) list.push_back(cell(cells[i], i));
  return {{"schema", "hcbench-results/1"},
          {"interrupted", false},
          {"settings",
           {{"benchmark_type", type},
            {"cycles", 1000},
            {"warmup", 10},
            {"repeat", repeat},
            {"verify", "length"},
            {"embedded_server", true}}},
          {"environment",
           {{"hcbench_version", "0.1.0"},
            {"started_at", "2026-11-25T18:00:00Z"},
            {"hostname", "testhost"},
            {"kernel", "Linux 6.1"},
            {"cpu_model", "Test CPU"},
            {"cpu_count", 2},
            {"libcurl_version", "7.88.1"},
            {"tls_backend", "OpenSSL/3.0.15"},
            {"placement", {{"relation", "different cores"}}}}},
          {"cells", list},
          {"samples", json::array()}};
}

// The original's 8 `full` rows, over HTTP and HTTPS, with its published RPS (3 close runs).
inline std::vector<CellSpecification> original_full_rows(double scale = 1.0) {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"python.requests.no-reuse", "requests, reuse cnxns: False,  options: Default"},
      {"python.requests.session", "requests, reuse cnxns: True,  options: Default"},
      {"python.pycurl.reuse-handle.discard-body",
       "pycurl, reuse cnxns: True,  options: Reuse handle, don't save body"},
      {"python.pycurl.reuse-handle.save-body",
       "pycurl, reuse cnxns: True,  options: Reuse handle, save response to new cStringIO buffer"},
      {"python.pycurl.forbid-reuse.save-body",
       "pycurl, reuse cnxns: False,  options: Reuse handle, save response to new cStringIO buffer"},
      {"python.pycurl.new-handle.save-body",
       "pycurl, reuse cnxns: False,  options: New handle, save response to new cStringIO buffer"},
      {"python.urllib3.pool", "urllib3, reuse cnxns: True,  options: Default"},
      {"python.urllib", "urllib, reuse cnxns: False,  options: Default"}};
  const std::vector<double> http = {557.3, 1070.7, 2247.5, 2216.5, 1442.8, 1406.1, 1314.9, 902.8};
  const std::vector<double> https = {146.3, 1008.9, 1882.3, 1872.0, 189.3, 188.7, 1100.0, 400.0};
  std::vector<CellSpecification> out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (const char* protocol : {"http", "https"}) {
      const double v = (protocol == std::string("http") ? http[i] : https[i]) * scale;
      out.push_back({rows[i].first, rows[i].second, protocol, 1024, {v * 0.99, v, v * 1.01}});
    }
  }
  return out;
}

} // namespace hcbench::testing_results
