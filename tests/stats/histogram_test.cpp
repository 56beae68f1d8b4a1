// LatencyHistogram: recording, percentiles, bounds, and the exact merge that combining runs
// from several processes or hosts relies on.
#include "hcbench/stats/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace hcbench {
namespace {

// The q-quantile of the samples themselves, with the histogram's rank rule.
std::uint64_t exact_quantile(std::vector<std::uint64_t> values, double q) {
  std::sort(values.begin(), values.end());
  const auto rank = std::max<std::size_t>(
      1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size()))));
  return values[rank - 1];
}

std::vector<std::uint64_t> latencies(std::size_t n, unsigned seed) {
  // Log-uniform from 1 µs to 100 ms: every magnitude the histogram has to cover.
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> exponent(3, 8);
  std::vector<std::uint64_t> out;
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(static_cast<std::uint64_t>(std::pow(10.0, exponent(random))));
  return out;
}

constexpr double quantiles[] = {0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0};

TEST(LatencyHistogram, EmptyReportsZeros) {
  const LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.mean(), 0);
  EXPECT_EQ(h.quantile(0.5), 0u);
  EXPECT_TRUE(h.nonzero_buckets().empty());
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (std::uint64_t v = 0; v < LatencyHistogram::sub_buckets; ++v) h.record(v);
  EXPECT_EQ(h.count(), LatencyHistogram::sub_buckets);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.max(), LatencyHistogram::sub_buckets - 1);
  EXPECT_EQ(h.quantile(0.5), 63u);
  EXPECT_EQ(h.quantile(1.0), 127u);
  EXPECT_DOUBLE_EQ(h.mean(), 63.5);
}

TEST(LatencyHistogram, PercentilesAreNeverUnderstatedAndWithinPrecision) {
  const auto values = latencies(20000, 1);
  LatencyHistogram h;
  for (auto v : values) h.record(v);
  EXPECT_EQ(h.count(), values.size());
  EXPECT_EQ(h.min(), *std::min_element(values.begin(), values.end()));
  EXPECT_EQ(h.max(), *std::max_element(values.begin(), values.end()));
  for (double q : quantiles) {
    const auto exact = exact_quantile(values, q);
    const auto reported = h.quantile(q);
    EXPECT_GE(reported, exact) << q;
    EXPECT_LE(static_cast<double>(reported - exact),
              static_cast<double>(exact) / LatencyHistogram::sub_buckets)
        << q;
  }
}

TEST(LatencyHistogram, ValuesBeyondTheRangeAreClamped) {
  LatencyHistogram h;
  h.record(~std::uint64_t{0});
  EXPECT_EQ(h.max(), LatencyHistogram::max_trackable);
  EXPECT_EQ(h.quantile(1.0), LatencyHistogram::max_trackable);
  h.add_bucket(~std::uint64_t{0}, 2);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.max(), LatencyHistogram::max_trackable);
}

TEST(LatencyHistogram, SplitIntoPartsMergesBackExactly) {
  const auto values = latencies(9000, 2);
  LatencyHistogram whole;
  for (auto v : values) whole.record(v);
  for (std::size_t parts : {2u, 3u, 7u}) {
    std::vector<LatencyHistogram> split(parts);
    for (std::size_t i = 0; i < values.size(); ++i) split[i % parts].record(values[i]);
    LatencyHistogram merged;
    for (const auto& part : split) merged.merge(part);
    EXPECT_EQ(merged, whole) << parts << " parts";
    for (double q : quantiles) EXPECT_EQ(merged.quantile(q), whole.quantile(q)) << q;
    EXPECT_EQ(merged.mean(), whole.mean());
  }
}

TEST(LatencyHistogram, MergeWithAnEmptyOneChangesNothing) {
  LatencyHistogram h;
  for (auto v : latencies(100, 3)) h.record(v);
  const LatencyHistogram before = h;
  h.merge(LatencyHistogram{});
  EXPECT_EQ(h, before);
  LatencyHistogram empty;
  empty.merge(before);
  EXPECT_EQ(empty, before);
}

TEST(LatencyHistogram, PercentilesOfAMergeMatchTheUnionOfSamples) {
  // Two hosts with different latencies: the merged percentiles are those of all samples,
  // within the histogram's precision, not an average of the two hosts' percentiles.
  auto fast = latencies(5000, 4);
  std::vector<std::uint64_t> slow;
  for (auto v : latencies(1000, 5)) slow.push_back(v * 10);
  LatencyHistogram a, b;
  for (auto v : fast) a.record(v);
  for (auto v : slow) b.record(v);
  a.merge(b);
  auto all = fast;
  all.insert(all.end(), slow.begin(), slow.end());
  EXPECT_EQ(a.count(), all.size());
  for (double q : quantiles) {
    const auto exact = exact_quantile(all, q);
    EXPECT_GE(a.quantile(q), exact) << q;
    EXPECT_LE(static_cast<double>(a.quantile(q) - exact),
              static_cast<double>(exact) / LatencyHistogram::sub_buckets)
        << q;
  }
}

TEST(LatencyHistogram, BucketsRoundTripThroughTheirListing) {
  LatencyHistogram h;
  for (auto v : latencies(3000, 6)) h.record(v);
  LatencyHistogram copy;
  for (const auto& [value, count] : h.nonzero_buckets()) copy.add_bucket(value, count);
  EXPECT_EQ(copy.nonzero_buckets(), h.nonzero_buckets());
  EXPECT_EQ(copy.count(), h.count());
  for (double q : {0.5, 0.9, 0.99}) EXPECT_EQ(copy.quantile(q), h.quantile(q)) << q;
}

} // namespace
} // namespace hcbench
