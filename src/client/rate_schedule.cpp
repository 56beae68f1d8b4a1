#include "hcbench/client/rate_schedule.h"

#include <sys/timerfd.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace hcbench {

Clock::time_point RateSchedule::next_due() const {
  // From the start each time, never by adding intervals: rounding never accumulates.
  const double offset_ns = std::floor(static_cast<double>(issued_) * 1e9 / rate_);
  return start_ + std::chrono::nanoseconds(static_cast<std::int64_t>(offset_ns));
}

DueTimer::DueTimer() : fd_(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
  static_assert(Clock::is_steady);
  if (!fd_) throw std::runtime_error("timerfd_create failed");
}

void DueTimer::arm(Clock::time_point due) {
  // steady_clock is CLOCK_MONOTONIC on Linux, so its time points are the timer's.
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(due.time_since_epoch());
  itimerspec spec{};
  const auto count = std::max<std::int64_t>(ns.count(), 1); // 0 would disarm it
  spec.it_value.tv_sec = static_cast<time_t>(count / 1'000'000'000);
  spec.it_value.tv_nsec = static_cast<long>(count % 1'000'000'000);
  ::timerfd_settime(fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
}

void DueTimer::clear() {
  std::uint64_t expirations = 0;
  [[maybe_unused]] const auto n = ::read(fd_.get(), &expirations, sizeof expirations);
}

int poll_timeout_ms(Clock::time_point now, Clock::time_point due, int cap) {
  if (due <= now) return 0;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(due - now).count();
  return static_cast<int>(std::min<std::int64_t>((ns + 999'999) / 1'000'000, cap));
}

} // namespace hcbench
