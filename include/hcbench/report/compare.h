// `hcbench report BASE.json NEW.json`: two runs compared cell by cell, with a verdict a user
// can trust. A difference counts only when it is larger than the runs' own spread: with at
// least 3 runs on each side (--repeat 3), when the ranges of the two sides do not overlap
// (every new run beyond every base run: by noise alone that happens 1 time in 20 per
// direction for 3 runs each) and the medians differ by at least min_flagged_change. With
// fewer runs there is no spread to judge by, so only a change beyond single_run_threshold
// counts (and, with 2 runs each, ranges that do not overlap), and the output says so.
// Requests/s must also change by more than the two cells' slice spreads added (the spread
// within each measured window), and a cell flagged on either side (foreign load, unstable,
// beats or is a disturbed floor) gets no verdict at all: its figures are shown, marked.
#pragma once

#include "hcbench/report/report_model.h"

#include <string>
#include <vector>

namespace hcbench {

// Differences smaller than this are never flagged, however consistent (a 0.5% shift is
// not worth a user's attention).
inline constexpr double min_flagged_change = 0.02;
// With a single run on either side: the change that counts without a measured spread.
inline constexpr double single_run_threshold = 0.10;

enum class Change {
  none,         // within the runs' own spread
  better,       // significant, in the good direction
  worse,        // significant, in the bad direction (a regression)
  not_compared, // a side has no figure (error, skipped, not measured)
  flagged,      // a side's cell carries a noise flag (results/noise.h): no verdict either way
};
std::string_view change_name(Change change);

struct FigureComparison {
  double base = 0; // medians
  double next = 0;
  double ratio = 0;              // next / base
  bool judged_by_spread = false; // both sides had at least 3 runs
  Change change = Change::not_compared;
};

struct CellComparison {
  std::string key;
  std::string display_name;
  std::string protocol;
  std::string path;
  unsigned concurrency = 1;
  FigureComparison rps;    // higher is better
  FigureComparison cpu_us; // lower is better
  FigureComparison p99_us; // lower is better
  std::string note;        // why a side was not compared
};

struct Comparison {
  std::string base_source, next_source;
  std::string base_caption, next_caption;
  std::vector<CellComparison> cells;     // in the new run's order
  std::vector<std::string> only_in_base; // cell descriptions
  std::vector<std::string> only_in_next;

  std::size_t regressions() const; // cells whose RPS, CPU or p99 got worse
};

// Compares one figure: `higher_is_better` says which direction is a regression. A change
// must also exceed `within_noise` (relative): the spread inside the cells themselves, which
// a single run per side has even when there are no runs to compare.
FigureComparison compare_figure(const Figure& base, const Figure& next, bool higher_is_better,
                                double within_noise = 0);

Comparison compare_runs(const ReportRun& base, const ReportRun& next);

std::string comparison_output(const Comparison& comparison, ReportFormat format);

} // namespace hcbench
