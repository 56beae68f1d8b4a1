// `hcbench report --merge`: the runs of several client hosts that ran the same options at the
// same time (`hcbench run --start-at T`, client/sync_schedule.h) combined into one result.
// Counts (requests, failures, connections, body bytes, CPU times, warm-up) are summed, latency
// histograms merged bucket by bucket (exact: stats/histogram.h), so the merged percentiles are
// those of all the hosts' requests together, never an average of percentiles. Requests/s are
// over the union of the hosts' measured windows (earliest start to latest end): it never
// overstates the aggregate rate, and with the windows overlapping >= 90% it differs from the
// rate over their intersection by at most that much. Each host's own cells are kept beside
// the aggregate, marked with its host label.
#pragma once

#include "hcbench/results/results.h"

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace hcbench {

// The runs cannot be merged (different settings or cells, the same host twice), and why.
struct MergeRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The windows of one cell on all hosts overlap at least this much (intersection over union);
// below it the merged cell is flagged: its hosts did not load the server at the same time.
inline constexpr double min_window_overlap = 0.9;

struct MergeInput {
  std::string source; // the file it came from, for messages
  RunResults results;
};

struct MergedRun {
  // The aggregate cells (host_label empty) in the hosts' table order, then every host's own
  // cells (host_label set, the label appended to their display name).
  RunResults results;
  std::vector<std::string> hosts; // labels, in input order
  std::vector<std::string> flags; // what a reader must know: windows that overlap too little
};

// Throws MergeRefused with the reason.
MergedRun merge_runs(const std::vector<MergeInput>& inputs);

// The intersection of the windows over their union, 0..1 (0 when they do not overlap or are
// unknown).
double window_overlap(const std::vector<std::pair<std::int64_t, std::int64_t>>& windows);

// The merged run as a results document (results_json.h) with a "merge" object: the hosts,
// their files and the flags.
nlohmann::json merged_to_json(const MergedRun& merged, const std::vector<std::string>& sources);

} // namespace hcbench
