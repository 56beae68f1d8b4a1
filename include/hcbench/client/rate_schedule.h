// The open loop (--rate): request i of a cell is due at the cell's start + i / rate, whatever
// the responses do, as wrk2 schedules its requests. A runner starts every request that is
// due (up to --max-in-flight) and times it from its due time, not from when it could start,
// so a stall of the server shows in the percentiles instead of slowing the schedule down
// (coordinated omission). DueTimer wakes the runner's poll at the next due time exactly.
#pragma once

#include "hcbench/client/measured_window.h"
#include "hcbench/client/unique_fd.h"

#include <cstdint>

namespace hcbench {

class RateSchedule {
public:
  RateSchedule(double rate, Clock::time_point start) : rate_(rate), start_(start) {}

  // When the next request is due.
  Clock::time_point next_due() const;
  // The next request started (or was given up): the one after it is due next.
  void advance() { ++issued_; }
  std::uint64_t issued() const { return issued_; }

private:
  double rate_;
  Clock::time_point start_;
  std::uint64_t issued_ = 0;
};

// A timerfd on the steady clock (CLOCK_MONOTONIC): readable from the time it is armed for.
// epoll and curl_multi_poll wait on it, which are otherwise exact to a millisecond only.
class DueTimer {
public:
  DueTimer();
  int fd() const { return fd_.get(); }
  // Readable at `due` (at once when it has passed); replaces any earlier arming.
  void arm(Clock::time_point due);
  // Consumes the expiry so the descriptor stops being readable until armed again.
  void clear();

private:
  UniqueFd fd_;
};

// How long a poll that only knows milliseconds may wait for `due`: rounded up, at most `cap`.
int poll_timeout_ms(Clock::time_point now, Clock::time_point due, int cap);

} // namespace hcbench
