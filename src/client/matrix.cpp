#include "hcbench/client/matrix.h"

#include "hcbench/client/cell_limit.h"
#include "hcbench/client/embedded_server.h"
#include "hcbench/client/measured_window.h"
#include "hcbench/client/run_control.h"
#include "hcbench/client/run_options.h"
#include "hcbench/client/sampler.h"
#include "hcbench/client/server_stats.h"
#include "hcbench/shared/digest.h"
#include "hcbench/shared/endpoints.h"
#include "hcbench/shared/payload.h"
#include "hcbench/shared/units.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <numeric>
#include <random>

#include <unistd.h>

namespace hcbench {

namespace {

// The live progress line: what runs, how far it got, at what rate. Drawn from the sampler
// thread, so the measuring thread only stores a counter.
class ProgressLine {
public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}

  void begin_cell(std::size_t position, std::size_t total, std::string label,
                  std::uint64_t requests) {
    std::lock_guard lock(mutex_);
    position_ = position;
    total_ = total;
    label_ = std::move(label);
    requests_ = requests;
    last_done_ = 0;
    last_time_ = Clock::now();
  }

  void tick() {
    if (!enabled_) return;
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    const std::uint64_t done = run_control().requests_done.load(std::memory_order_relaxed);
    const double seconds = std::chrono::duration<double>(now - last_time_).count();
    const double rate =
        seconds > 0 && done >= last_done_ ? static_cast<double>(done - last_done_) / seconds : 0;
    last_done_ = done;
    last_time_ = now;
    fmt::print(stderr, "\r\033[Kcell {}/{} {}: {}/{} requests, {:.0f}/s", position_ + 1, total_,
               label_, done, requests_, rate);
    std::fflush(stderr);
  }

  void clear() {
    if (!enabled_) return;
    std::lock_guard lock(mutex_);
    fmt::print(stderr, "\r\033[K");
    std::fflush(stderr);
  }

private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  std::mutex mutex_;
  std::size_t position_ = 0;
  std::size_t total_ = 0;
  std::string label_;
  std::uint64_t requests_ = 0;
  std::uint64_t last_done_ = 0;
  Clock::time_point last_time_{};
};

std::string cell_label(const CellResult& cell) {
  return fmt::format("{} {}{} {}{}{}", cell.row_id, cell.protocol,
                     cell.http_version == "2" ? " h2" : "", cell.path,
                     cell.concurrency > 1 ? fmt::format(" c{}", cell.concurrency) : "",
                     cell.rate > 0 ? fmt::format(" {:g}/s", cell.rate) : "");
}

} // namespace

RowSelection select_rows(const std::vector<ClientRow>& available,
                         const std::vector<std::string>& selectors) {
  RowSelection out;
  std::vector<bool> chosen(available.size(), false);
  for (const auto& selector : selectors) {
    bool matched = false;
    for (std::size_t i = 0; i < available.size(); ++i) {
      if (selector == "all" || selector == available[i].id || selector == available[i].group) {
        chosen[i] = true;
        matched = true;
      }
    }
    if (!matched) {
      std::vector<std::string> known = {"all"};
      for (const auto& row : available) {
        if (std::find(known.begin(), known.end(), row.group) == known.end())
          known.push_back(row.group);
      }
      for (const auto& row : available) known.push_back(row.id);
      out.error = fmt::format("unknown client '{}' (known: {})", selector, fmt::join(known, ", "));
      return out;
    }
  }
  for (std::size_t i = 0; i < available.size(); ++i) {
    if (chosen[i]) out.rows.push_back(available[i]);
  }
  return out;
}

std::optional<std::string> normalize_path(std::string_view text) {
  while (!text.empty() && text.front() == '/') text.remove_prefix(1);
  if (text == "ping" || text == "bigger") return fmt::format("/{}", text);
  constexpr std::string_view length = "length/";
  if (text.substr(0, length.size()) == length) {
    const auto n = parse_size(text.substr(length.size()));
    if (!n || *n == 0) return std::nullopt;
    return fmt::format("/length/{}", *n);
  }
  constexpr std::string_view delay = "delay/";
  if (text.substr(0, delay.size()) == delay) {
    const auto ms = parse_decimal(text.substr(delay.size()));
    if (!ms || *ms > default_max_delay_ms) return std::nullopt;
    return fmt::format("/delay/{}", *ms);
  }
  return std::nullopt;
}

std::optional<ExpectedBody> expected_body(const std::string& path, bool with_digest) {
  const RouteMatch match = match_route("GET", path);
  if (match.status != 200) return std::nullopt;
  ExpectedBody out;
  out.endpoint = std::string(endpoint_name(match.route.endpoint));
  switch (match.route.endpoint) {
  case Endpoint::ping:
  case Endpoint::delay: // answers as /ping
  case Endpoint::bigger: {
    const auto& resource =
        match.route.endpoint == Endpoint::bigger ? bigger_resource() : ping_resource();
    out.length = resource->body.size();
    out.digest = resource->digest;
    return out;
  }
  case Endpoint::length:
    out.length = match.route.length;
    if (with_digest) out.digest = repr_digest(generate_payload(out.length));
    return out;
  case Endpoint::stats:
    return std::nullopt;
  }
  return std::nullopt;
}

std::vector<CellResult> plan_cells(const std::vector<ClientRow>& rows, const MatrixPlan& plan) {
  std::vector<CellResult> cells;
  for (const auto& path : plan.paths) {
    const auto expected = expected_body(path, false);
    for (unsigned concurrency : plan.concurrency) {
      for (double rate : plan.rates.empty() ? std::vector<double>{0} : plan.rates) {
        for (const auto& row : rows) {
          // A row that speaks none of the versions asked (the HTTP/2 floor in an HTTP/1.1
          // run) is left out rather than shown as a row of n/a.
          if (std::none_of(plan.http_versions.begin(), plan.http_versions.end(),
                           [&](const std::string& v) { return row.speaks(v); }))
            continue;
          for (const auto& version : plan.http_versions) {
            for (const auto& protocol : plan.protocols) {
              CellResult cell;
              cell.index = cells.size();
              cell.row_id = row.id;
              cell.group = row.group;
              cell.library = row.library;
              cell.reuse_connections = row.reuse_connections;
              cell.options = row.options_at(concurrency, version);
              cell.display_name = row.display_name(concurrency, version);
              cell.http_version = version;
              cell.protocol = protocol;
              cell.endpoint = expected ? expected->endpoint : "";
              cell.path = path;
              cell.size = expected ? expected->length : 0;
              cell.concurrency = concurrency;
              cell.rate = rate;
              cell.url = (protocol == "https" ? plan.https_url : plan.http_url) + path;
              if (!row.speaks(version)) {
                cell.not_applicable = version == "2" ? "this client speaks HTTP/1.1 only"
                                                     : "this client speaks HTTP/2 only";
              } else if (row.group == "floor" && protocol == "https" && version != "2") {
                // The HTTP/2 floor has TLS under it (floor_tls.h); the HTTP/1.1 floor not.
                cell.not_applicable = "the raw-socket floor client speaks plain HTTP only";
              } else if (concurrency > 1 && !row.supports_concurrency) {
                cell.not_applicable = "this client runs one request at a time";
              } else if (rate > 0 && !row.supports_rate) {
                cell.not_applicable =
                    "no open-loop mode: this client's runner starts a request only when one ends";
              } else if (row.not_applicable) {
                cell.not_applicable = row.not_applicable(protocol, version, concurrency);
              }
              cells.push_back(std::move(cell));
            }
          }
        }
      }
    }
  }
  return cells;
}

std::vector<std::size_t> run_order(std::size_t cells, unsigned repeat, unsigned repeats,
                                   std::uint64_t seed) {
  std::vector<std::size_t> order(cells);
  std::iota(order.begin(), order.end(), 0);
  if (repeats > 1) {
    std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                           repeat};
    std::mt19937_64 generator(sequence);
    std::shuffle(order.begin(), order.end(), generator);
  }
  return order;
}

void run_matrix(RunResults& results, const std::vector<ClientRow>& rows, const RunOptions& options,
                const MatrixServer& server, const std::optional<SyncSchedule>& schedule) {
  std::map<std::string, const ClientRow*> row_of;
  for (const auto& row : rows) row_of[row.id] = &row;
  std::size_t applicable = 0;
  for (const auto& cell : results.cells) applicable += cell.not_applicable.empty() ? 1 : 0;
  const std::size_t total = applicable * options.repeat;
  // Expected bodies once per path: a digest means generating the payload.
  std::map<std::string, ExpectedBody> expected;
  for (const auto& cell : results.cells) {
    if (!expected.count(cell.path)) {
      expected[cell.path] = *expected_body(cell.path, options.cell.verify == VerifyMode::digest);
    }
  }

  ProgressLine progress(options.progress && isatty(STDERR_FILENO));
  const pid_t server_pid = server.embedded ? server.embedded->pid() : 0;
  const std::chrono::milliseconds sample_interval(options.sample_ms);
  CpuSampler sampler(sample_interval, server_pid, [&progress] { progress.tick(); });
  const auto run_start = std::chrono::steady_clock::now();
  std::int64_t position = 0;

  // One run of one cell, appended to `into` (its runs, or a floor's re-measurement).
  const auto run_cell = [&](CellResult& cell, unsigned repeat, std::vector<CellRun>& into) {
    // The run's options for every cell, whole, then what is this cell's own.
    const ClientRow& row = *row_of.at(cell.row_id);
    CellSpec spec;
    static_cast<CellOptions&>(spec) = options.cell;
    spec.warmup = std::max(spec.warmup, row.min_warmup);
    spec.url = cell.url;
    spec.concurrency = cell.concurrency;
    spec.http_version = cell.http_version;
    spec.rate = cell.rate;
    spec.expected_length = expected[cell.path].length;
    spec.expected_digest = expected[cell.path].digest;
    if (schedule) {
      // Every host measures cell k in the same slot of the shared schedule (--start-at).
      const auto slot = static_cast<std::size_t>(position);
      wait_until_unix_ms(schedule->slot_begins_unix_ms(slot));
      if (run_control().stop_requested()) return;
      spec.window_opens_unix_ms = schedule->window_opens_unix_ms(slot);
    }

    CellRun run;
    run.repeat = repeat;
    run.order = position;
    run.warmup = spec.warmup;
    // A re-measured floor runs after the planned cells: the count grows to include it.
    progress.begin_cell(static_cast<std::size_t>(position),
                        std::max(total, static_cast<std::size_t>(position) + 1), cell_label(cell),
                        spec.warmup + spec.cycles);
    const auto before =
        server.stats_url.empty() ? std::nullopt : fetch_server_stats(server.stats_url);
    run.started_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
    sampler.mark(position);
    try {
      run.measurement = row.run(spec);
    } catch (const std::exception& e) {
      run.measurement.error = e.what();
    }
    // A runner that does not time its window on the wall clock (an external driver): the
    // window is taken to end now, as long as it measured.
    if (run.measurement.window_start_unix_ms == 0 && run.measurement.wall_seconds > 0) {
      run.measurement.window_end_unix_ms = unix_ms_now();
      run.measurement.window_start_unix_ms =
          run.measurement.window_end_unix_ms -
          static_cast<std::int64_t>(std::llround(run.measurement.wall_seconds * 1000));
    }
    sampler.mark(-1);
    run.interrupted = run_control().stop_requested();
    run.placement = observe_placement(server_pid, options.pin.has_value());
    if (before) {
      if (const auto after = fetch_server_stats(server.stats_url)) {
        run.server = server_delta(*before, *after);
        run.server_readings = ServerReadings{*before, *after};
        if (cell.protocol == "https") {
          run.measurement.tls_full_handshakes = run.server->tls_full;
          run.measurement.tls_resumed_handshakes = run.server->tls_resumed;
        }
      }
    }
    into.push_back(std::move(run));
    ++position;

    // A server that is gone makes every further cell a column of failures: stop instead.
    if (server.embedded) {
      if (const auto ended = server.embedded->ended()) {
        results.error = fmt::format("the embedded server (hcbench serve) {} during cell {}", *ended,
                                    cell_label(cell));
      }
    } else if (into.back().measurement.failures[FailureKind::connect] > 0 ||
               !into.back().measurement.error.empty()) {
      if (const auto why =
              probe_unreachable(cell.url, options.cell.insecure, options.cell.cacert)) {
        results.error = fmt::format("the server at {} stopped answering: {}", cell.url, *why);
      }
    }
  };

  for (unsigned repeat = 0; repeat < options.repeat && results.error.empty(); ++repeat) {
    for (std::size_t index :
         run_order(results.cells.size(), repeat, options.repeat, options.seed)) {
      if (run_control().stop_requested() || !results.error.empty()) break;
      CellResult& cell = results.cells[index];
      if (!cell.not_applicable.empty()) continue;
      run_cell(cell, repeat, cell.runs);
    }
  }

  // A row that beat its floor means the floor cell was disturbed (docs/run.md): it is
  // measured once more now, and the table uses the better of its two figures. Both need
  // the slices' spread, so the loads are not needed yet.
  for (auto& cell : results.cells) {
    if (run_control().stop_requested() || !results.error.empty()) break;
    if (!cell.not_applicable.empty() || !results.floor_disturbed(cell)) continue;
    progress.clear();
    fmt::print(stderr, "hcbench run: a row beat the floor {}: measuring it once more\n",
               cell_label(cell));
    run_cell(cell, options.repeat, cell.floor_remeasured);
  }
  sampler.stop();
  progress.clear();
  results.interrupted = run_control().stop_requested();
  results.samples = sampler.samples();

  // Each run's load, from the samples tagged with its position.
  std::map<std::int64_t, std::vector<CpuSample>> by_run;
  for (const auto& sample : results.samples) {
    if (sample.run_index >= 0) by_run[sample.run_index].push_back(sample);
  }
  const double min_duration = std::chrono::duration<double>(sample_interval).count() / 2;
  const double foreign_uncertainty =
      foreign_uncertainty_cpu_seconds(static_cast<std::size_t>(sysconf(_SC_NPROCESSORS_ONLN)),
                                      static_cast<double>(sysconf(_SC_CLK_TCK)));
  const auto summarize = [&](CellRun& run) {
    run.load = summarize_load(by_run[run.order], min_duration, foreign_uncertainty);
  };
  for (auto& cell : results.cells) {
    for (auto& run : cell.runs) summarize(run);
    for (auto& run : cell.floor_remeasured) summarize(run);
    for (auto* runs : {&cell.runs, &cell.floor_remeasured}) {
      for (auto& run : *runs) run.limit = judge_run(run, cell.concurrency, options.server_threads);
    }
  }
}

} // namespace hcbench
