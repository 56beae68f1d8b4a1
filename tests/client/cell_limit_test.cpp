// The limit verdict of a run, from synthetic samples and measured windows.
#include "hcbench/client/cell_limit.h"

#include <gtest/gtest.h>

#include <vector>

namespace hcbench {
namespace {

// A run of one second: the client spent `client_seconds` of CPU in its window, the server's
// samples (ten of 100 ms) read `server_percent` each.
CellRun run_with(double client_seconds, double server_percent, const std::string& client_cpus,
                 const std::string& server_cpus) {
  CellRun run;
  run.measurement.requests = 1000;
  run.measurement.wall_seconds = 1;
  run.measurement.cpu.user_seconds = client_seconds * 0.7;
  run.measurement.cpu.system_seconds = client_seconds * 0.3;
  std::vector<CpuSample> samples(10);
  for (auto& s : samples) {
    s.duration_seconds = 0.1;
    s.client_cpu = 5; // hcbench run itself: a driver row's client CPU is the driver's
    s.server_cpu = server_percent;
  }
  run.load = summarize_load(samples, 0.05);
  run.placement.client_cpus = client_cpus;
  run.placement.server_cpus = server_cpus;
  return run;
}

Limit limit_of(const CellRun& run, unsigned concurrency,
               std::optional<unsigned> server_threads = std::nullopt) {
  const auto verdict = judge_run(run, concurrency, server_threads);
  EXPECT_TRUE(verdict);
  return verdict ? verdict->limit : Limit::neither;
}

TEST(CellLimit, ClientSaturated) {
  EXPECT_EQ(limit_of(run_with(0.97, 40, "0", "1"), 1), Limit::client);
}

TEST(CellLimit, ServerSaturated) {
  EXPECT_EQ(limit_of(run_with(0.5, 98, "0", "1"), 8), Limit::server);
}

TEST(CellLimit, Both) {
  EXPECT_EQ(limit_of(run_with(0.95, 95, "0", "0"), 1), Limit::both);
}

TEST(CellLimit, NeitherInASequentialRoundTrip) {
  // Client and server take turns: each busy less than half the time.
  const auto verdict = judge_run(run_with(0.45, 40, "0", "1"), 1, std::nullopt);
  ASSERT_TRUE(verdict);
  EXPECT_EQ(verdict->limit, Limit::neither);
  EXPECT_DOUBLE_EQ(verdict->inputs.client_cpu, 45);
  EXPECT_DOUBLE_EQ(verdict->inputs.server_cpu.value_or(0), 40);
}

TEST(CellLimit, ATwoThreadClientOnTwoCpus) {
  // Two requests in flight on two CPUs: saturated only when both are busy.
  EXPECT_EQ(limit_of(run_with(1.9, 30, "0-1", "2"), 2), Limit::client);
  EXPECT_EQ(limit_of(run_with(1.0, 30, "0-1", "2"), 2), Limit::neither);
  // One request in flight can keep only one of them busy.
  EXPECT_EQ(limit_of(run_with(0.95, 30, "0-1", "2"), 1), Limit::client);
}

TEST(CellLimit, TheServersThreadsBoundItsCpus) {
  // One event loop on two CPUs is saturated at one CPU's worth.
  EXPECT_EQ(limit_of(run_with(0.3, 96, "2", "0-1"), 1, 1u), Limit::server);
  EXPECT_EQ(limit_of(run_with(0.3, 96, "2", "0-1"), 1), Limit::neither);
}

TEST(CellLimit, NothingMeasuredOrTooShortNoVerdict) {
  CellRun run = run_with(0.5, 50, "0", "1");
  run.measurement.requests = 0;
  EXPECT_FALSE(judge_run(run, 1, std::nullopt));
  CellRun short_run = run_with(0.05, 50, "0", "1");
  short_run.measurement.wall_seconds = 0.1;
  EXPECT_FALSE(judge_run(short_run, 1, std::nullopt)) << "ten ticks of 10 ms";
}

} // namespace
} // namespace hcbench
