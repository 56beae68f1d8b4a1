#include "hcbench/client/measured_window.h"
#include "hcbench/client/run_control.h"

#include <gtest/gtest.h>

#include <chrono>

namespace hcbench {
namespace {

using namespace std::chrono_literals;

// The window reads the process-wide stop flag: every test starts and ends with it clear.
class MeasuredWindowTest : public testing::Test {
protected:
  void SetUp() override { run_control().stop.store(false); }
  void TearDown() override { run_control().stop.store(false); }

  // Starts and finishes one request that took `latency`, ending at `ended`.
  Phase request(MeasuredWindow& window, Clock::time_point ended, std::chrono::nanoseconds latency,
                std::optional<FailureKind> failure = std::nullopt, std::uint64_t body = 100,
                std::uint64_t connections = 0, std::string_view error = {}) {
    const Phase phase = window.start_request(ended - latency);
    window.finish_request(phase, ended - latency, ended, failure, body, connections, error);
    return phase;
  }

  CellSpec spec;
  CellMeasurement out;
};

TEST_F(MeasuredWindowTest, WarmupIsCheckedButNotCounted) {
  spec.warmup = 2;
  spec.cycles = 3;
  MeasuredWindow window(spec, out);
  std::vector<Phase> phases;
  auto now = Clock::now();
  while (window.want_more(now) && phases.size() < 10) {
    now += 1ms;
    phases.push_back(request(window, now, 1ms, std::nullopt, 100, 1));
  }
  window.close(now);
  EXPECT_EQ(phases, (std::vector<Phase>{Phase::warmup, Phase::warmup, Phase::measure,
                                        Phase::measure, Phase::measure}));
  EXPECT_EQ(out.requests, 3u);
  EXPECT_EQ(out.latency.count(), 3u);
  EXPECT_EQ(out.body_bytes, 300u);
  EXPECT_EQ(out.connections_opened, 3u) << "warm-up connections are not the window's";
  EXPECT_EQ(run_control().requests_done.load(), 5u) << "progress counts warm-up too";
  EXPECT_TRUE(out.ok());
}

TEST_F(MeasuredWindowTest, FailuresAreCountedByKindAndNeverTimed) {
  spec.cycles = 4;
  MeasuredWindow window(spec, out);
  auto now = Clock::now() + 1ms;
  request(window, now, 1ms);
  request(window, now, 1ms, FailureKind::status, 50);
  request(window, now, 1ms, FailureKind::timeout, 0, 0, "Timeout was reached");
  request(window, now, 1ms);
  EXPECT_FALSE(window.want_more(now)) << "failed requests use up cycles too";
  window.close(now);
  EXPECT_EQ(out.requests, 2u);
  EXPECT_EQ(out.latency.count(), 2u);
  EXPECT_EQ(out.body_bytes, 200u) << "only the bodies of good responses";
  EXPECT_EQ(out.failures[FailureKind::status], 1u);
  EXPECT_EQ(out.failures[FailureKind::timeout], 1u);
  EXPECT_EQ(out.failures.total(), 2u);
  EXPECT_TRUE(out.error.empty()) << "a few failures do not end the cell";
  EXPECT_FALSE(out.ok());
}

TEST_F(MeasuredWindowTest, LatencyIsEachRequestsOwn) {
  spec.cycles = 2;
  MeasuredWindow window(spec, out);
  const auto now = Clock::now() + 1s;
  request(window, now, 3ms);
  request(window, now, 5ms);
  window.close(now);
  EXPECT_EQ(out.latency.min(), 3'000'000u);
  EXPECT_EQ(out.latency.max(), 5'000'000u);
}

TEST_F(MeasuredWindowTest, WallTimeRunsFromTheFirstMeasuredRequestToTheLastEnd) {
  spec.warmup = 1;
  spec.cycles = 2;
  MeasuredWindow window(spec, out);
  const auto start = Clock::now();
  request(window, start + 1ms, 1ms); // warm-up: before the window
  const Phase phase = window.start_request(start);
  window.finish_request(phase, start, start + 10s, std::nullopt, 0, 0);
  request(window, start + 20s, 1ms);
  window.close(start + 60s);
  // The window opens at the clock reading inside the first measured start_request.
  EXPECT_GT(out.wall_seconds, 19.0);
  EXPECT_LE(out.wall_seconds, 20.0);
  EXPECT_GE(out.cpu.total(), 0.0);
}

TEST_F(MeasuredWindowTest, NothingMeasuredMeansNoWindow) {
  spec.warmup = 1;
  MeasuredWindow window(spec, out);
  request(window, Clock::now(), 1ms);
  window.close(Clock::now() + 5s);
  EXPECT_EQ(out.requests, 0u);
  EXPECT_EQ(out.wall_seconds, 0.0);
  EXPECT_EQ(out.cpu.total(), 0.0);
}

TEST_F(MeasuredWindowTest, DurationEndsTheWindowBeforeTheCycles) {
  spec.cycles = 1'000'000;
  spec.duration_seconds = 1;
  MeasuredWindow window(spec, out);
  const auto now = Clock::now();
  EXPECT_TRUE(window.want_more(now + 1h)) << "the duration counts from the window's opening";
  request(window, Clock::now(), 1ms);
  EXPECT_TRUE(window.want_more(Clock::now()));
  EXPECT_FALSE(window.want_more(Clock::now() + 2s));
}

TEST_F(MeasuredWindowTest, ARunOfFailuresEndsTheCellAndSaysWhy) {
  spec.cycles = 1000;
  MeasuredWindow window(spec, out);
  const auto now = Clock::now();
  // A success in between starts the count again.
  for (int i = 0; i < 99; ++i) request(window, now, 1ms, FailureKind::connect);
  request(window, now, 1ms);
  int failed = 0;
  while (window.want_more(now) && failed < 500) {
    request(window, now, 1ms, FailureKind::connect, 0, 0, "Couldn't connect to server");
    ++failed;
  }
  window.close(now);
  EXPECT_EQ(failed, 100);
  EXPECT_EQ(out.failures[FailureKind::connect], 199u);
  EXPECT_NE(out.error.find("100 failed requests in a row"), std::string::npos) << out.error;
  EXPECT_NE(out.error.find("Couldn't connect to server"), std::string::npos) << out.error;
}

TEST_F(MeasuredWindowTest, StopRequestEndsTheCell) {
  spec.cycles = 10;
  MeasuredWindow window(spec, out);
  const auto now = Clock::now();
  request(window, now, 1ms);
  EXPECT_TRUE(window.want_more(now));
  run_control().stop.store(true);
  EXPECT_FALSE(window.want_more(now));
  window.close(now);
  EXPECT_EQ(out.requests, 1u);
  EXPECT_TRUE(out.error.empty()) << "an interrupted cell is marked by the matrix, not here";
}

TEST_F(MeasuredWindowTest, AScheduledWindowOpensNoEarlierThanItsTimeAndIsRecordedOnTheWallClock) {
  spec.warmup = 1;
  spec.cycles = 2;
  spec.window_opens_unix_ms = unix_ms_now() + 30;
  MeasuredWindow window(spec, out);
  EXPECT_EQ(window.start_request(Clock::now()), Phase::warmup) << "the warm-up does not wait";
  EXPECT_LT(unix_ms_now(), spec.window_opens_unix_ms);
  EXPECT_EQ(window.start_request(Clock::now()), Phase::measure);
  EXPECT_GE(unix_ms_now(), spec.window_opens_unix_ms) << "the first measured request waited";
  const auto started = Clock::now();
  window.finish_request(Phase::measure, started, started + 2ms, std::nullopt, 100, 0);
  window.close(Clock::now());
  EXPECT_GE(out.window_start_unix_ms, spec.window_opens_unix_ms);
  EXPECT_GE(out.window_end_unix_ms, out.window_start_unix_ms + 2);
}

TEST_F(MeasuredWindowTest, AScheduledWaitEndsOnStop) {
  spec.window_opens_unix_ms = unix_ms_now() + 600000; // ten minutes: the stop must end it
  MeasuredWindow window(spec, out);
  run_control().stop.store(true);
  window.start_request(Clock::now());
  EXPECT_LT(unix_ms_now(), spec.window_opens_unix_ms);
}

} // namespace
} // namespace hcbench
