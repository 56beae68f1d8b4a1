#include "hcbench/client/measured_window.h"

#include "hcbench/client/run_control.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

#include <sys/resource.h>

namespace hcbench {

namespace {

// Requests in a row that all failed, after which a cell stops: the server is gone or
// refuses everything, and timing more failures tells nothing.
constexpr std::uint64_t max_consecutive_failures = 100;

double seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

} // namespace

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void wait_until_unix_ms(std::int64_t unix_ms) {
  for (std::int64_t left = unix_ms - unix_ms_now(); left > 0 && !run_control().stop_requested();
       left = unix_ms - unix_ms_now()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<std::int64_t>(left, 50)));
  }
}

CpuTimes process_cpu_times() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return {seconds(usage.ru_utime), seconds(usage.ru_stime)};
}

MeasuredWindow::MeasuredWindow(const CellSpec& spec, CellMeasurement& out)
    : spec_(spec), out_(out) {
  run_control().count_request(0);
}

bool MeasuredWindow::want_more(Clock::time_point now) const {
  if (run_control().stop_requested()) return false;
  if (consecutive_failures_ >= max_consecutive_failures) return false;
  if (started_ < spec_.warmup) return true;
  if (measured_started_ >= spec_.cycles) return false;
  if (window_open_ && spec_.duration_seconds > 0 &&
      std::chrono::duration<double>(now - window_start_).count() >= spec_.duration_seconds) {
    return false;
  }
  return true;
}

Phase MeasuredWindow::start_request(Clock::time_point) {
  ++started_;
  if (started_ <= spec_.warmup) return Phase::warmup;
  if (!window_open_) {
    window_open_ = true;
    // A synchronized window opens on the shared schedule, whenever the warm-up ended. With
    // concurrency, warm-up transfers still in flight finish after the wait, uncounted.
    if (spec_.window_opens_unix_ms > 0) wait_until_unix_ms(spec_.window_opens_unix_ms);
    cpu_at_start_ = process_cpu_times();
    // The clock opens after the CPU reading so the window never includes getrusage itself.
    window_start_ = Clock::now();
    out_.window_start_unix_ms = unix_ms_now();
  }
  ++measured_started_;
  return Phase::measure;
}

void MeasuredWindow::finish_request(Phase phase, Clock::time_point started, Clock::time_point ended,
                                    std::optional<FailureKind> failure, std::uint64_t body_bytes,
                                    std::uint64_t new_connections, std::string_view error_text,
                                    std::uint64_t new_streams) {
  run_control().count_request(++completed_);
  if (failure) {
    ++consecutive_failures_;
    if (!error_text.empty())
      last_error_.assign(error_text);
    else
      last_error_.assign(failure_kind_name(*failure));
  } else {
    consecutive_failures_ = 0;
  }
  if (phase != Phase::measure) return;
  last_measured_end_ = ended;
  out_.connections_opened += new_connections;
  out_.streams_opened += new_streams;
  if (failure) {
    out_.failures.add(*failure);
    return;
  }
  ++out_.requests;
  marks_.add(std::chrono::duration<double>(ended - window_start_).count());
  out_.body_bytes += body_bytes;
  out_.latency.record(static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(ended - started).count()));
}

void MeasuredWindow::close(Clock::time_point now) {
  if (window_open_) {
    const Clock::time_point end =
        measured_started_ ? std::max(last_measured_end_, window_start_) : now;
    out_.wall_seconds = std::chrono::duration<double>(end - window_start_).count();
    out_.window_end_unix_ms =
        out_.window_start_unix_ms +
        std::chrono::duration_cast<std::chrono::milliseconds>(end - window_start_).count();
    const CpuTimes cpu = process_cpu_times();
    out_.cpu.user_seconds = cpu.user_seconds - cpu_at_start_.user_seconds;
    out_.cpu.system_seconds = cpu.system_seconds - cpu_at_start_.system_seconds;
    out_.slice_rps = marks_.slice_rates();
  }
  if (consecutive_failures_ >= max_consecutive_failures) {
    out_.error = fmt::format("stopped after {} failed requests in a row (last: {})",
                             consecutive_failures_, last_error_);
  }
}

} // namespace hcbench
