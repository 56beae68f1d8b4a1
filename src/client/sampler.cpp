#include "hcbench/client/sampler.h"

#include "hcbench/results/noise.h"
#include "hcbench/shared/units.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

namespace hcbench {

namespace {

// Splits on spaces, skipping runs of them.
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::optional<CpuTicks> parse_cpu_line(const std::vector<std::string_view>& f) {
  // cpu user nice system idle iowait irq softirq steal [guest guest_nice]; guest time is
  // already inside user and nice.
  if (f.size() < 5) return std::nullopt;
  std::uint64_t v[8] = {};
  for (std::size_t i = 0; i < 8 && i + 1 < f.size(); ++i) {
    const auto n = parse_decimal(f[i + 1]);
    if (!n) return std::nullopt;
    v[i] = *n;
  }
  return CpuTicks{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]};
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

double percent(std::uint64_t part, std::uint64_t whole) {
  return whole ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0;
}

std::uint64_t delta(std::uint64_t after, std::uint64_t before) {
  return after >= before ? after - before : 0;
}

double busy_percent(const CpuTicks& before, const CpuTicks& after) {
  const std::uint64_t total = delta(after.total(), before.total());
  const std::uint64_t idle = delta(after.idle + after.iowait, before.idle + before.iowait);
  return percent(total >= idle ? total - idle : 0, total);
}

} // namespace

std::optional<SystemStat> parse_system_stat(std::string_view text) {
  SystemStat stat;
  bool have_all = false;
  while (!text.empty()) {
    const auto end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    const auto f = fields(line);
    if (f.empty()) continue;
    if (f[0] == "cpu") {
      const auto ticks = parse_cpu_line(f);
      if (!ticks) return std::nullopt;
      stat.all = *ticks;
      have_all = true;
    } else if (f[0].starts_with("cpu")) {
      const auto ticks = parse_cpu_line(f);
      if (!ticks) return std::nullopt;
      stat.per_cpu.push_back(*ticks);
    } else if (f.size() >= 2) {
      const auto value = parse_decimal(f[1]);
      if (!value) continue;
      if (f[0] == "ctxt")
        stat.context_switches = *value;
      else if (f[0] == "intr")
        stat.interrupts = *value;
      else if (f[0] == "procs_running")
        stat.runnable = *value;
      else if (f[0] == "procs_blocked")
        stat.blocked = *value;
    }
  }
  if (!have_all) return std::nullopt;
  return stat;
}

std::optional<ProcessStat> parse_process_stat(std::string_view text) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so the fields start
  // after the last ')'. Field n of proc(5) is at index n - 3 from there.
  const auto close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  const auto f = fields(text.substr(close + 1));
  if (f.size() < 37) return std::nullopt;
  const auto user = parse_decimal(f[14 - 3]);
  const auto system = parse_decimal(f[15 - 3]);
  const auto children_user = parse_decimal(f[16 - 3]);
  const auto children_system = parse_decimal(f[17 - 3]);
  const auto cpu = parse_decimal(f[39 - 3]);
  if (!user || !system || !cpu || !children_user || !children_system) return std::nullopt;
  return ProcessStat{*user, *system, static_cast<int>(*cpu), *children_user + *children_system};
}

CpuSample compute_sample(const ProcSnapshot& before, const ProcSnapshot& after,
                         double ticks_per_second) {
  CpuSample s;
  s.time_seconds = after.time_seconds;
  s.duration_seconds = std::max(0.0, after.time_seconds - before.time_seconds);
  s.runnable = after.system.runnable;
  s.blocked = after.system.blocked;
  const CpuTicks& a = after.system.all;
  const CpuTicks& b = before.system.all;
  const std::uint64_t total = delta(a.total(), b.total());
  // vmstat's columns: us = user + nice, sy = system + irq + softirq.
  s.user = percent(delta(a.user + a.nice, b.user + b.nice), total);
  s.system = percent(delta(a.system + a.irq + a.softirq, b.system + b.irq + b.softirq), total);
  s.idle = percent(delta(a.idle, b.idle), total);
  s.iowait = percent(delta(a.iowait, b.iowait), total);
  s.steal = percent(delta(a.steal, b.steal), total);
  s.busy = busy_percent(b, a);
  const std::size_t cpus = std::min(before.system.per_cpu.size(), after.system.per_cpu.size());
  for (std::size_t i = 0; i < cpus; ++i) {
    s.busiest_cpu =
        std::max(s.busiest_cpu, busy_percent(before.system.per_cpu[i], after.system.per_cpu[i]));
  }
  if (s.duration_seconds > 0) {
    s.context_switches_per_second =
        static_cast<double>(delta(after.system.context_switches, before.system.context_switches)) /
        s.duration_seconds;
    s.interrupts_per_second =
        static_cast<double>(delta(after.system.interrupts, before.system.interrupts)) /
        s.duration_seconds;
  }
  auto process_percent = [&](const ProcessStat& pb, const ProcessStat& pa) {
    const double ticks = static_cast<double>(
        delta(pa.user_ticks + pa.system_ticks, pb.user_ticks + pb.system_ticks));
    return s.duration_seconds > 0 ? 100.0 * ticks / ticks_per_second / s.duration_seconds : 0;
  };
  if (before.client && after.client) {
    s.client_cpu = process_percent(*before.client, *after.client);
    s.client_last_cpu = after.client->last_cpu;
  }
  if (before.server && after.server) {
    s.server_cpu = process_percent(*before.server, *after.server);
    s.server_last_cpu = after.server->last_cpu;
  }
  // Ticks are counted per CPU: the interval's ticks over the CPU count is one CPU's worth.
  // Busy time includes steal (the hypervisor ran someone else), which is foreign too.
  const std::size_t cpu_count = std::max<std::size_t>(1, after.system.per_cpu.size());
  const double one_cpu = static_cast<double>(total) / static_cast<double>(cpu_count);
  if (one_cpu > 0) {
    const std::uint64_t idle = delta(a.idle + a.iowait, b.idle + b.iowait);
    const std::uint64_t busy = total >= idle ? total - idle : 0;
    const std::uint64_t tree = delta(after.tree_ticks, before.tree_ticks);
    // Signed: each counter is read to the tick, so a quiet interval reads a little below or
    // above zero; clipping here would bias every cell's mean upwards (load.cpp clips the mean).
    s.foreign_cpu = 100.0 * (static_cast<double>(busy) - static_cast<double>(tree)) / one_cpu;
    s.steal_cpu = 100.0 * static_cast<double>(delta(a.steal, b.steal)) / one_cpu;
  }
  return s;
}

std::vector<pid_t> process_tree(pid_t root) {
  std::vector<pid_t> tree = {root};
  // Breadth first; a process that ends meanwhile just has no children file.
  for (std::size_t i = 0; i < tree.size() && tree.size() < 4096; ++i) {
    const std::string task_dir = "/proc/" + std::to_string(tree[i]) + "/task";
    std::error_code error;
    for (const auto& task : std::filesystem::directory_iterator(task_dir, error)) {
      std::istringstream children(read_file(task.path() / "children"));
      long child = 0;
      while (children >> child) tree.push_back(static_cast<pid_t>(child));
    }
  }
  return tree;
}

std::uint64_t tree_ticks(pid_t root, pid_t also) {
  std::uint64_t ticks = 0;
  auto tree = process_tree(root);
  if (also > 0 && std::find(tree.begin(), tree.end(), also) == tree.end()) tree.push_back(also);
  for (const pid_t pid : tree) {
    if (const auto stat = parse_process_stat(read_file("/proc/" + std::to_string(pid) + "/stat")))
      ticks += stat->user_ticks + stat->system_ticks + stat->reaped_children_ticks;
  }
  return ticks;
}

MachineCheck look_at_machine(std::chrono::milliseconds length, pid_t server) {
  const auto snapshot = [server] {
    ProcSnapshot out;
    if (auto system = parse_system_stat(read_file("/proc/stat"))) out.system = *system;
    out.tree_ticks = tree_ticks(getpid(), server);
    return out;
  };
  const auto start = std::chrono::steady_clock::now();
  ProcSnapshot before = snapshot();
  std::this_thread::sleep_for(length);
  ProcSnapshot after = snapshot();
  after.time_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  const CpuSample sample = compute_sample(before, after, ticks_per_second);
  const LoadSummary load = summarize_load(
      std::span(&sample, 1), 0,
      foreign_uncertainty_cpu_seconds(after.system.per_cpu.size(), ticks_per_second));
  MachineCheck check;
  check.seconds = sample.duration_seconds;
  check.foreign_cpu = load.mean_foreign_cpu;
  check.steal_cpu = sample.steal_cpu;
  check.quiet = !load.foreign_load;
  return check;
}

CpuSampler::CpuSampler(std::chrono::milliseconds interval, pid_t server,
                       std::function<void()> on_tick)
    : interval_(interval), server_(server), on_tick_(std::move(on_tick)),
      start_(std::chrono::steady_clock::now()),
      ticks_per_second_(static_cast<double>(sysconf(_SC_CLK_TCK))) {
  last_ = read_snapshot();
  thread_ = std::thread([this] { loop(); });
}

CpuSampler::~CpuSampler() {
  stop();
}

ProcSnapshot CpuSampler::read_snapshot() const {
  ProcSnapshot snapshot;
  snapshot.time_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (auto system = parse_system_stat(read_file("/proc/stat"))) snapshot.system = *system;
  snapshot.client = parse_process_stat(read_file("/proc/self/stat"));
  if (server_ > 0) {
    snapshot.server = parse_process_stat(read_file("/proc/" + std::to_string(server_) + "/stat"));
  }
  snapshot.tree_ticks = tree_ticks(getpid(), server_);
  return snapshot;
}

void CpuSampler::sample_locked() {
  ProcSnapshot now = read_snapshot();
  CpuSample sample = compute_sample(last_, now, ticks_per_second_);
  sample.run_index = run_index_;
  samples_.push_back(sample);
  last_ = std::move(now);
}

void CpuSampler::mark(std::int64_t run_index) {
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  sample_locked();
  run_index_ = run_index;
}

void CpuSampler::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    sample_locked();
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<CpuSample> CpuSampler::samples() const {
  std::lock_guard lock(mutex_);
  return samples_;
}

void CpuSampler::loop() {
  std::unique_lock lock(mutex_);
  auto next = std::chrono::steady_clock::now() + interval_;
  while (!stopping_) {
    if (wake_.wait_until(lock, next, [this] { return stopping_; })) break;
    sample_locked();
    next += interval_;
    // After a stall (a suspended VM), continue from now rather than catch up.
    const auto now = std::chrono::steady_clock::now();
    if (next < now) next = now + interval_;
    if (on_tick_) {
      lock.unlock();
      on_tick_();
      lock.lock();
    }
  }
}

} // namespace hcbench
