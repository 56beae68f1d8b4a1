#include "hcbench/results/results.h"

#include "hcbench/results/noise.h"

#include <algorithm>

namespace hcbench {

namespace {

Spread spread_of(std::vector<double> values) {
  Spread s;
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  s.median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  s.min = values.front();
  s.max = values.back();
  return s;
}

} // namespace

double CellRun::requests_per_second() const {
  return measurement.wall_seconds > 0
             ? static_cast<double>(measurement.requests) / measurement.wall_seconds
             : 0;
}

double CellRun::throughput_mib_per_second() const {
  return measurement.wall_seconds > 0
             ? static_cast<double>(measurement.body_bytes) / measurement.wall_seconds / 1048576.0
             : 0;
}

double CellRun::cpu_us_per_request() const {
  return measurement.requests
             ? measurement.cpu.total() * 1e6 / static_cast<double>(measurement.requests)
             : 0;
}

std::optional<double> CellRun::slice_cv() const {
  return coefficient_of_variation(measurement.slice_rps);
}

std::uint64_t CellRun::requests_sent() const {
  if (!measurement.skipped.empty()) return 0;
  const auto& f = measurement.failures;
  return warmup + measurement.requests + f[FailureKind::status] + f[FailureKind::length] +
         f[FailureKind::digest];
}

CellSummary summarize_cell(const CellResult& cell) {
  CellSummary s;
  std::vector<double> rps, mib, cpu, wall, p50, p90, p99, p999, max, mean;
  std::vector<double> foreign, foreign_flagged, cvs;
  // Interrupted runs are partial: they count only when nothing else measured the cell.
  const bool any_complete = std::any_of(cell.runs.begin(), cell.runs.end(), [](const auto& r) {
    return !r.interrupted && r.measurement.skipped.empty() && r.measurement.requests > 0;
  });
  for (const auto& run : cell.runs) {
    const auto& m = run.measurement;
    if (!m.skipped.empty()) {
      if (s.skipped.empty()) s.skipped = m.skipped;
      continue;
    }
    if (!m.error.empty() && s.error.empty()) s.error = m.error;
    s.interrupted |= run.interrupted;
    s.requests += m.requests;
    for (std::size_t k = 0; k < failure_kind_count; ++k)
      s.failures.by_kind[k] += m.failures.by_kind[k];
    s.connections += m.connections_opened;
    s.streams += m.streams_opened;
    s.tls_full += m.tls_full_handshakes;
    s.tls_resumed += m.tls_resumed_handshakes;
    s.saturated |= run.load.saturated;
    if (m.offered_rate > 0) {
      s.offered_rate = m.offered_rate;
      s.late_starts += m.late_starts;
      s.max_start_lag_ms =
          std::max(s.max_start_lag_ms, static_cast<double>(m.max_start_lag_ns) / 1e6);
      if (m.late_starts * 100 > m.requests + m.failures.total()) s.late = true;
    }
    if (m.requests == 0 || (any_complete && run.interrupted)) continue;
    ++s.runs;
    if (run.limit) s.limit = s.limit ? combine_limits(*s.limit, *run.limit) : *run.limit;
    foreign.push_back(run.load.mean_foreign_cpu);
    foreign_flagged.push_back(run.load.foreign_load ? 1 : 0);
    if (const auto cv = run.slice_cv()) cvs.push_back(*cv);
    rps.push_back(run.requests_per_second());
    mib.push_back(run.throughput_mib_per_second());
    cpu.push_back(run.cpu_us_per_request());
    wall.push_back(m.wall_seconds);
    p50.push_back(static_cast<double>(m.latency.quantile(0.50)) / 1000);
    p90.push_back(static_cast<double>(m.latency.quantile(0.90)) / 1000);
    p99.push_back(static_cast<double>(m.latency.quantile(0.99)) / 1000);
    p999.push_back(static_cast<double>(m.latency.quantile(0.999)) / 1000);
    max.push_back(static_cast<double>(m.latency.max()) / 1000);
    mean.push_back(m.latency.mean() / 1000);
  }
  if (s.runs > 0) s.skipped.clear();
  // The flags judge the figure the table shows, the median run: one disturbed run of K shows
  // in the min-max spread, and moves the median little.
  if (!foreign.empty()) {
    s.foreign_cpu = spread_of(foreign).median;
    s.foreign_load = spread_of(foreign_flagged).median >= 1;
  }
  if (!cvs.empty()) s.slice_cv = spread_of(cvs).median;
  s.unstable = s.slice_cv && *s.slice_cv > unstable_threshold;
  s.requests_per_second = spread_of(rps);
  s.throughput_mib_per_second = spread_of(mib);
  s.cpu_us_per_request = spread_of(cpu);
  s.wall_seconds = spread_of(wall);
  s.p50_us = spread_of(p50);
  s.p90_us = spread_of(p90);
  s.p99_us = spread_of(p99);
  s.p999_us = spread_of(p999);
  s.max_us = spread_of(max);
  s.mean_us = spread_of(mean);
  if (s.offered_rate > 0 && s.runs > 0)
    s.rate_short = s.requests_per_second.median < 0.99 * s.offered_rate;
  return s;
}

std::string cell_status(const CellSummary& s, std::string_view not_applicable) {
  if (!not_applicable.empty()) return "not_applicable";
  if (!s.skipped.empty() && !s.has_figures()) return "skipped";
  if (!s.error.empty()) return "error";
  if (s.failures.total() > 0) return "failures";
  if (!s.has_figures()) return s.interrupted ? "interrupted" : "empty";
  return s.interrupted ? "interrupted" : "ok";
}

const CellResult* RunResults::floor_of(const CellResult& cell) const {
  if (cell.group == "floor") return nullptr;
  // In a merged run, a host's row compares with that host's floor, the aggregate with the
  // aggregate's.
  for (const auto& other : cells) {
    // The floor is concurrent too (and open-loop at a rate): compare at the same
    // concurrency and rate.
    if (other.group == "floor" && other.protocol == "http" && other.path == cell.path &&
        other.http_version == cell.http_version && other.concurrency == cell.concurrency &&
        other.rate == cell.rate && other.not_applicable.empty() &&
        other.host_label == cell.host_label) {
      return &other;
    }
  }
  return nullptr;
}

std::optional<RunResults::FloorFigure> RunResults::floor_figure(const CellResult& floor) const {
  const CellSummary first = summarize_cell(floor);
  if (!first.has_figures() || first.requests_per_second.median <= 0) return std::nullopt;
  FloorFigure out;
  out.first = first.requests_per_second.median;
  if (!floor.floor_remeasured.empty()) {
    CellResult again = floor;
    again.runs = floor.floor_remeasured;
    const CellSummary second = summarize_cell(again);
    if (second.has_figures() && second.requests_per_second.median > 0)
      out.remeasured = second.requests_per_second.median;
  }
  return out;
}

std::optional<double> RunResults::floor_ratio(const CellResult& cell) const {
  const CellResult* floor = floor_of(cell);
  if (floor == nullptr) return std::nullopt;
  const CellSummary mine = summarize_cell(cell);
  if (!mine.has_figures()) return std::nullopt;
  const auto figure = floor_figure(*floor);
  if (!figure) return std::nullopt;
  return mine.requests_per_second.median / figure->used();
}

bool RunResults::beats_floor(const CellResult& cell, double floor_rps) const {
  // A concurrent row may well outrun the sequential floor, and at a fixed rate both run at
  // the rate: only sequential closed-loop rows are judged.
  const CellResult* floor = floor_of(cell);
  if (floor == nullptr || cell.concurrency != 1 || cell.rate > 0 || floor_rps <= 0) return false;
  const CellSummary mine = summarize_cell(cell);
  if (!mine.has_figures()) return false;
  const double noise = floor_noise(mine.slice_cv, summarize_cell(*floor).slice_cv);
  return mine.requests_per_second.median / floor_rps > 1 + noise;
}

bool RunResults::beats_floor(const CellResult& cell) const {
  const CellResult* floor = floor_of(cell);
  if (floor == nullptr) return false;
  const auto figure = floor_figure(*floor);
  return figure && beats_floor(cell, figure->used());
}

bool RunResults::floor_disturbed(const CellResult& floor) const {
  if (floor.group != "floor") return false;
  const auto figure = floor_figure(floor);
  if (!figure) return false;
  return std::any_of(cells.begin(), cells.end(), [&](const CellResult& cell) {
    return floor_of(cell) == &floor && beats_floor(cell, figure->first);
  });
}

bool RunResults::any_failures() const {
  return std::any_of(cells.begin(), cells.end(),
                     [](const CellResult& cell) { return summarize_cell(cell).failed(); });
}

} // namespace hcbench
