// vmstat-style CPU sampling from /proc while the matrix runs: the whole machine (runnable and
// blocked tasks, user/system/idle/iowait/steal, context switches and interrupts per second,
// the busiest CPU) plus the CPU of the client process and of the embedded server. Each sample
// is tagged with the cell run in progress, so every cell gets its own load summary and a
// saturated CPU is flagged. Parsing is pure and tested against fixtures.
#pragma once

#include "hcbench/results/load.h"

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace hcbench {

// Cumulative time of one CPU line of /proc/stat, in clock ticks (USER_HZ).
struct CpuTicks {
  std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                steal = 0;
  std::uint64_t total() const {
    return user + nice + system + idle + iowait + irq + softirq + steal;
  }
};

struct SystemStat {
  CpuTicks all;
  std::vector<CpuTicks> per_cpu;
  std::uint64_t context_switches = 0; // ctxt
  std::uint64_t interrupts = 0;       // first number of intr
  std::uint64_t runnable = 0;         // procs_running (a gauge, not cumulative)
  std::uint64_t blocked = 0;          // procs_blocked
};

struct ProcessStat {
  std::uint64_t user_ticks = 0;
  std::uint64_t system_ticks = 0;
  int last_cpu = -1; // the CPU it last ran on
  // cutime + cstime: the children it has waited for (a driver, once its cell ends).
  std::uint64_t reaped_children_ticks = 0;
};

std::optional<SystemStat> parse_system_stat(std::string_view proc_stat);
std::optional<ProcessStat> parse_process_stat(std::string_view proc_pid_stat);

// Everything read at one instant.
struct ProcSnapshot {
  double time_seconds = 0; // since the sampler started
  SystemStat system;
  std::optional<ProcessStat> client;
  std::optional<ProcessStat> server;
  // CPU ticks of this whole process tree: itself, every live descendant (the drivers, the
  // embedded server) and every descendant already waited for. What the machine spent
  // beyond it is foreign load.
  std::uint64_t tree_ticks = 0;
};

// This process and its descendants, read from /proc/<pid>/task/<tid>/children.
std::vector<pid_t> process_tree(pid_t root);
// The tree's CPU ticks (ProcSnapshot::tree_ticks).
std::uint64_t tree_ticks(pid_t root, pid_t also);

// The look before the first cell: the machine's foreign load over `length` while this
// process tree is idle.
MachineCheck look_at_machine(std::chrono::milliseconds length, pid_t server);

CpuSample compute_sample(const ProcSnapshot& before, const ProcSnapshot& after,
                         double ticks_per_second);

class CpuSampler {
public:
  // Samples every `interval`; `server` may be 0 (no embedded server). `on_tick` runs on the
  // sampler thread after each periodic sample (the progress line).
  CpuSampler(std::chrono::milliseconds interval, pid_t server, std::function<void()> on_tick);
  ~CpuSampler();
  CpuSampler(const CpuSampler&) = delete;
  CpuSampler& operator=(const CpuSampler&) = delete;

  // Closes the current interval at this instant, then tags what follows with `run_index`.
  void mark(std::int64_t run_index);
  // Stops the thread after a last sample; samples() stays readable.
  void stop();
  std::vector<CpuSample> samples() const;
  std::chrono::milliseconds interval() const { return interval_; }

private:
  ProcSnapshot read_snapshot() const;
  void sample_locked();
  void loop();

  std::chrono::milliseconds interval_;
  pid_t server_;
  std::function<void()> on_tick_;
  std::chrono::steady_clock::time_point start_;
  double ticks_per_second_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::int64_t run_index_ = -1;
  ProcSnapshot last_;
  std::vector<CpuSample> samples_;
  std::thread thread_;
};

} // namespace hcbench
