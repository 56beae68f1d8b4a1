#include "hcbench/report/compare.h"
#include "hcbench/report/report_charts.h"
#include "hcbench/results/results_json.h"
#include "hcbench/results/run_table.h"

#include "results_fixture.h"
#include "svg_xml.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace hcbench {
namespace {

using namespace testing_results;
using testing_svg::parse_svg;

std::size_t count_lines_with(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  std::size_t at = 0;
  while ((at = text.find(needle, at)) != std::string::npos) {
    ++n;
    at += needle.size();
  }
  return n;
}

TEST(Report, RejectsWhatIsNotARunResult) {
  EXPECT_THROW(read_report_run(nlohmann::json::array()), ReportInputError);
  EXPECT_THROW(
      read_report_run({{"schema", "something-else/1"}, {"cells", nlohmann::json::array()}}),
      ReportInputError);
  EXPECT_THROW(read_report_run({{"schema", "hcbench-results/1"}}), ReportInputError);
  EXPECT_THROW(load_report_run("/nonexistent/results.json"), ReportInputError);
}

TEST(Report, MarkdownHasTheOriginalRowsWithHttpAndHttpsColumns) {
  auto cells = original_full_rows();
  cells.push_back({"python.httpx.client",
                   "httpx, reuse cnxns: True,  options: Client",
                   "https",
                   1024,
                   {},
                   "skipped",
                   "Python module 'httpx' is not installed"});
  // The table of a saved run is read from the document's summaries (results_json.h).
  const auto md = markdown_table(read_run_table(document(cells)));
  EXPECT_NE(md.find("### /length/1024 (1024 bytes), concurrency 1"), std::string::npos) << md;
  EXPECT_NE(md.find("| Request Type | RPS HTTP | RPS HTTPS |"), std::string::npos) << md;
  for (const auto& c : original_full_rows()) {
    EXPECT_EQ(count_lines_with(md, "| " + c.display_name + " |"), 1u) << c.display_name;
  }
  EXPECT_NE(md.find("| requests, reuse cnxns: False,  options: Default | 557.3 (551.7–562.9) | "
                    "146.3 (144.8–147.8) |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("skipped"), std::string::npos);
  EXPECT_NE(md.find("Python module 'httpx' is not installed"), std::string::npos);
  EXPECT_NE(md.find("hcbench 0.1.0"), std::string::npos) << "the caption names the run";
}

TEST(Report, CsvAndJsonHaveOneRecordPerCell) {
  const auto table = read_run_table(document(original_full_rows()));
  const auto csv = cells_csv(table);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 1 + 16);
  EXPECT_TRUE(csv.starts_with("Request Type,row_id,protocol,path,size"));
  EXPECT_NE(csv.find("\"pycurl, reuse cnxns: True,  options: Reuse handle, don't save body\","
                     "python.pycurl.reuse-handle.discard-body,http,/length/1024,1024,1,ok,3"),
            std::string::npos)
      << csv;
  const auto json = nlohmann::json::parse(cells_json(table, "base.json"));
  EXPECT_EQ(json["cells"].size(), 16u);
  EXPECT_DOUBLE_EQ(json["cells"][0]["rps"]["median"].get<double>(), 557.3);
}

TEST(Report, FullRunChartsHaveHttpAndHttpsSeries) {
  const auto run = read_report_run(document(original_full_rows()));
  const auto charts = run_charts(run);
  std::vector<std::string> names;
  for (const auto& c : charts) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"rps-length-1024.svg", "cpu-length-1024.svg",
                                             "latency-http-length-1024.svg",
                                             "latency-https-length-1024.svg"}));
  for (const auto& chart : charts) {
    const auto svg = parse_svg(chart.svg);
    ASSERT_TRUE(svg.well_formed) << chart.name << ": " << svg.error;
    EXPECT_TRUE(svg.has_text("hcbench 0.1.0")) << chart.name << " has the run in its caption";
    EXPECT_TRUE(svg.has_text("urllib, reuse cnxns: False,  options: Default")) << chart.name;
  }
  const auto rps = parse_svg(charts[0].svg);
  EXPECT_EQ(rps.attribute_values("g", "data-name"), (std::vector<std::string>{"HTTP", "HTTPS"}));
  EXPECT_TRUE(rps.has_text("Loopback: Client Benchmarks (1000 x 1 KiB requests)"));
  EXPECT_TRUE(rps.has_text("Requests per second (higher is better)"));
  EXPECT_EQ(parse_svg(charts[2].svg).attribute_values("g", "data-name"),
            (std::vector<std::string>{"p50", "p90", "p99", "p99.9"}));
}

TEST(Report, SizeRunChartsHaveOneLinePerClientAndProtocol) {
  std::vector<CellSpecification> cells;
  for (std::uint64_t size : {4, 512, 1024, 65536, 131072}) {
    for (const char* protocol : {"http", "https"}) {
      const double slow = 2000.0 / (1 + static_cast<double>(size) / 50000);
      cells.push_back({"python.requests.no-reuse",
                       "requests, reuse cnxns: False,  options: Default",
                       protocol,
                       size,
                       {slow / 2}});
      cells.push_back({"python.pycurl.forbid-reuse.save-body",
                       "pycurl, reuse cnxns: False,  options: Reuse handle, save response to new "
                       "cStringIO buffer",
                       protocol,
                       size,
                       {slow}});
    }
  }
  const auto run = read_report_run(document(cells, "size", 1));
  const auto charts = run_charts(run);
  for (const char* name :
       {"size-rps.svg", "size-throughput.svg", "size-cpu.svg", "size-latency-p50.svg"}) {
    const auto found =
        std::find_if(charts.begin(), charts.end(), [&](const auto& c) { return c.name == name; });
    ASSERT_NE(found, charts.end()) << name;
    const auto svg = parse_svg(found->svg);
    ASSERT_TRUE(svg.well_formed) << svg.error;
    EXPECT_EQ(svg.attribute_values("g", "data-name").size(), 4u) << name;
    EXPECT_TRUE(svg.has_text("requests, reuse cnxns: False,  options: Default (HTTPS)")) << name;
    EXPECT_TRUE(svg.has_text("Response size (bytes, log scale)")) << name;
    EXPECT_TRUE(svg.has_text("128 KiB")) << name;
  }
  EXPECT_EQ(charts.size(), 4u) << "a size sweep is drawn against size, not per size";
}

// A run of two rows over HTTP at each concurrency level in `levels` (closed loop), and at each
// rate in `rates` (open loop, at concurrency 8).
nlohmann::json sweep_document(const std::vector<unsigned>& levels,
                              const std::vector<double>& rates = {}) {
  std::vector<CellSpecification> cells;
  std::vector<unsigned> concurrency;
  std::vector<double> rate;
  const auto add = [&](unsigned level, double r) {
    cells.push_back({"native.multi", "libcurl multi", "http", 1024, {1000.0 * level}});
    cells.push_back({"floor", "raw socket floor", "http", 1024, {3000.0 * level}});
    for (int i = 0; i < 2; ++i) {
      concurrency.push_back(level);
      rate.push_back(r);
    }
  };
  for (unsigned level : levels) add(level, 0);
  for (double r : rates) add(8, r);
  auto doc = document(cells, "full", 1);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    doc["cells"][i]["concurrency"] = concurrency[i];
    if (rate[i] > 0) doc["cells"][i]["rate"] = rate[i];
  }
  return doc;
}

TEST(Report, ConcurrencySweepChartsHaveOneLinePerClientAgainstConcurrency) {
  const auto charts = run_charts(read_report_run(sweep_document({1, 8, 64})));
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"concurrency-rps-http-length-1024.svg", "Requests per second (log scale"},
      {"concurrency-p99-http-length-1024.svg", "p99 latency per request (µs, log scale"},
      {"concurrency-cpu-http-length-1024.svg", "Client CPU time per request"}};
  for (const auto& [name, y_label] : expected) {
    const auto found =
        std::find_if(charts.begin(), charts.end(), [&](const auto& c) { return c.name == name; });
    ASSERT_NE(found, charts.end()) << name;
    const auto svg = parse_svg(found->svg);
    ASSERT_TRUE(svg.well_formed) << svg.error;
    EXPECT_EQ(svg.attribute_values("g", "data-name"),
              (std::vector<std::string>{"libcurl multi (HTTP)", "raw socket floor (HTTP)"}))
        << name;
    EXPECT_TRUE(svg.has_text("Concurrency (requests in flight, log scale)")) << name;
    EXPECT_TRUE(svg.has_text(y_label)) << name;
    for (const char* tick : {"1", "8", "64"}) {
      const auto texts = svg.texts();
      EXPECT_NE(std::find(texts.begin(), texts.end(), tick), texts.end()) << name << " " << tick;
    }
  }
  EXPECT_EQ(std::count_if(charts.begin(), charts.end(),
                          [](const auto& c) { return c.name.starts_with("rate-"); }),
            0)
      << "no rate sweep, no chart against the rate";
}

TEST(Report, NoConcurrencyChartsForASingleLevel) {
  for (unsigned level : {1u, 8u}) {
    const auto charts = run_charts(read_report_run(sweep_document({level})));
    EXPECT_FALSE(charts.empty());
    for (const auto& chart : charts)
      EXPECT_FALSE(chart.name.starts_with("concurrency-")) << chart.name;
  }
}

TEST(Report, RateSweepDrawsP99AgainstTheOfferedRate) {
  const auto charts = run_charts(read_report_run(sweep_document({1}, {2000, 5000})));
  const auto found = std::find_if(charts.begin(), charts.end(), [](const auto& c) {
    return c.name == "rate-p99-http-length-1024-c8.svg";
  });
  ASSERT_NE(found, charts.end());
  const auto svg = parse_svg(found->svg);
  ASSERT_TRUE(svg.well_formed) << svg.error;
  EXPECT_EQ(svg.attribute_values("g", "data-name").size(), 2u);
  EXPECT_TRUE(svg.has_text("Offered rate (requests/s, log scale)"));
  EXPECT_TRUE(svg.has_text("p99 latency from the scheduled start"));
  EXPECT_EQ(std::count_if(charts.begin(), charts.end(),
                          [](const auto& c) { return c.name.starts_with("concurrency-"); }),
            0)
      << "the open-loop cells are not a concurrency sweep";
}

TEST(Compare, FlagsAPlantedRegressionAndNotNoise) {
  auto base_cells = original_full_rows();
  auto next_cells = original_full_rows();
  // Noise: every cell moves by up to 1% (within the runs' ±1% spread) ...
  for (std::size_t i = 0; i < next_cells.size(); ++i) {
    for (double& v : next_cells[i].rps) v *= (i % 2 ? 1.008 : 0.992);
  }
  // ... except one planted 20% regression.
  for (double& v : next_cells[3].rps) v *= 0.8;
  const auto comparison = compare_runs(read_report_run(document(base_cells), "base.json"),
                                       read_report_run(document(next_cells), "new.json"));
  ASSERT_EQ(comparison.cells.size(), 16u);
  for (std::size_t i = 0; i < comparison.cells.size(); ++i) {
    const auto& c = comparison.cells[i];
    EXPECT_TRUE(c.rps.judged_by_spread);
    if (i == 3) {
      EXPECT_EQ(c.rps.change, Change::worse);
      EXPECT_NEAR(c.rps.ratio, 0.8 * 1.008, 1e-9);
      EXPECT_EQ(c.cpu_us.change, Change::worse) << "CPU per request rose with it";
    } else {
      EXPECT_EQ(c.rps.change, Change::none) << c.key;
      EXPECT_EQ(c.cpu_us.change, Change::none) << c.key;
    }
  }
  EXPECT_EQ(comparison.regressions(), 1u);
  const auto md = comparison_output(comparison, ReportFormat::markdown);
  EXPECT_NE(md.find("**worse**"), std::string::npos) << md;
  EXPECT_EQ(count_lines_with(md, "**worse**"), 3u) << "RPS, CPU and p99 of the one cell";
  EXPECT_NE(md.find("1 cell(s) worse"), std::string::npos);
  const auto json = nlohmann::json::parse(comparison_output(comparison, ReportFormat::json));
  EXPECT_EQ(json["regressions"], 1);
  EXPECT_EQ(json["cells"][3]["rps"]["change"], "worse");
}

TEST(Compare, ImprovementAndMissingCells) {
  std::vector<CellSpecification> base = {{"a", "A", "http", 4, {100, 101, 99}},
                                         {"b", "B", "http", 4, {100, 101, 99}},
                                         {"gone", "Gone", "http", 4, {50, 50, 50}}};
  std::vector<CellSpecification> next = {{"a", "A", "http", 4, {130, 131, 129}},
                                         {"b", "B", "http", 4, {}, "error", "driver crashed"},
                                         {"new", "New", "http", 4, {70, 70, 70}}};
  const auto c = compare_runs(read_report_run(document(base)), read_report_run(document(next)));
  ASSERT_EQ(c.cells.size(), 2u);
  EXPECT_EQ(c.cells[0].rps.change, Change::better);
  EXPECT_EQ(c.cells[1].rps.change, Change::not_compared);
  EXPECT_NE(c.cells[1].note.find("new error"), std::string::npos) << c.cells[1].note;
  EXPECT_EQ(c.only_in_base.size(), 1u);
  EXPECT_EQ(c.only_in_next.size(), 1u);
  EXPECT_EQ(c.regressions(), 0u);
}

TEST(Compare, OverlappingRangesAreNoiseEvenWhenTheMediansDiffer) {
  Figure base{100, 90, 110, {90, 100, 110}};
  Figure next{95, 88, 104, {88, 95, 104}};
  EXPECT_EQ(compare_figure(base, next, true).change, Change::none);
}

TEST(Compare, SingleRunsUseTheThreshold) {
  Figure base{100, 100, 100, {100}};
  EXPECT_EQ(compare_figure(base, Figure{95, 95, 95, {95}}, true).change, Change::none);
  const auto worse = compare_figure(base, Figure{85, 85, 85, {85}}, true);
  EXPECT_EQ(worse.change, Change::worse);
  EXPECT_FALSE(worse.judged_by_spread);
  EXPECT_EQ(compare_figure(base, Figure{85, 85, 85, {85}}, false).change, Change::better)
      << "for CPU, lower is better";
}

TEST(Compare, TinyConsistentShiftsAreNotFlagged) {
  Figure base{100, 99.9, 100.1, {99.9, 100, 100.1}};
  Figure next{99, 98.9, 99.1, {98.9, 99, 99.1}};
  EXPECT_EQ(compare_figure(base, next, true).change, Change::none)
      << "1% is below min_flagged_change";
}

TEST(Compare, TheSpreadWithinTheCellsWidensWhatCounts) {
  Figure base{100, 100, 100, {100}};
  Figure next{85, 85, 85, {85}};
  EXPECT_EQ(compare_figure(base, next, true, 0.05).change, Change::worse);
  EXPECT_EQ(compare_figure(base, next, true, 0.2).change, Change::none)
      << "15% is inside slices varying 10% on each side";
}

TEST(Compare, FlaggedCellsGetNoVerdict) {
  std::vector<CellSpecification> base = {{"a", "A", "http", 4, {100, 101, 99}},
                                         {"b", "B", "http", 4, {100, 101, 99}}};
  auto next = base;
  for (auto& cell : next) {
    for (double& v : cell.rps) v *= 0.5;
  }
  json base_document = document(base);
  json next_document = document(next);
  next_document["cells"][0]["summary"]["foreign_load"] = true;
  base_document["cells"][1]["summary"]["unstable"] = true;
  base_document["cells"][1]["summary"]["slice_cv"] = 0.3;
  const auto comparison = compare_runs(read_report_run(base_document, "base.json"),
                                       read_report_run(next_document, "new.json"));
  ASSERT_EQ(comparison.cells.size(), 2u);
  for (const auto& c : comparison.cells) {
    EXPECT_EQ(c.rps.change, Change::flagged) << c.key;
    EXPECT_EQ(c.cpu_us.change, Change::flagged) << c.key;
    EXPECT_NEAR(c.rps.ratio, 0.5, 1e-9) << "the figures are still shown";
  }
  EXPECT_NE(comparison.cells[0].note.find("new foreign_load"), std::string::npos);
  EXPECT_NE(comparison.cells[1].note.find("base unstable"), std::string::npos);
  EXPECT_EQ(comparison.regressions(), 0u);
  const auto md = comparison_output(comparison, ReportFormat::markdown);
  EXPECT_NE(md.find("0.500 (flagged)"), std::string::npos) << md;
  const auto saved = nlohmann::json::parse(comparison_output(comparison, ReportFormat::json));
  EXPECT_EQ(saved["cells"][0]["rps"]["change"], "flagged");
}

} // namespace
} // namespace hcbench
