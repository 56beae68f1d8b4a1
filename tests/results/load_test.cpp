// A cell's load summary from the CPU samples taken while it ran.
#include "hcbench/results/load.h"

#include <gtest/gtest.h>

#include <vector>

namespace hcbench {
namespace {

TEST(LoadSummary, WeighsByDurationAndIgnoresSliversInMaxima) {
  std::vector<CpuSample> samples(3);
  samples[0].duration_seconds = 0.1;
  samples[0].busy = 50;
  samples[0].busiest_cpu = 60;
  samples[0].client_cpu = 40;
  samples[1].duration_seconds = 0.3;
  samples[1].busy = 70;
  samples[1].busiest_cpu = 90;
  samples[1].client_cpu = 80;
  samples[1].server_cpu = 20;
  samples[2].duration_seconds = 0.001; // a sliver at the cell's end: 1 tick reads as 100%
  samples[2].busy = 100;
  samples[2].busiest_cpu = 100;
  const LoadSummary load = summarize_load(samples, 0.05);
  EXPECT_EQ(load.samples, 3u);
  EXPECT_NEAR(load.mean_busy, (50 * 0.1 + 70 * 0.3 + 100 * 0.001) / 0.401, 1e-9);
  EXPECT_DOUBLE_EQ(load.max_busy, 70);
  EXPECT_DOUBLE_EQ(load.max_cpu_busy, 90);
  EXPECT_FALSE(load.saturated);
  ASSERT_TRUE(load.mean_server_cpu);
  EXPECT_DOUBLE_EQ(*load.mean_server_cpu, 20);
  samples[1].busiest_cpu = 96;
  EXPECT_TRUE(summarize_load(samples, 0.05).saturated);
}

} // namespace
} // namespace hcbench
