// The phases of a cell as every native runner counts them (h2load's warmup/measure/done):
// `warmup` requests that are checked but not counted, then the measured window of `cycles`
// requests (or `duration_seconds`), whose wall time, CPU time, latencies and failures become
// the cell's measurement. Also ends a cell early on Ctrl-C or after a run of failures.
#pragma once

#include "hcbench/client/cell.h"
#include "hcbench/results/noise.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace hcbench {

using Clock = std::chrono::steady_clock;

enum class Phase { warmup, measure };

// CPU time of this whole process so far (getrusage RUSAGE_SELF: libcurl's resolver threads
// count too; the sampler thread's few microseconds per sample are included).
CpuTimes process_cpu_times();

// The wall clock in Unix milliseconds, and a wait for it (in short steps that notice Ctrl-C).
std::int64_t unix_ms_now();
void wait_until_unix_ms(std::int64_t unix_ms);

class MeasuredWindow {
public:
  MeasuredWindow(const CellSpec& spec, CellMeasurement& out);

  // Whether another request should start now: not stopped, warm-up or cycles left, the
  // duration not over, and not too many failures in a row.
  bool want_more(Clock::time_point now) const;
  // Starts a request at `now` and says in which phase it counts; the first measured
  // request opens the window (clock and CPU).
  Phase start_request(Clock::time_point now);
  // A completed request: `failure` empty means it passed every check.
  void finish_request(Phase phase, Clock::time_point started, Clock::time_point ended,
                      std::optional<FailureKind> failure, std::uint64_t body_bytes,
                      std::uint64_t new_connections, std::string_view error_text = {},
                      std::uint64_t new_streams = 0);
  // Closes the window (wall and CPU time) and, when the cell ended on failures or Ctrl-C,
  // says so in the measurement.
  void close(Clock::time_point now);

private:
  const CellSpec& spec_;
  CellMeasurement& out_;
  std::uint64_t started_ = 0; // warm-up and measured requests started
  std::uint64_t measured_started_ = 0;
  std::uint64_t completed_ = 0;
  std::uint64_t consecutive_failures_ = 0;
  bool window_open_ = false;
  Clock::time_point window_start_{};
  Clock::time_point last_measured_end_{};
  CpuTimes cpu_at_start_;
  CompletionMarks marks_; // for the slices of the window (noise.h)
  std::string last_error_;
};

} // namespace hcbench
