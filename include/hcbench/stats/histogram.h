// The `stats` module: a latency histogram with bounded memory, independent of how many requests it
// records: log-linear buckets (HdrHistogram's layout) with 1/128 relative precision from 1 ns to
// about 18 minutes.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace hcbench {

class LatencyHistogram {
public:
  // Sub-buckets per power of two: values are kept within 1/sub_buckets of their true value.
  static constexpr unsigned sub_bucket_bits = 7;
  static constexpr unsigned sub_buckets = 1u << sub_bucket_bits;
  static constexpr unsigned magnitudes = 34; // up to 2^(34+7) ns
  static constexpr std::uint64_t max_trackable =
      (std::uint64_t{1} << (magnitudes + sub_bucket_bits)) - 1;

  void record(std::uint64_t nanoseconds);
  // Adds another histogram bucket by bucket. Exact: merging the histograms of any split of
  // the samples gives the histogram of all of them, so results from several processes or
  // hosts combine with no loss beyond the buckets' own precision.
  void merge(const LatencyHistogram& other);
  // Equal counts in every bucket and equal count, sum, min and max.
  bool operator==(const LatencyHistogram& other) const = default;

  std::uint64_t count() const { return count_; }
  std::uint64_t sum() const { return sum_; } // of the recorded values, exact
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const {
    return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0;
  }
  // The smallest recorded value v such that at least q (0..1) of the values are <= v,
  // reported as the upper edge of its bucket (never understated); 0 when empty.
  std::uint64_t quantile(double q) const;

  // Non-empty buckets as (bucket upper value, count) pairs, for JSON output and merging
  // results that come from another process (drivers report their own histograms).
  std::vector<std::pair<std::uint64_t, std::uint64_t>> nonzero_buckets() const;
  void add_bucket(std::uint64_t value, std::uint64_t count);
  // After add_bucket: the exact sum, min and max of the recorded values (which the buckets
  // alone give only to their precision), as a saved run keeps them, so that a histogram read
  // back equals the one written. Ignored when empty.
  void set_exact_totals(std::uint64_t sum, std::uint64_t min, std::uint64_t max);

private:
  static std::size_t index_of(std::uint64_t value);
  static std::uint64_t upper_value(std::size_t index);

  std::array<std::uint64_t, (magnitudes + 1) * sub_buckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = ~std::uint64_t{0};
  std::uint64_t max_ = 0;
};

} // namespace hcbench
