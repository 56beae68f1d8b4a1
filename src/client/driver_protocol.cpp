#include "hcbench/client/driver_protocol.h"

#include "hcbench/results/noise.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cmath>

namespace hcbench {
namespace {

using nlohmann::json;

// A report line quoted in an error message: enough to recognise it, never a whole histogram.
std::string excerpt(std::string_view text) {
  constexpr std::size_t limit = 120;
  std::string out(text.substr(0, limit));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (text.size() > limit) out += "...";
  return out;
}

// Thrown while decoding; becomes CellMeasurement::error.
struct ReportError {
  std::string reason;
};

const json& member(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end()) throw ReportError{fmt::format("report has no \"{}\"", name)};
  return *it;
}

std::uint64_t count_field(const json& value, std::string_view what) {
  if (!value.is_number_unsigned() &&
      !(value.is_number_integer() && value.get<std::int64_t>() >= 0)) {
    throw ReportError{
        fmt::format("{} is not a non-negative integer: {}", what, excerpt(value.dump()))};
  }
  return value.get<std::uint64_t>();
}

double seconds_field(const json& value, std::string_view what) {
  if (!value.is_number()) throw ReportError{fmt::format("{} is not a number", what)};
  const double seconds = value.get<double>();
  if (!std::isfinite(seconds) || seconds < 0) {
    throw ReportError{fmt::format("{} is not a finite non-negative number", what)};
  }
  return seconds;
}

std::optional<FailureKind> failure_kind_from_name(std::string_view name) {
  for (std::size_t i = 0; i < failure_kind_count; ++i) {
    const auto kind = static_cast<FailureKind>(i);
    if (failure_kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

void read_failures(const json& report, CellMeasurement& out) {
  const auto it = report.find("failures");
  if (it == report.end()) return; // no failures
  if (!it->is_object()) throw ReportError{"\"failures\" is not an object of counts by kind"};
  for (const auto& [name, value] : it->items()) {
    const auto kind = failure_kind_from_name(name);
    if (!kind) throw ReportError{fmt::format("unknown failure kind \"{}\"", excerpt(name))};
    out.failures.add(*kind, count_field(value, fmt::format("failures.{}", name)));
  }
}

// Latencies come either one per request ("latencies_ns") or already bucketed
// ("latency_histogram_ns": [[value, count], ...]); both end up in the same histogram. Only
// the first, in the order the requests were made, can be cut into slices (noise.h).
void read_latencies(const json& report, unsigned concurrency, bool open_loop,
                    CellMeasurement& out) {
  const auto samples = report.find("latencies_ns");
  const auto buckets = report.find("latency_histogram_ns");
  if (samples != report.end() && buckets != report.end()) {
    throw ReportError{"report has both \"latencies_ns\" and \"latency_histogram_ns\""};
  }
  if (samples != report.end()) {
    if (!samples->is_array()) throw ReportError{"\"latencies_ns\" is not an array"};
    std::vector<std::uint64_t> in_order;
    in_order.reserve(samples->size());
    for (const auto& value : *samples) {
      in_order.push_back(count_field(value, "a latency"));
      out.latency.record(in_order.back());
    }
    // An open loop's latencies run from due times, queueing included: their sum says nothing
    // about when the requests ended, so its cells are not sliced.
    if (!open_loop) out.slice_rps = slice_rates_from_latencies(in_order, concurrency);
  } else if (buckets != report.end()) {
    if (!buckets->is_array()) throw ReportError{"\"latency_histogram_ns\" is not an array"};
    for (const auto& pair : *buckets) {
      if (!pair.is_array() || pair.size() != 2) {
        throw ReportError{"\"latency_histogram_ns\" items must be [nanoseconds, count]"};
      }
      out.latency.add_bucket(count_field(pair[0], "a bucket value"),
                             count_field(pair[1], "a bucket count"));
    }
  } else if (out.requests > 0) {
    throw ReportError{"report has neither \"latencies_ns\" nor \"latency_histogram_ns\""};
  }
}

// The checks that make a report trustworthy: every measured request is either a success or
// a failure of one kind, and every success has exactly one latency.
void check_counts(const CellMeasurement& out, const CellSpec& spec) {
  const std::uint64_t done = out.requests + out.failures.total();
  if (spec.duration_seconds > 0) {
    if (done > spec.cycles) {
      throw ReportError{fmt::format("counts do not add up: {} requests + {} failures is more "
                                    "than the {} cycles asked",
                                    out.requests, out.failures.total(), spec.cycles)};
    }
  } else if (done != spec.cycles) {
    throw ReportError{fmt::format("counts do not add up: {} requests + {} failures != {} cycles",
                                  out.requests, out.failures.total(), spec.cycles)};
  }
  if (out.latency.count() != out.requests) {
    throw ReportError{fmt::format("{} latencies reported for {} successful requests",
                                  out.latency.count(), out.requests)};
  }
}

CellMeasurement decode(const json& report, const CellSpec& spec) {
  if (!report.is_object()) throw ReportError{"report is not a JSON object"};
  const auto& version = member(report, "protocol");
  if (!version.is_number_integer() || version.get<int>() != driver_protocol_version) {
    throw ReportError{fmt::format("driver speaks protocol {}, hcbench speaks {}",
                                  excerpt(version.dump()), driver_protocol_version)};
  }
  const auto& status = member(report, "status");
  if (!status.is_string()) throw ReportError{"\"status\" is not a string"};
  const auto reason = report.value("reason", std::string{});

  CellMeasurement out;
  if (status == "skipped") {
    out.skipped = reason.empty() ? "skipped by the driver (no reason given)" : reason;
    return out;
  }
  if (status == "error") {
    out.error = reason.empty() ? "the driver reported an error (no reason given)" : reason;
    return out;
  }
  if (status != "ok")
    throw ReportError{fmt::format("unknown status \"{}\"", excerpt(status.get<std::string>()))};

  out.requests = count_field(member(report, "requests"), "requests");
  read_failures(report, out);
  out.wall_seconds = seconds_field(member(report, "wall_seconds"), "wall_seconds");
  const auto& cpu = member(report, "cpu");
  if (!cpu.is_object()) throw ReportError{"\"cpu\" is not an object"};
  out.cpu.user_seconds = seconds_field(member(cpu, "user_seconds"), "cpu.user_seconds");
  out.cpu.system_seconds = seconds_field(member(cpu, "system_seconds"), "cpu.system_seconds");
  read_latencies(report, spec.concurrency, spec.rate > 0, out);
  if (const auto it = report.find("body_bytes"); it != report.end()) {
    out.body_bytes = count_field(*it, "body_bytes");
  }
  if (const auto it = report.find("connections_opened"); it != report.end()) {
    out.connections_opened = count_field(*it, "connections_opened");
  }
  // Open loop (docs/drivers.md): the driver timed from due times and counted late starts.
  if (spec.rate > 0) {
    out.offered_rate = spec.rate;
    if (const auto it = report.find("late_starts"); it != report.end())
      out.late_starts = count_field(*it, "late_starts");
    if (const auto it = report.find("max_start_lag_ns"); it != report.end())
      out.max_start_lag_ns = count_field(*it, "max_start_lag_ns");
  }
  check_counts(out, spec);
  // A driver that ignored "http_version" would time HTTP/1.1 as HTTP/2: HTTP/2 cells need
  // the driver's word that every counted response came over HTTP/2.
  if (spec.http_version != "1.1") {
    const auto it = report.find("http_version");
    if (it == report.end() || !it->is_string() || *it != spec.http_version) {
      throw ReportError{fmt::format("the driver did not confirm HTTP/{} (\"http_version\": {})",
                                    spec.http_version,
                                    it == report.end() ? "missing" : excerpt(it->dump()))};
    }
    // Every request is one stream of its own.
    out.streams_opened = out.requests + out.failures.total();
  }
  return out;
}

} // namespace

std::string driver_input_json(const CellSpec& spec, std::string_view client) {
  json input = {
      {"protocol", driver_protocol_version},
      {"client", client},
      {"url", spec.url},
      {"cycles", spec.cycles},
      {"warmup", spec.warmup},
      {"duration_seconds", spec.duration_seconds},
      {"concurrency", spec.concurrency},
      {"http_version", spec.http_version},
      {"verify", verify_mode_name(spec.verify)},
      {"expected_status", 200},
      {"expected_length", spec.expected_length},
      {"expected_digest", spec.expected_digest},
      {"insecure", spec.insecure},
      {"cacert", spec.cacert},
      {"request_timeout_seconds", spec.request_timeout_seconds},
  };
  if (spec.rate > 0) { // only to a row with an open-loop mode (docs/drivers.md)
    input["rate"] = spec.rate;
    input["max_in_flight"] = spec.max_in_flight;
  }
  return input.dump();
}

std::optional<std::string_view> last_line(std::string_view text) {
  while (!text.empty()) {
    const auto end = text.find_last_not_of(" \t\r\n");
    if (end == std::string_view::npos) return std::nullopt;
    text = text.substr(0, end + 1);
    const auto start = text.find_last_of('\n');
    return start == std::string_view::npos ? text : text.substr(start + 1);
  }
  return std::nullopt;
}

CellMeasurement parse_driver_report(std::string_view stdout_text, const CellSpec& spec) {
  CellMeasurement out;
  const auto line = last_line(stdout_text);
  if (!line) {
    out.error = "the driver printed no report";
    return out;
  }
  json report;
  try {
    report = json::parse(*line);
  } catch (const json::exception&) {
    out.error = fmt::format("the driver's last line is not a JSON report: \"{}\"", excerpt(*line));
    return out;
  }
  try {
    return decode(report, spec);
  } catch (const ReportError& e) {
    out.error = "rejected the driver's report: " + e.reason;
  } catch (const json::exception& e) {
    out.error = fmt::format("rejected the driver's report: {}", e.what());
  }
  return out;
}

} // namespace hcbench
