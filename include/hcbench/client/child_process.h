// Runs one child process to completion under a deadline: its input written to stdin, its
// stdout collected, the tail of its stderr kept for error messages, its rusage taken.
// The child leads its own process group and gets SIGKILL when hcbench dies
// (PR_SET_PDEATHSIG); on a timeout, and after it exits, the whole group is killed, so no
// process it started survives it.
#pragma once

#include "hcbench/client/cell.h"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace hcbench {

struct ChildOptions {
  std::vector<std::string> argv;      // argv[0] is an absolute path: no PATH search
  std::vector<std::string> extra_env; // "NAME=value", added to (or replacing) the environment
  std::string stdin_data;             // written, then stdin is closed
  std::chrono::milliseconds timeout{60'000};
  std::size_t max_stdout_bytes = std::size_t{256} << 20; // more is an error, not an allocation
  std::size_t stderr_tail_bytes = 4096;
  // When this becomes true (Ctrl-C on the run) the child's group is killed at once: the
  // driver is in a process group of its own, so the terminal's SIGINT does not reach it.
  const std::atomic<bool>* cancel = nullptr;
};

struct ChildResult {
  enum class End {
    exited,           // exit_status is valid
    signaled,         // killed by term_signal (a crash, or killed from outside)
    timed_out,        // still running at the deadline; the group was killed
    output_too_large, // wrote more than max_stdout_bytes; the group was killed
    spawn_failed,     // could not start (spawn_error says why)
    cancelled,        // options.cancel became true; the group was killed
  };
  End end = End::spawn_failed;
  int exit_status = 0;
  int term_signal = 0;
  std::string spawn_error;
  std::string stdout_text;
  std::string stderr_tail; // the last stderr_tail_bytes bytes of stderr
  CpuTimes cpu;            // wait4() rusage: the child and descendants it reaped
  double wall_seconds = 0; // from spawn to exit
};

ChildResult run_child(const ChildOptions& options);

// "exit status 3", "signal 11 (Segmentation fault)", "timed out after 5 s", ...
std::string describe_end(const ChildResult& result, const ChildOptions& options);

} // namespace hcbench
