// Which side of a cell was the limit: the client (what a cell should measure), the server (the
// figure then measures hcbench serve, not the client), both, or neither (a round-trip-bound
// cell: a sequential client waits on the network path and the scheduler, neither side busy).
// Judged per run from each side's mean CPU against the CPUs it may use (docs/run.md,
// "Which side was the limit").
#pragma once

#include <optional>
#include <string_view>

namespace hcbench {

enum class Limit {
  neither, // no side saturated: the round trip (latency) bounds the cell
  client,  // the client used >= limit_threshold of the CPUs it may use
  server,  // the server did: the figure measures the server
  both,
};

std::string_view limit_name(Limit limit);
std::optional<Limit> parse_limit(std::string_view name);

// A side is saturated when its mean CPU over the window reaches this share of the CPUs it
// may use: a 100 Hz tick count over a window of a second or two is a few per cent off, and a
// process that never waits still loses some time to the other side's wake-ups.
inline constexpr double limit_threshold = 0.9;
// The server's CPU comes from /proc in ticks of 10 ms: a shorter window than this reads it
// too coarsely (a 40 ms cell can only read 0, 25, 50, 75 or 100%) to judge.
inline constexpr double min_judged_window_seconds = 0.25;

// What the verdict is judged from, CPU in % of one CPU (200 = two CPUs busy).
struct LimitInputs {
  double client_cpu = 0;
  // CPUs the client may use: its affinity, and at most one per request in flight (a closed-loop
  // client with N requests in flight has at most N requests' work to do at once).
  unsigned client_cpus = 1;
  std::optional<double> server_cpu; // nothing when the server is external (not observed)
  // CPUs the server may use: its affinity, at most one per event loop (--threads).
  unsigned server_cpus = 1;
};

struct LimitVerdict {
  Limit limit = Limit::neither;
  LimitInputs inputs;
};

LimitVerdict judge_limit(const LimitInputs& inputs);

// The verdict of several runs of one cell: a side is the limit if it was in any run (as a
// saturated CPU in any run flags the cell), with the busiest run's figures of each side.
LimitVerdict combine_limits(const LimitVerdict& a, const LimitVerdict& b);

} // namespace hcbench
