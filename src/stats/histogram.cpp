#include "hcbench/stats/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace hcbench {

// Values below 2^b (b = sub_bucket_bits) are exact: magnitude 0, index = value. A larger value
// whose leading bit is bit t has magnitude m = t - b + 1 and falls in one of 2^b buckets of
// width 2^(m-1) chosen by the b bits after its leading one: index = m * 2^b + those bits.
std::size_t LatencyHistogram::index_of(std::uint64_t value) {
  if (value < sub_buckets) return static_cast<std::size_t>(value);
  const unsigned top_bit = 63u - static_cast<unsigned>(std::countl_zero(value));
  const unsigned magnitude = top_bit - sub_bucket_bits + 1;
  const std::uint64_t sub = (value >> (magnitude - 1)) & (sub_buckets - 1);
  return static_cast<std::size_t>(magnitude) * sub_buckets + static_cast<std::size_t>(sub);
}

std::uint64_t LatencyHistogram::upper_value(std::size_t index) {
  const std::uint64_t magnitude = index / sub_buckets;
  const std::uint64_t sub = index % sub_buckets;
  if (magnitude == 0) return sub;
  // The bucket holds values whose bits below the leading one and the sub_bucket_bits-1
  // following bits match: [base, base + 2^(magnitude-1)).
  const std::uint64_t base =
      (std::uint64_t{1} << (magnitude + sub_bucket_bits - 1)) | (sub << (magnitude - 1));
  return base + (std::uint64_t{1} << (magnitude - 1)) - 1;
}

void LatencyHistogram::record(std::uint64_t nanoseconds) {
  const std::uint64_t value = std::min(nanoseconds, max_trackable);
  ++counts_[index_of(value)];
  ++count_;
  sum_ += value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void LatencyHistogram::add_bucket(std::uint64_t value, std::uint64_t count) {
  if (count == 0) return;
  const std::uint64_t clamped = std::min(value, max_trackable);
  counts_[index_of(clamped)] += count;
  count_ += count;
  sum_ += clamped * count;
  min_ = std::min(min_, clamped);
  max_ = std::max(max_, clamped);
}

void LatencyHistogram::set_exact_totals(std::uint64_t sum, std::uint64_t min, std::uint64_t max) {
  if (count_ == 0) return;
  sum_ = sum;
  min_ = min;
  max_ = max;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  if (other.count_) {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
}

std::uint64_t LatencyHistogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(upper_value(i), max_);
  }
  return max_;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> LatencyHistogram::nonzero_buckets() const {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i]) out.emplace_back(upper_value(i), counts_[i]);
  }
  return out;
}

} // namespace hcbench
