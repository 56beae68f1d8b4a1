// What the matrix and the runners of a cell share while the cell runs: a stop request
// (Ctrl-C, or the end of --duration for the whole run) and a request counter the progress
// line reads. Both are plain relaxed atomics so the per-request cost is one store and one load.
#pragma once

#include <atomic>
#include <cstdint>

namespace hcbench {

struct RunControl {
  std::atomic<bool> stop{false};               // end the current cell's window and the run
  std::atomic<std::uint64_t> requests_done{0}; // of the current cell, warm-up included

  bool stop_requested() const { return stop.load(std::memory_order_relaxed); }
  void count_request(std::uint64_t done) { requests_done.store(done, std::memory_order_relaxed); }
};

// The one instance of this process; a signal handler may set `stop`.
RunControl& run_control();

} // namespace hcbench
