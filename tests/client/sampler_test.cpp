#include "hcbench/client/placement.h"
#include "hcbench/client/sampler.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include <unistd.h>

namespace hcbench {
namespace {

// Two readings of a 2-CPU machine's /proc/stat, one second apart (USER_HZ 100).
const char* stat_before = R"(cpu  1000 10 500 8000 40 5 5 0 0 0
cpu0 600 5 300 3000 20 3 3 0 0 0
cpu1 400 5 200 5000 20 2 2 0 0 0
intr 123456 10 20 30
ctxt 5000
btime 1700000000
processes 999
procs_running 3
procs_blocked 0
softirq 1 2 3
)";
const char* stat_after = R"(cpu  1090 10 550 8050 40 5 5 50 0 0
cpu0 690 5 305 3000 20 3 3 0 0 0
cpu1 400 5 245 5050 20 2 2 50 0 0
intr 124456 10 20 30
ctxt 9000
btime 1700000000
processes 1001
procs_running 2
procs_blocked 1
)";

TEST(SystemStat, ParsesProcStat) {
  const auto stat = parse_system_stat(stat_before);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->all.user, 1000u);
  EXPECT_EQ(stat->all.idle, 8000u);
  EXPECT_EQ(stat->all.iowait, 40u);
  ASSERT_EQ(stat->per_cpu.size(), 2u);
  EXPECT_EQ(stat->per_cpu[1].idle, 5000u);
  EXPECT_EQ(stat->interrupts, 123456u);
  EXPECT_EQ(stat->context_switches, 5000u);
  EXPECT_EQ(stat->runnable, 3u);
  EXPECT_FALSE(parse_system_stat("intr 1\n"));
  EXPECT_FALSE(parse_system_stat("cpu x y z\n"));
}

TEST(ProcessStat, ParsesACommandWithSpacesAndParentheses) {
  const char* line = "4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 "
                     "250 75 0 0 20 0 3 0 1000 100000 200 18446744073709551615 1 1 0 0 0 0 0 "
                     "0 0 0 0 0 17 1 0 0 0 0 0\n";
  const auto stat = parse_process_stat(line);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->user_ticks, 250u);
  EXPECT_EQ(stat->system_ticks, 75u);
  EXPECT_EQ(stat->last_cpu, 1);
  EXPECT_FALSE(parse_process_stat("4242 (short) S 1 2"));
}

TEST(CpuSample, ComputesVmstatColumns) {
  ProcSnapshot before{1.0, *parse_system_stat(stat_before), ProcessStat{100, 50, 0},
                      ProcessStat{10, 10, 1}};
  ProcSnapshot after{2.0, *parse_system_stat(stat_after), ProcessStat{160, 90, 1}, std::nullopt};
  const CpuSample s = compute_sample(before, after, 100);
  // 240 ticks in all: user +90, system +50, idle +50, steal +50.
  const double total = 90 + 50 + 50 + 50;
  EXPECT_DOUBLE_EQ(s.duration_seconds, 1.0);
  EXPECT_DOUBLE_EQ(s.user, 100 * 90 / total);
  EXPECT_DOUBLE_EQ(s.system, 100 * 50 / total);
  EXPECT_DOUBLE_EQ(s.idle, 100 * 50 / total);
  EXPECT_DOUBLE_EQ(s.steal, 100 * 50 / total);
  EXPECT_DOUBLE_EQ(s.busy, 100 - 100 * 50 / total);
  EXPECT_DOUBLE_EQ(s.busiest_cpu, 100.0); // cpu0 had no idle tick
  EXPECT_DOUBLE_EQ(s.context_switches_per_second, 4000);
  EXPECT_DOUBLE_EQ(s.interrupts_per_second, 1000);
  EXPECT_EQ(s.runnable, 2u);
  EXPECT_EQ(s.blocked, 1u);
  EXPECT_DOUBLE_EQ(s.client_cpu, 100.0); // 100 ticks in one second at 100 ticks/s
  EXPECT_EQ(s.client_last_cpu, 1);
  EXPECT_FALSE(s.server_cpu);
}

TEST(CpuSample, ForeignLoadIsBusyTimeOutsideTheProcessTree) {
  ProcSnapshot before{1.0, *parse_system_stat(stat_before), std::nullopt, std::nullopt, 1000};
  ProcSnapshot after{2.0, *parse_system_stat(stat_after), std::nullopt, std::nullopt, 1100};
  const CpuSample s = compute_sample(before, after, 100);
  // 240 ticks over 2 CPUs: 120 are one CPU's worth. 190 busy (steal included), 100 ours.
  EXPECT_DOUBLE_EQ(s.foreign_cpu, 100.0 * 90 / 120);
  EXPECT_DOUBLE_EQ(s.steal_cpu, 100.0 * 50 / 120);
  // The tree read more ticks than the machine's busy time (each counter is rounded to the
  // tick): a sample stays signed, so a cell's mean is not biased upwards (load.cpp clips it).
  after.tree_ticks = 1000 + 250;
  EXPECT_DOUBLE_EQ(compute_sample(before, after, 100).foreign_cpu, 100.0 * -60 / 120);
}

TEST(ProcessStat, ReadsTheReapedChildrensTicks) {
  const char* line = "4242 (x) S 1 4242 4242 0 -1 4194560 100 0 0 0 "
                     "250 75 30 12 20 0 3 0 1000 100000 200 18446744073709551615 1 1 0 0 0 0 0 "
                     "0 0 0 0 0 17 1 0 0 0 0 0\n";
  const auto stat = parse_process_stat(line);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->reaped_children_ticks, 42u);
}

TEST(ProcessTree, HoldsThisProcessAndItsChildren) {
  const auto tree = process_tree(getpid());
  ASSERT_FALSE(tree.empty());
  EXPECT_EQ(tree.front(), getpid());
  // The tree's ticks include this process's own, read just before.
  std::ifstream in("/proc/self/stat");
  const std::string self((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto own = parse_process_stat(self);
  ASSERT_TRUE(own);
  EXPECT_GE(tree_ticks(getpid(), 0), own->user_ticks + own->system_ticks);
}

TEST(CpuSampler, SamplesThisMachine) {
  CpuSampler sampler(std::chrono::milliseconds(10), 0, nullptr);
  sampler.mark(0);
  volatile double x = 0;
  for (int i = 0; i < 3000000; ++i) x = x + 1;
  sampler.mark(-1);
  sampler.stop();
  const auto samples = sampler.samples();
  ASSERT_GE(samples.size(), 2u);
  EXPECT_EQ(samples.back().run_index, -1);
  for (const auto& s : samples) {
    EXPECT_GE(s.busy, 0);
    EXPECT_LE(s.busy, 100.0001);
  }
}

TEST(Placement, ParsesAndFormatsCpuLists) {
  EXPECT_EQ(parse_cpu_list("3"), CpuList{3});
  EXPECT_EQ(parse_cpu_list("0-2+5"), (CpuList{0, 1, 2, 5}));
  EXPECT_EQ(parse_cpu_list("5+0-1+1"), (CpuList{0, 1, 5}));
  EXPECT_FALSE(parse_cpu_list(""));
  EXPECT_FALSE(parse_cpu_list("2-1"));
  EXPECT_FALSE(parse_cpu_list("a"));
  EXPECT_FALSE(parse_cpu_list("99999"));
  EXPECT_EQ(format_cpu_list({0, 1, 2, 5}), "0-2+5");
  EXPECT_EQ(format_cpu_list({1}), "1");
  EXPECT_EQ(format_cpu_list({}), "");
}

TEST(Placement, ParsesPin) {
  const auto both = parse_pin("client=0,server=1");
  ASSERT_TRUE(both.pin);
  EXPECT_EQ(both.pin->client, CpuList{0});
  EXPECT_EQ(both.pin->server, CpuList{1});
  const auto client_only = parse_pin("client=0-1");
  ASSERT_TRUE(client_only.pin);
  EXPECT_FALSE(client_only.pin->server);
  EXPECT_FALSE(parse_pin("cleint=0").pin);
  EXPECT_FALSE(parse_pin("client=x").pin);
  EXPECT_FALSE(parse_pin("").pin);
  EXPECT_NE(parse_pin("server=a").error.find("server=a"), std::string::npos);
}

TEST(Placement, DefaultPinPutsTheServerOnACpuOfItsOwn) {
  EXPECT_FALSE(default_pin({0}));
  EXPECT_FALSE(default_pin({}));
  const auto two = default_pin({0, 1});
  ASSERT_TRUE(two);
  EXPECT_EQ(two->client, CpuList{0});
  EXPECT_EQ(two->server, CpuList{1});
  EXPECT_EQ(format_pin(*two), "client=0,server=1");
  const auto four = default_pin({2, 3, 5, 7});
  ASSERT_TRUE(four);
  EXPECT_EQ(four->client, (CpuList{2, 3, 5}));
  EXPECT_EQ(four->server, CpuList{7});
}

TEST(Placement, ObservesThisProcess) {
  const Placement p = observe_placement(0, false);
  EXPECT_FALSE(p.client_cpus.empty());
  EXPECT_EQ(p.relation, "external");
  EXPECT_GE(p.client_last_cpu, 0);
}

} // namespace
} // namespace hcbench
