#include "hcbench/report/svg_chart.h"

#include "svg_xml.h"

#include <gtest/gtest.h>

namespace hcbench {
namespace {

using testing_svg::parse_svg;

BarChart rps_chart() {
  BarChart chart;
  chart.title = "Loopback: Python Client Benchmarks (10000 x 1k requests)";
  chart.caption = "cycles 10000, warm-up 100\nhcbench 0.1.0 on <test & host>";
  chart.categories = {"requests, reuse cnxns: False,  options: Default",
                      "pycurl, reuse cnxns: True,  options: Reuse handle, don't save body"};
  chart.series = {"HTTP", "HTTPS"};
  chart.values = {{557.3, 2247.5}, {146.3, std::nullopt}};
  chart.ranges = {{std::pair{550.0, 560.0}, std::pair{2200.0, 2300.0}},
                  {std::nullopt, std::nullopt}};
  chart.value_axis.label = "Requests per second";
  return chart;
}

TEST(SvgChart, BarChartIsWellFormedWithSeriesLabelsAndCaption) {
  const auto svg = render_svg(rps_chart());
  const auto parsed = parse_svg(svg);
  ASSERT_TRUE(parsed.well_formed) << parsed.error << "\n" << svg;
  EXPECT_EQ(parsed.attribute_values("g", "data-name"), (std::vector<std::string>{"HTTP", "HTTPS"}));
  EXPECT_TRUE(parsed.has_text("Loopback: Python Client Benchmarks (10000 x 1k requests)"));
  EXPECT_TRUE(parsed.has_text("Requests per second"));
  EXPECT_TRUE(
      parsed.has_text("pycurl, reuse cnxns: True,  options: Reuse handle, don't save body"));
  EXPECT_TRUE(parsed.has_text("hcbench 0.1.0 on <test & host>")) << "escaped and read back";
  EXPECT_TRUE(parsed.has_text("2248")) << "value labels on the bars";
  EXPECT_TRUE(parsed.has_text("not run")) << "a missing value is marked, not drawn as zero";
  // Three bars drawn (one value is missing), each with a tooltip.
  std::size_t bars = 0;
  for (const auto& e : parsed.elements)
    bars += e.name == "rect" && e.attributes.count("height") && e.attributes.at("height") == "14.0";
  EXPECT_EQ(bars, 3u);
}

TEST(SvgChart, LineChartOnLogAxes) {
  LineChart chart;
  chart.title = "Throughput vs response size";
  chart.caption = "HTTP, 1000 cycles";
  chart.x = {"Response size (bytes)", true, AxisFormat::bytes, {4, 512, 1024, 131072}};
  chart.y = {"Throughput (MiB/s)", true, AxisFormat::number, {}};
  chart.series = {{"pycurl HTTP", {{4, 0.01}, {512, 1.2}, {1024, 2.3}, {131072, 250}}, false, 0},
                  {"pycurl HTTPS", {{4, 0.008}, {131072, 180}, {0, 5}}, true, 0}};
  const auto svg = render_svg(chart);
  const auto parsed = parse_svg(svg);
  ASSERT_TRUE(parsed.well_formed) << parsed.error;
  EXPECT_EQ(parsed.attribute_values("g", "data-name"),
            (std::vector<std::string>{"pycurl HTTP", "pycurl HTTPS"}));
  EXPECT_TRUE(parsed.has_text("Response size (bytes)"));
  EXPECT_TRUE(parsed.has_text("Throughput (MiB/s)"));
  EXPECT_TRUE(parsed.has_text("128 KiB"));
  EXPECT_TRUE(parsed.has_text("4 B"));
  EXPECT_EQ(parsed.count("path") >= 2, true);
  EXPECT_NE(svg.find("stroke-dasharray"), std::string::npos);
  EXPECT_EQ(svg.find("nan"), std::string::npos) << "x=0 on a log axis must be left out";
  EXPECT_EQ(svg.find("inf"), std::string::npos);
}

TEST(SvgChart, EmptyChartsStillRender) {
  BarChart bars;
  bars.title = "nothing";
  EXPECT_TRUE(parse_svg(render_svg(bars)).well_formed);
  LineChart lines;
  lines.title = "nothing";
  lines.y.log = true;
  EXPECT_TRUE(parse_svg(render_svg(lines)).well_formed);
}

TEST(SvgChart, Ticks) {
  EXPECT_EQ(axis_ticks(0, 2300, false), (std::vector<double>{0, 500, 1000, 1500, 2000, 2500}));
  EXPECT_EQ(axis_ticks(1, 1000, true), (std::vector<double>{1, 10, 100, 1000}));
  EXPECT_EQ(axis_ticks(1, 10, true), (std::vector<double>{1, 2, 5, 10}));
  EXPECT_TRUE(axis_ticks(5, 5, false).empty());
}

TEST(SvgChart, Labels) {
  EXPECT_EQ(format_axis_value(1024, AxisFormat::bytes), "1 KiB");
  EXPECT_EQ(format_axis_value(131072, AxisFormat::bytes), "128 KiB");
  EXPECT_EQ(format_axis_value(4, AxisFormat::bytes), "4 B");
  EXPECT_EQ(format_axis_value(1500, AxisFormat::number), "1500") << "below 10k: plain";
  EXPECT_EQ(format_axis_value(25000, AxisFormat::number), "25k");
  EXPECT_EQ(format_axis_value(0.05, AxisFormat::number), "0.05");
  EXPECT_EQ(xml_escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
}

} // namespace
} // namespace hcbench
