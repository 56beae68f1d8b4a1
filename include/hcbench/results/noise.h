// When a number cannot be trusted: the three flags a cell can carry and the figures behind
// them (docs/run.md, "Flags"). Pure functions over plain data:
// - foreign load: CPU used during the cell by processes other than the client and the
//   server (steal time included), from the sampler's readings (load.h);
// - unstable: the measured window cut into slices by request count, and the coefficient of
//   variation of their requests/s;
// - beats its floor: a sequential row faster than the raw-socket floor by more than the
//   noise means the floor cell was disturbed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace hcbench {

// Other processes using this much of one CPU (in %) during a cell flag it: at 10% the
// client or the server loses about one time slice in ten to them.
inline constexpr double foreign_load_threshold_percent = 10;
// Slices whose requests/s vary more than this (coefficient of variation) flag the cell as
// unstable. Measured on a quiet 2-CPU VM (docs/run.md, "Flags"): pinned cells of 2,000
// requests (200 per slice) read 0.04-0.23, unpinned cells that migrated between one core
// and two 0.43-0.70.
inline constexpr double unstable_threshold = 0.25;
// A measured window is cut into this many slices by request count...
inline constexpr std::size_t window_slices = 10;
// ...but a slice holds at least this many requests; fewer slices otherwise (none below two).
inline constexpr std::uint64_t min_requests_per_slice = 20;
// A row beats its floor when its requests/s exceed the floor's by more than the noise: the
// two cells' slice spreads added, and never less than this.
inline constexpr double min_floor_noise = 0.05;

// Completion times of the measured requests, kept in bounded memory: every completion while
// few, then every 2nd, 4th, ... (the stride doubles whenever the marks fill up), so slices by
// request count stay exact to one stride whatever the cell's length.
class CompletionMarks {
public:
  // One more successful measured request, completed `seconds` after the window opened.
  void add(double seconds);
  std::uint64_t count() const { return count_; }
  // Requests/s of each of up to `slices` consecutive slices of equal request counts; empty
  // when there are too few requests for two slices of min_requests_per_slice.
  std::vector<double> slice_rates(std::size_t slices = window_slices) const;

private:
  static constexpr std::size_t max_marks = 4096;
  std::uint64_t count_ = 0;
  std::uint64_t stride_ = 1;
  std::vector<double> marks_; // marks_[i]: the time of completion (i + 1) * stride_
};

// The slices of a driver's per-request latencies, in the order it made the requests: each
// request's latency over `concurrency` stands for its share of the wall time (Little's law),
// which scales every slice alike and so leaves the coefficient of variation exact for
// sequential rows and close for concurrent ones.
std::vector<double> slice_rates_from_latencies(std::span<const std::uint64_t> latencies_ns,
                                               unsigned concurrency);

// Standard deviation over mean; nothing for fewer than two values or a zero mean.
std::optional<double> coefficient_of_variation(std::span<const double> values);

// How much a row's requests/s must exceed its floor's to count as beating it.
double floor_noise(std::optional<double> row_cv, std::optional<double> floor_cv);

} // namespace hcbench
