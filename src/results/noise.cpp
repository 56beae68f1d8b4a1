#include "hcbench/results/noise.h"

#include <algorithm>
#include <cmath>

namespace hcbench {

void CompletionMarks::add(double seconds) {
  ++count_;
  if (count_ % stride_ != 0) return;
  marks_.push_back(seconds);
  if (marks_.size() < max_marks) return;
  // Keep the marks at even multiples of the stride, then double it.
  std::size_t kept = 0;
  for (std::size_t i = 1; i < marks_.size(); i += 2) marks_[kept++] = marks_[i];
  marks_.resize(kept);
  stride_ *= 2;
}

std::vector<double> CompletionMarks::slice_rates(std::size_t slices) const {
  const std::size_t marks = marks_.size();
  slices = std::min<std::size_t>(slices, count_ / min_requests_per_slice);
  slices = std::min(slices, marks);
  std::vector<double> rates;
  if (slices < 2) return rates;
  // Completions past the last mark (fewer than one stride) are left out.
  std::size_t previous = 0; // marks consumed so far
  double previous_time = 0;
  for (std::size_t j = 0; j < slices; ++j) {
    const std::size_t end = (j + 1) * marks / slices;
    const double end_time = marks_[end - 1];
    const double requests = static_cast<double>((end - previous) * stride_);
    const double seconds = end_time - previous_time;
    // Completions at the same clock reading: the slice is too short to time.
    if (seconds <= 0) return {};
    rates.push_back(requests / seconds);
    previous = end;
    previous_time = end_time;
  }
  return rates;
}

std::vector<double> slice_rates_from_latencies(std::span<const std::uint64_t> latencies_ns,
                                               unsigned concurrency) {
  CompletionMarks marks;
  const double share = 1e-9 / std::max(1u, concurrency);
  double elapsed = 0;
  for (const auto latency : latencies_ns) {
    elapsed += static_cast<double>(latency) * share;
    marks.add(elapsed);
  }
  return marks.slice_rates();
}

std::optional<double> coefficient_of_variation(std::span<const double> values) {
  if (values.size() < 2) return std::nullopt;
  double sum = 0;
  for (double v : values) sum += v;
  const double mean = sum / static_cast<double>(values.size());
  if (mean <= 0) return std::nullopt;
  double squares = 0;
  for (double v : values) squares += (v - mean) * (v - mean);
  return std::sqrt(squares / static_cast<double>(values.size())) / mean;
}

double floor_noise(std::optional<double> row_cv, std::optional<double> floor_cv) {
  return std::max(min_floor_noise, row_cv.value_or(0) + floor_cv.value_or(0));
}

} // namespace hcbench
