// A small, dependency-free SVG chart writer for `hcbench report`: grouped horizontal bars
// (one group per client configuration, one bar per series such as HTTP and HTTPS) and line
// charts with markers on linear or logarithmic axes (figures against response size). Every
// chart has a title, labelled axes with units, a legend and a caption with the run's
// settings, so that a chart read on its own says what it shows.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hcbench {

enum class AxisFormat {
  number, // 1.5k, 20, 0.25
  bytes,  // 4 B, 512 B, 1 KiB, 128 KiB
};

struct Axis {
  std::string label; // with its unit: "Requests per second", "Response size (bytes)"
  bool log = false;  // base-10 logarithmic (values <= 0 are left out)
  AxisFormat format = AxisFormat::number;
  std::vector<double> ticks; // explicit tick values; empty: chosen automatically
};

// Horizontal bars: categories top to bottom, one bar per series inside each category.
struct BarChart {
  std::string title;
  std::string caption;                 // several lines separated by '\n'
  std::vector<std::string> categories; // "requests, reuse cnxns: True, options: Default"
  std::vector<std::string> series;     // "HTTP", "HTTPS"
  // values[s][c]: series s, category c; nothing where the cell did not run.
  std::vector<std::vector<std::optional<double>>> values;
  // Optional error bars (min, max) in the same layout; empty for none.
  std::vector<std::vector<std::optional<std::pair<double, double>>>> ranges;
  // Optional words shown instead of a missing bar ("skipped", "n/a"); "not run" otherwise.
  std::vector<std::vector<std::string>> notes;
  Axis value_axis;
};

struct LineSeries {
  std::string name;
  std::vector<std::pair<double, double>> points; // (x, y), drawn in x order
  bool dashed = false;                           // e.g. HTTPS beside a solid HTTP line
  // Colour and marker: by position when unset; the same value for the HTTP and HTTPS lines
  // of one client keeps them visibly one client.
  std::optional<std::size_t> style;
};

struct LineChart {
  std::string title;
  std::string caption;
  Axis x;
  Axis y;
  std::vector<LineSeries> series;
};

std::string render_svg(const BarChart& chart);
std::string render_svg(const LineChart& chart);

// Tick values for an axis spanning [low, high]: 1-2-5 steps on a linear axis, powers of ten
// (with 2 and 5 between them when the span is short) on a log axis.
std::vector<double> axis_ticks(double low, double high, bool log);

// A tick or value label: "1.2k", "350", "0.05"; with AxisFormat::bytes "4 B", "64 KiB".
std::string format_axis_value(double value, AxisFormat format);

// Escapes &, <, >, " and ' for SVG text and attributes.
std::string xml_escape(std::string_view text);

} // namespace hcbench
