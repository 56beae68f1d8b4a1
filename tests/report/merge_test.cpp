// report/merge.h: the hosts' runs of a synchronized run merged exactly, through the saved
// JSON (results_to_json, then read_results), as `hcbench report --merge` reads them.
#include "hcbench/report/merge.h"
#include "hcbench/results/results_json.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace hcbench {
namespace {

constexpr std::int64_t t0 = 1795960800000;

// One host's results: one cell per path, one run each, the given latencies (ns), its window.
RunResults host_run(const std::string& label, const std::vector<std::string>& paths,
                    const std::vector<std::vector<std::uint64_t>>& latencies,
                    std::int64_t window_start, std::int64_t window_end) {
  RunResults r;
  r.settings.cycles = 100000;
  r.settings.duration_seconds = 2;
  r.settings.clients = {"floor"};
  r.settings.protocols = {"http"};
  r.settings.paths = paths;
  r.settings.concurrency = {1};
  r.settings.start_at_unix_ms = t0;
  r.settings.slot_seconds = 4;
  r.settings.run_id = "merge-test";
  r.settings.host_label = label;
  r.environment.hostname = label + ".lab";
  r.started_unix_ms = t0 - 3000;
  r.wall_seconds = 10;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    CellResult cell;
    cell.index = i;
    cell.row_id = "floor.raw-socket";
    cell.group = "floor";
    cell.display_name = "raw socket";
    cell.protocol = "http";
    cell.path = paths[i];
    cell.size = 4;
    CellRun run;
    run.order = static_cast<std::int64_t>(i);
    run.warmup = 5;
    auto& m = run.measurement;
    for (auto ns : latencies[i]) m.latency.record(ns);
    m.requests = latencies[i].size();
    m.body_bytes = 4 * m.requests;
    m.failures.add(FailureKind::timeout, 1);
    m.connections_opened = 1;
    m.cpu = {0.25, 0.5};
    m.window_start_unix_ms = window_start;
    m.window_end_unix_ms = window_end;
    m.wall_seconds = static_cast<double>(window_end - window_start) / 1000;
    cell.runs.push_back(std::move(run));
    r.cells.push_back(std::move(cell));
  }
  return r;
}

// Round trip through the saved form, as --merge reads a host's file.
MergeInput saved(const RunResults& r) {
  return {r.settings.host_label + ".json", read_results(results_to_json(r))};
}

std::vector<std::uint64_t> samples(std::size_t n, unsigned seed) {
  std::mt19937_64 generator(seed);
  std::lognormal_distribution<double> latency(11.5, 0.8); // around 100 µs, a long tail
  std::vector<std::uint64_t> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<std::uint64_t>(latency(generator)));
  return out;
}

TEST(Merge, AHistogramSplitAcrossHostsMergesBackToTheOriginal) {
  const auto all = samples(30000, 7);
  for (std::size_t hosts : {2u, 3u, 5u}) {
    LatencyHistogram whole;
    for (auto ns : all) whole.record(ns);
    std::vector<MergeInput> inputs;
    for (std::size_t h = 0; h < hosts; ++h) {
      // Uneven shares: host h takes every sample whose index mod (hosts + 1) maps to it.
      std::vector<std::uint64_t> share;
      for (std::size_t i = 0; i < all.size(); ++i)
        if (std::min(i % (hosts + 1), hosts - 1) == h) share.push_back(all[i]);
      inputs.push_back(saved(host_run("client-" + std::to_string(h + 1), {"/length/4"}, {share},
                                      t0 + 1000, t0 + 3000)));
    }
    const MergedRun merged = merge_runs(inputs);
    ASSERT_EQ(merged.results.cells.size(), 1 + hosts) << "the aggregate, then one row per host";
    const CellResult& aggregate = merged.results.cells.front();
    EXPECT_TRUE(aggregate.host_label.empty());
    ASSERT_EQ(aggregate.runs.size(), 1u);
    const CellMeasurement& m = aggregate.runs.front().measurement;
    EXPECT_EQ(m.latency, whole) << hosts << " hosts";
    EXPECT_EQ(m.requests, all.size());
    EXPECT_EQ(m.failures[FailureKind::timeout], hosts);
    EXPECT_EQ(m.connections_opened, hosts);
    EXPECT_EQ(m.body_bytes, 4 * all.size());
    EXPECT_DOUBLE_EQ(m.cpu.total(), 0.75 * static_cast<double>(hosts));
    EXPECT_EQ(aggregate.runs.front().warmup, 5 * hosts);
    for (std::size_t h = 0; h < hosts; ++h)
      EXPECT_EQ(merged.results.cells[1 + h].host_label, "client-" + std::to_string(h + 1));
    EXPECT_TRUE(merged.flags.empty());
  }
}

TEST(Merge, PercentilesOfAMergeAreThoseOfTheUnionWithinThePrecision) {
  std::vector<std::vector<std::uint64_t>> shares = {samples(5000, 1), samples(20000, 2),
                                                    samples(700, 3)};
  for (auto& ns : shares[1]) ns *= 3; // a slower host: the union differs from each share
  std::vector<std::uint64_t> all;
  std::vector<MergeInput> inputs;
  for (std::size_t h = 0; h < shares.size(); ++h) {
    all.insert(all.end(), shares[h].begin(), shares[h].end());
    inputs.push_back(
        saved(host_run("h" + std::to_string(h), {"/length/4"}, {shares[h]}, t0 + 1000, t0 + 3000)));
  }
  std::sort(all.begin(), all.end());
  const MergedRun run = merge_runs(inputs);
  const auto& merged = run.results.cells.front().runs.front().measurement.latency;
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const std::size_t rank =
        static_cast<std::size_t>(std::ceil(q * static_cast<double>(all.size()))) - 1;
    const double exact = static_cast<double>(all[rank]);
    const double got = static_cast<double>(merged.quantile(q));
    EXPECT_GE(got, exact) << q;
    EXPECT_LE(got, exact * (1 + 1.0 / LatencyHistogram::sub_buckets) + 1) << q;
  }
  EXPECT_EQ(merged.max(), all.back());
  EXPECT_EQ(merged.min(), all.front());
}

TEST(Merge, RequestsPerSecondAreOverTheUnionOfTheWindows) {
  const auto a = host_run("a", {"/length/4"}, {samples(1000, 1)}, t0 + 1000, t0 + 3000);
  const auto b = host_run("b", {"/length/4"}, {samples(1000, 2)}, t0 + 1100, t0 + 3100);
  const MergedRun merged = merge_runs({saved(a), saved(b)});
  const CellRun& run = merged.results.cells.front().runs.front();
  EXPECT_EQ(run.measurement.window_start_unix_ms, t0 + 1000);
  EXPECT_EQ(run.measurement.window_end_unix_ms, t0 + 3100);
  EXPECT_DOUBLE_EQ(run.measurement.wall_seconds, 2.1);
  EXPECT_DOUBLE_EQ(run.requests_per_second(), 2000 / 2.1);
  EXPECT_TRUE(merged.flags.empty()) << "2.0 of 2.1 s overlap: 95%";
}

TEST(Merge, WindowsOverlappingLessThanNinetyPercentAreFlagged) {
  const auto a = host_run("a", {"/length/4"}, {samples(100, 1)}, t0 + 1000, t0 + 3000);
  const auto b = host_run("b", {"/length/4"}, {samples(100, 2)}, t0 + 1500, t0 + 3500);
  const MergedRun merged = merge_runs({saved(a), saved(b)});
  ASSERT_EQ(merged.flags.size(), 1u);
  EXPECT_NE(merged.flags.front().find("overlap 60%"), std::string::npos) << merged.flags.front();
  const auto document = merged_to_json(merged, {"a.json", "b.json"});
  EXPECT_EQ(document["merge"]["flags"].size(), 1u);
  EXPECT_EQ(document["merge"]["hosts"][1]["host_label"], "b");
  EXPECT_FALSE(document["cells"][0].contains("host_label")) << "the aggregate";
  EXPECT_EQ(document["cells"][1]["host_label"], "a");
  EXPECT_EQ(document["cells"][0]["summary"]["requests"], 200);
}

// The server's totals as three hosts read them around their runs of one cell: each read is
// a request and a connection of its own, counted after its snapshot; between the reads, the
// hosts' warm-ups and windows.
void read_totals(std::vector<RunResults>& hosts, std::uint64_t extra_requests) {
  ServerCounters total{.requests = 1000, .requests_ok = 990, .connections = 50};
  auto read = [&total] {
    const ServerCounters seen = total;
    ++total.requests, ++total.requests_ok, ++total.connections;
    return seen;
  };
  std::vector<ServerCounters> before;
  for (std::size_t i = 0; i < hosts.size(); ++i) before.push_back(read());
  for (const auto& host : hosts) {
    const CellRun& run = host.cells.front().runs.front();
    total.requests += run.requests_sent();
    total.requests_ok += run.requests_sent();
    total.connections += run.measurement.connections_opened;
  }
  total.requests += extra_requests;
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    CellRun& run = hosts[i].cells.front().runs.front();
    run.server_readings = ServerReadings{before[i], read()};
    run.server = ServerCounters{}; // each host's own delta, which holds the others' traffic
  }
}

TEST(Merge, TheServersCountOverTheHostsRunsIsTheCrossCheck) {
  std::vector<RunResults> hosts;
  for (const char* label : {"a", "b", "c"}) {
    hosts.push_back(host_run(label, {"/length/4"}, {samples(300, 7)}, t0 + 1000, t0 + 3000));
    hosts.back().settings.embedded_server = false;
  }
  read_totals(hosts, 0);
  std::vector<MergeInput> inputs;
  for (const auto& h : hosts) inputs.push_back(saved(h));
  const MergedRun merged = merge_runs(inputs);
  const CellRun& run = merged.results.cells.front().runs.front();
  ASSERT_TRUE(run.server);
  EXPECT_EQ(run.requests_sent(), 3u * (5 + 300));
  EXPECT_EQ(run.server->requests, run.requests_sent()) << "the hosts' 5 /stats reads left out";
  EXPECT_EQ(run.server->connections, 3u);
  EXPECT_TRUE(merged.flags.empty()) << merged.flags.front();
  const auto document = merged_to_json(merged, {});
  EXPECT_EQ(document["cells"][0]["runs"][0]["server"]["requests_match"], true);

  // Seven requests the hosts did not send: flagged, with both counts.
  read_totals(hosts, 7);
  inputs.clear();
  for (const auto& h : hosts) inputs.push_back(saved(h));
  const MergedRun off = merge_runs(inputs);
  ASSERT_EQ(off.flags.size(), 1u);
  EXPECT_NE(off.flags.front().find("the server counted 922 requests over the hosts' runs, the "
                                   "hosts sent 915"),
            std::string::npos)
      << off.flags.front();

  // Hosts that each ran their own embedded server have no common count to check.
  for (auto& h : hosts) h.settings.embedded_server = true;
  inputs.clear();
  for (const auto& h : hosts) inputs.push_back(saved(h));
  EXPECT_TRUE(merge_runs(inputs).flags.empty());
}

TEST(Merge, AHostDisturbedByOtherProcessesFlagsTheAggregate) {
  auto a = host_run("a", {"/length/4"}, {samples(100, 1)}, t0 + 1000, t0 + 3000);
  const auto b = host_run("b", {"/length/4"}, {samples(100, 2)}, t0 + 1000, t0 + 3000);
  LoadSummary& load = a.cells.front().runs.front().load;
  load.mean_foreign_cpu = 45;
  load.foreign_resolution = 2;
  load.foreign_load = true;
  const MergedRun merged = merge_runs({saved(a), saved(b)});
  const RunResults& out = merged.results;
  ASSERT_EQ(out.cells.size(), 3u) << "the aggregate, then a's and b's own";
  EXPECT_TRUE(summarize_cell(out.cells[0]).foreign_load);
  EXPECT_TRUE(summarize_cell(out.cells[1]).foreign_load) << "read back from a's file";
  EXPECT_NEAR(out.cells[1].runs.front().load.foreign_resolution, 2, 1e-9);
  EXPECT_FALSE(summarize_cell(out.cells[2]).foreign_load);
}

TEST(Merge, WindowOverlapIsIntersectionOverUnion) {
  EXPECT_DOUBLE_EQ(window_overlap({{0, 100}, {0, 100}}), 1);
  EXPECT_DOUBLE_EQ(window_overlap({{0, 100}, {50, 150}}), 50.0 / 150);
  EXPECT_DOUBLE_EQ(window_overlap({{0, 100}, {100, 200}}), 0);
  EXPECT_DOUBLE_EQ(window_overlap({{0, 100}, {200, 300}}), 0);
  EXPECT_DOUBLE_EQ(window_overlap({{0, 100}, {10, 90}, {5, 95}}), 80.0 / 100);
  EXPECT_DOUBLE_EQ(window_overlap({}), 0);
}

TEST(Merge, RefusesWhatIsNotOneExperiment) {
  const auto a = host_run("a", {"/length/4"}, {samples(10, 1)}, t0 + 1000, t0 + 3000);
  auto expect_refused = [](const std::vector<MergeInput>& inputs, const std::string& reason) {
    try {
      merge_runs(inputs);
      ADD_FAILURE() << "merged, expected a refusal for " << reason;
    } catch (const MergeRefused& e) {
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    }
  };
  expect_refused({saved(a)}, "two hosts or more");
  expect_refused({saved(a), saved(a)}, "given twice");
  auto other_cycles = host_run("b", {"/length/4"}, {samples(10, 2)}, t0 + 1000, t0 + 3000);
  other_cycles.settings.cycles = 5;
  expect_refused({saved(a), saved(other_cycles)}, "different settings (cycles)");
  auto other_run = host_run("b", {"/length/4"}, {samples(10, 2)}, t0 + 1000, t0 + 3000);
  other_run.settings.run_id = "another";
  other_run.settings.start_at_unix_ms = t0 + 60000;
  expect_refused({saved(a), saved(other_run)}, "start_at_unix_ms, run_id");
  auto other_cells = host_run("b", {"/length/64"}, {samples(10, 2)}, t0 + 1000, t0 + 3000);
  other_cells.settings.paths = a.settings.paths; // same settings, other cells (an edited file)
  expect_refused({saved(a), saved(other_cells)}, "has no cell floor.raw-socket http /length/4");
  auto more_cells = host_run("b", {"/length/4", "/length/64"}, {samples(10, 2), samples(10, 3)},
                             t0 + 1000, t0 + 3000);
  more_cells.settings.paths = a.settings.paths;
  expect_refused({saved(a), saved(more_cells)}, "has cells that");
  const auto b = host_run("b", {"/length/4"}, {samples(10, 2)}, t0 + 1000, t0 + 3000);
  const MergedRun merged = merge_runs({saved(a), saved(b)});
  expect_refused({{"merged.json", read_results(merged_to_json(merged, {}))}, saved(b)},
                 "itself a merged run");
}

} // namespace
} // namespace hcbench
