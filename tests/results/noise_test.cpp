// The three noise flags on synthetic samples: foreign load, slice spread (unstable), and a
// row beating its floor; and how the run's table shows them, and does not on a quiet run.
#include "hcbench/results/noise.h"

#include "hcbench/results/load.h"
#include "hcbench/results/results_json.h"
#include "hcbench/results/run_table.h"
#include "sample_run.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hcbench {
namespace {

using testing_results::sample_results;

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

CpuSample sample(double duration, double foreign, double steal = 0) {
  CpuSample s;
  s.duration_seconds = duration;
  s.foreign_cpu = foreign;
  s.steal_cpu = steal;
  return s;
}

TEST(ForeignLoad, FlagsACellWhoseMachineWasBusyElsewhere) {
  // 0.9 s at 2% and 0.1 s at 50%: 6.8% on average, below the 10% threshold.
  const std::vector<CpuSample> quiet = {sample(0.9, 2), sample(0.1, 50)};
  const LoadSummary q = summarize_load(quiet, 0.05);
  EXPECT_NEAR(q.mean_foreign_cpu, 6.8, 1e-9);
  EXPECT_FALSE(q.foreign_load);
  // Half the window at 30%: 16%, flagged; steal is part of it and kept apart too.
  const std::vector<CpuSample> busy = {sample(0.5, 2), sample(0.5, 30, 20)};
  const LoadSummary b = summarize_load(busy, 0.05);
  EXPECT_NEAR(b.mean_foreign_cpu, 16, 1e-9);
  EXPECT_NEAR(b.mean_steal_cpu, 10, 1e-9);
  EXPECT_TRUE(b.foreign_load);
}

TEST(ForeignLoad, TickRoundingOfAShortCellIsNotForeignLoad) {
  // A quiet 0.25 s cell read to the tick: samples a little above and below zero. Averaged
  // signed they cancel; clipped one by one they would read as 10% of a CPU.
  const std::vector<CpuSample> rounding = {sample(0.05, 20), sample(0.05, -20), sample(0.05, 20),
                                           sample(0.05, -20), sample(0.05, 10)};
  const LoadSummary r = summarize_load(rounding, 0.01, foreign_uncertainty_cpu_seconds(2, 100));
  EXPECT_NEAR(r.mean_foreign_cpu, 2, 1e-9);
  EXPECT_NEAR(r.foreign_resolution, 16, 1e-9) << "4 ticks of 10 ms over 0.25 s";
  EXPECT_FALSE(r.foreign_load);
  // 20% over the same 0.25 s is within the resolution of its counters...
  const std::vector<CpuSample> short_busy = {sample(0.25, 20)};
  EXPECT_FALSE(
      summarize_load(short_busy, 0.01, foreign_uncertainty_cpu_seconds(2, 100)).foreign_load);
  // ...and is foreign load over 2 s, where the counters' 40 ms make 2% of a CPU.
  const std::vector<CpuSample> long_busy = {sample(2, 20)};
  const LoadSummary l = summarize_load(long_busy, 0.01, foreign_uncertainty_cpu_seconds(2, 100));
  EXPECT_NEAR(l.foreign_resolution, 2, 1e-9);
  EXPECT_TRUE(l.foreign_load);
  // Never below zero, whatever the rounding.
  const std::vector<CpuSample> below = {sample(0.1, -30)};
  EXPECT_EQ(summarize_load(below, 0.01).mean_foreign_cpu, 0);
}

TEST(NoiseFlags, ACellIsJudgedByItsMedianRun) {
  // Three runs of one cell; the table shows their median, so the flags judge that run: one
  // disturbed run of three shows in the min-max spread, two flag the cell.
  auto run = [](bool foreign, std::vector<double> slices) {
    CellRun r = testing_results::run_with(0.1, 1000, 1);
    r.load.foreign_load = foreign;
    r.load.mean_foreign_cpu = foreign ? 40 : 1;
    r.measurement.slice_rps = std::move(slices);
    return r;
  };
  const std::vector<double> steady = {100, 101, 99, 100}, migrating = {100, 40, 100, 40};
  CellResult cell;
  cell.runs = {run(false, steady), run(true, migrating), run(false, steady)};
  CellSummary s = summarize_cell(cell);
  EXPECT_FALSE(s.foreign_load);
  EXPECT_FALSE(s.unstable);
  EXPECT_NEAR(s.foreign_cpu, 1, 1e-9);
  cell.runs[2] = run(true, migrating);
  s = summarize_cell(cell);
  EXPECT_TRUE(s.foreign_load);
  EXPECT_TRUE(s.unstable);
  EXPECT_NEAR(s.foreign_cpu, 40, 1e-9);
}

TEST(SliceSpread, SteadyRequestsAreStable) {
  CompletionMarks marks;
  for (int i = 1; i <= 1000; ++i) marks.add(i * 0.001);
  const auto rates = marks.slice_rates();
  ASSERT_EQ(rates.size(), window_slices);
  for (double r : rates) EXPECT_NEAR(r, 1000, 1e-6);
  EXPECT_NEAR(*coefficient_of_variation(rates), 0, 1e-9);
}

TEST(SliceSpread, AStallInTheWindowMakesItUnstable) {
  // 1000 requests at 1 ms each, except requests 500-699 at 3 ms: two slices at a third of
  // the rate.
  CompletionMarks marks;
  double t = 0;
  for (int i = 0; i < 1000; ++i) marks.add(t += (i >= 500 && i < 700) ? 0.003 : 0.001);
  const auto rates = marks.slice_rates();
  ASSERT_EQ(rates.size(), 10u);
  EXPECT_NEAR(rates[5], 1000.0 / 3, 1e-6);
  EXPECT_NEAR(rates[6], 1000.0 / 3, 1e-6);
  const auto cv = coefficient_of_variation(rates);
  ASSERT_TRUE(cv);
  EXPECT_GT(*cv, unstable_threshold);

  // The same through a cell's summary, and the flag.
  CellResult cell;
  CellRun run = testing_results::run_with(1.2, 1000, 1);
  run.measurement.slice_rps = rates;
  cell.runs.push_back(run);
  const CellSummary s = summarize_cell(cell);
  ASSERT_TRUE(s.slice_cv);
  EXPECT_NEAR(*s.slice_cv, *cv, 1e-12);
  EXPECT_TRUE(s.unstable);
}

TEST(SliceSpread, FewRequestsGiveFewerSlicesOrNone) {
  CompletionMarks marks;
  for (int i = 1; i <= 39; ++i) marks.add(i * 0.001);
  EXPECT_TRUE(marks.slice_rates().empty()) << "39 requests: not two slices of 20";
  marks.add(0.040);
  EXPECT_EQ(marks.slice_rates().size(), 2u);
}

TEST(SliceSpread, LongWindowsStayBoundedAndExact) {
  // A million steady requests: the marks thin out, the slices stay exact.
  CompletionMarks marks;
  for (int i = 1; i <= 1'000'000; ++i) marks.add(i * 1e-6);
  EXPECT_EQ(marks.count(), 1'000'000u);
  const auto rates = marks.slice_rates();
  ASSERT_EQ(rates.size(), 10u);
  for (double r : rates) EXPECT_NEAR(r, 1e6, 1e6 * 0.01);
}

TEST(SliceSpread, DriverLatenciesInOrder) {
  std::vector<std::uint64_t> steady(400, 100'000); // 100 µs each
  const auto rates = slice_rates_from_latencies(steady, 1);
  ASSERT_EQ(rates.size(), 10u);
  EXPECT_NEAR(rates[0], 10'000, 1e-6);
  // Concurrency scales every slice alike: the spread is the same.
  std::vector<std::uint64_t> uneven = steady;
  for (std::size_t i = 0; i < 80; ++i) uneven[i] = 400'000;
  const auto one = coefficient_of_variation(slice_rates_from_latencies(uneven, 1));
  const auto four = coefficient_of_variation(slice_rates_from_latencies(uneven, 4));
  ASSERT_TRUE(one && four);
  EXPECT_NEAR(*one, *four, 1e-9);
  EXPECT_GT(*one, unstable_threshold);
}

// The sample run's floor does 10,000 requests/s; its rows 5,000 (HTTP) and 2,000 (HTTPS).
CellResult& cell_of(RunResults& results, const std::string& row, const std::string& protocol) {
  for (auto& cell : results.cells) {
    if (cell.row_id == row && cell.protocol == protocol) return cell;
  }
  throw std::runtime_error("no such cell");
}

TEST(FloorBeaten, ARowFasterThanItsFloorMeansTheFloorWasDisturbed) {
  RunResults results = sample_results();
  const auto& row = cell_of(results, "curl.reuse-handle.discard-body", "http");
  const auto& floor = cell_of(results, "floor.raw-socket", "http");
  EXPECT_FALSE(results.beats_floor(row));
  EXPECT_FALSE(results.floor_disturbed(floor));

  // Disturb the floor: 100 requests in 0.04 s, 2,500/s, slower than the row's 5,000.
  cell_of(results, "floor.raw-socket", "http").runs[0].measurement.wall_seconds = 0.04;
  EXPECT_TRUE(results.beats_floor(row));
  EXPECT_TRUE(results.floor_disturbed(floor));
  EXPECT_FALSE(results.beats_floor(cell_of(results, "curl.reuse-handle.discard-body", "https")))
      << "2,000/s does not beat 2,500/s";
  EXPECT_NEAR(*results.floor_ratio(row), 2.0, 1e-9);

  // Re-measured at the end at 10,000/s: the better figure is used, both are kept, and the
  // row no longer beats it; the floor stays marked as disturbed.
  cell_of(results, "floor.raw-socket", "http")
      .floor_remeasured.push_back(testing_results::run_with(0.01, 100, 1024));
  const auto figure = results.floor_figure(floor);
  ASSERT_TRUE(figure && figure->remeasured);
  EXPECT_NEAR(figure->first, 2500, 1e-9);
  EXPECT_NEAR(*figure->remeasured, 10000, 1e-9);
  EXPECT_NEAR(*results.floor_ratio(row), 0.5, 1e-9);
  EXPECT_FALSE(results.beats_floor(row));
  EXPECT_TRUE(results.floor_disturbed(floor));

  const auto json = results_to_json(results);
  const auto& saved_floor = json["cells"][floor.index];
  EXPECT_EQ(saved_floor["summary"]["floor_disturbed"], true);
  EXPECT_NEAR(saved_floor["summary"]["floor_first_rps"].get<double>(), 2500, 1e-9);
  EXPECT_NEAR(saved_floor["summary"]["floor_remeasured_rps"].get<double>(), 10000, 1e-9);
  EXPECT_EQ(saved_floor["floor_remeasured_runs"].size(), 1u);
}

TEST(FloorBeaten, WithinTheNoiseIsNotBeaten) {
  RunResults results = sample_results();
  // The floor at 4,900/s against the row's 5,000: 2% faster, inside the 5% minimum noise.
  cell_of(results, "floor.raw-socket", "http").runs[0].measurement.wall_seconds = 100 / 4900.0;
  EXPECT_FALSE(results.beats_floor(cell_of(results, "curl.reuse-handle.discard-body", "http")));
  // Noisy slices widen it: 4,000/s with both cells' slices varying 15%.
  cell_of(results, "floor.raw-socket", "http").runs[0].measurement.wall_seconds = 100 / 4000.0;
  EXPECT_TRUE(results.beats_floor(cell_of(results, "curl.reuse-handle.discard-body", "http")));
  for (auto* cell : {&cell_of(results, "floor.raw-socket", "http"),
                     &cell_of(results, "curl.reuse-handle.discard-body", "http")}) {
    cell->runs[0].measurement.slice_rps = {85, 115, 85, 115};
  }
  EXPECT_NEAR(floor_noise(0.15, 0.15), 0.3, 1e-12);
  EXPECT_FALSE(results.beats_floor(cell_of(results, "curl.reuse-handle.discard-body", "http")));
}

TEST(NoiseFlags, TheTableShowsEachFlagWithItsLegendAndAQuietRunShowsNone) {
  RunResults quiet = sample_results();
  quiet.machine_check = MachineCheck{1.0, 3, 0, true};
  const std::string calm = markdown_report(quiet);
  for (const char* mark : {"◆", "≈", "▲", "not quiet"}) {
    EXPECT_EQ(calm.find(mark), std::string::npos) << mark << "\n" << calm;
  }
  EXPECT_EQ(cells_csv(run_table(quiet)).find("foreign_load"), std::string::npos);

  RunResults busy = sample_results();
  busy.machine_check = MachineCheck{1.0, 45, 0, false};
  cell_of(busy, "curl.forbid-reuse.save-body", "http").runs[0].load.foreign_load = true;
  cell_of(busy, "curl.forbid-reuse.save-body", "http").runs[0].load.mean_foreign_cpu = 37;
  cell_of(busy, "curl.forbid-reuse.save-body", "https").runs[0].measurement.slice_rps = {100, 50,
                                                                                         100, 50};
  cell_of(busy, "floor.raw-socket", "http").runs[0].measurement.wall_seconds = 0.04;
  const std::string md = markdown_report(busy);
  EXPECT_NE(md.find("not quiet: other processes used 45%"), std::string::npos) << md;
  EXPECT_NE(md.find("other processes used 37% of a CPU during the cell"), std::string::npos) << md;
  EXPECT_NE(md.find("varied 33% (CV)"), std::string::npos) << md;
  EXPECT_NE(md.find("faster than the raw-socket floor"), std::string::npos) << md;
  EXPECT_NE(md.find("disturbed (a row beat it)"), std::string::npos) << md;
  // One legend line per kind of flag shown.
  EXPECT_EQ(count_of(md, "◆ foreign load:"), 1u) << md;
  EXPECT_EQ(count_of(md, "≈ unstable:"), 1u) << md;
  EXPECT_EQ(count_of(md, "▲ a row faster than its floor"), 1u) << md;

  // The flat outputs and the saved run say the same, and the saved run reads back the same.
  const std::string csv = cells_csv(run_table(busy));
  EXPECT_NE(csv.find("foreign_load"), std::string::npos);
  EXPECT_NE(csv.find("unstable"), std::string::npos);
  EXPECT_NE(csv.find("beats_floor"), std::string::npos);
  EXPECT_NE(csv.find("floor_disturbed"), std::string::npos);
  const auto document = results_to_json(busy);
  EXPECT_EQ(document["machine_check"]["quiet"], false);
  EXPECT_EQ(markdown_table(read_run_table(document)), md);
}

} // namespace
} // namespace hcbench
