#include "hcbench/report/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace hcbench {
namespace {

// Tableau 10: distinguishable, and still distinguishable in grey print by marker shape.
constexpr std::array<std::string_view, 10> palette{"#4e79a7", "#f28e2b", "#e15759", "#76b7b2",
                                                   "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
                                                   "#9c755f", "#bab0ac"};

std::string_view colour(std::size_t index) {
  return palette[index % palette.size()];
}

constexpr double title_font = 18;
constexpr double font = 12;
constexpr double caption_font = 11;
constexpr double char_width = 0.56; // of the font size: a safe estimate for sans-serif text

double text_width(std::string_view text, double size) {
  return static_cast<double>(text.size()) * size * char_width;
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const auto end = text.find('\n');
    lines.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

// Maps data values to pixels along one axis, linearly or on a log10 scale.
class Scale {
public:
  Scale(double low, double high, bool log, double from_px, double to_px)
      : log_(log), low_(transform(low, log)), high_(transform(high, log)), from_(from_px),
        to_(to_px) {
    if (high_ <= low_) high_ = low_ + 1;
  }
  double operator()(double value) const {
    return from_ + (transform(value, log_) - low_) / (high_ - low_) * (to_ - from_);
  }

private:
  static double transform(double v, bool log) { return log ? std::log10(std::max(v, 1e-12)) : v; }
  bool log_;
  double low_, high_, from_, to_;
};

struct Domain {
  double low;
  double high;
};

// The axis range: from zero (linear) or the decade below (log) up to the last tick above the
// largest value, so that every value sits inside the plot.
Domain domain_for(const std::vector<double>& values, const Axis& axis) {
  double low = std::numeric_limits<double>::infinity();
  double high = -low;
  for (double v : values) {
    if (!std::isfinite(v) || (axis.log && v <= 0)) continue;
    low = std::min(low, v);
    high = std::max(high, v);
  }
  for (double t : axis.ticks) {
    low = std::min(low, t);
    high = std::max(high, t);
  }
  if (!std::isfinite(low)) return axis.log ? Domain{1, 10} : Domain{0, 1};
  if (axis.log) {
    if (!axis.ticks.empty()) return {low / 1.25, high * 1.25};
    // The nearest 1-2-5 values around the data, so that a short range is not squeezed
    // into one corner of a whole decade.
    const double low_decade = std::pow(10, std::floor(std::log10(low) + 1e-9));
    const double high_decade = std::pow(10, std::floor(std::log10(high) + 1e-9));
    double nice_low = low_decade;
    for (double m : {5.0, 2.0}) {
      if (m * low_decade <= low * (1 + 1e-9)) {
        nice_low = m * low_decade;
        break;
      }
    }
    double nice_high = 10 * high_decade;
    for (double m : {1.0, 2.0, 5.0}) {
      if (m * high_decade >= high * (1 - 1e-9)) {
        nice_high = m * high_decade;
        break;
      }
    }
    return {nice_low, nice_high};
  }
  low = std::min(low, 0.0);
  if (high <= low) high = low + 1;
  const auto ticks = axis_ticks(low, high, false);
  return {low, std::max(high, ticks.empty() ? high : ticks.back())};
}

std::vector<double> ticks_for(const Axis& axis, const Domain& d) {
  if (!axis.ticks.empty()) return axis.ticks;
  auto ticks = axis_ticks(d.low, d.high, axis.log);
  if (axis.log) {
    // The ends of a log axis are 1-2-5 values: label them, so the range is readable.
    // (Unless the label would crowd its neighbour: closer than a third of a decade.)
    auto apart = [](double a, double b) { return std::abs(std::log10(a / b)) > 0.35; };
    if (ticks.empty() || apart(ticks.front(), d.low)) ticks.insert(ticks.begin(), d.low);
    if (apart(ticks.back(), d.high)) ticks.push_back(d.high);
  }
  std::erase_if(ticks, [&](double t) { return t < d.low * (1 - 1e-9) || t > d.high * (1 + 1e-9); });
  return ticks;
}

std::string value_label(double value) {
  return std::abs(value) >= 100 ? fmt::format("{:.0f}", value) : fmt::format("{:.3g}", value);
}

// The parts every chart shares: document, title, legend, caption.
class SvgWriter {
public:
  SvgWriter(double width, double height, std::string_view title) : width_(width), height_(height) {
    out_ +=
        fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0:.0f}" height="{1:.0f}" )"
                    R"(viewBox="0 0 {0:.0f} {1:.0f}" font-family="DejaVu Sans, Arial, sans-serif" )"
                    R"(font-size="{2}">)"
                    "\n<title>{3}</title>\n"
                    R"(<rect width="100%" height="100%" fill="white"/>)"
                    "\n"
                    R"(<text class="title" x="{4:.1f}" y="30" text-anchor="middle" )"
                    R"(font-size="{5}" font-weight="bold">{3}</text>)"
                    "\n",
                    width, height, font, xml_escape(title), width / 2, title_font);
  }

  std::string& out() { return out_; }

  void text(double x, double y, std::string_view content, std::string_view attributes = "") {
    out_ += fmt::format(R"(<text x="{:.1f}" y="{:.1f}"{}{}>{}</text>)"
                        "\n",
                        x, y, attributes.empty() ? "" : " ", attributes, xml_escape(content));
  }

  void line(double x1, double y1, double x2, double y2, std::string_view attributes) {
    out_ += fmt::format(R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" {}/>)"
                        "\n",
                        x1, y1, x2, y2, attributes);
  }

  void caption(double x, double y, std::string_view text) {
    out_ += "<g class=\"caption\">\n";
    for (const auto& line : lines_of(text)) {
      this->text(x, y, line, fmt::format(R"(font-size="{}" fill="#555")", caption_font));
      y += caption_font * 1.4;
    }
    out_ += "</g>\n";
  }

  std::string finish() {
    out_ += "</svg>\n";
    return std::move(out_);
  }

private:
  double width_, height_;
  std::string out_;
};

void marker(std::string& out, std::size_t shape, double x, double y, std::string_view fill) {
  constexpr double r = 4;
  switch (shape % 4) {
  case 0:
    out += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="{}" fill="{}"/>)", x, y, r, fill);
    break;
  case 1:
    out += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{}" height="{}" fill="{}"/>)", x - r,
                       y - r, 2 * r, 2 * r, fill);
    break;
  case 2:
    out += fmt::format(R"(<path d="M{:.1f},{:.1f}L{:.1f},{:.1f}L{:.1f},{:.1f}Z" fill="{}"/>)", x,
                       y - r - 1, x + r + 1, y + r, x - r - 1, y + r, fill);
    break;
  default:
    out += fmt::format(
        R"(<path d="M{:.1f},{:.1f}L{:.1f},{:.1f}L{:.1f},{:.1f}L{:.1f},{:.1f}Z" fill="{}"/>)", x,
        y - r - 1, x + r + 1, y, x, y + r + 1, x - r - 1, y, fill);
  }
  out += "\n";
}

// A legend laid out in rows under the title; returns its height.
double legend(SvgWriter& svg, double left, double right, double top,
              const std::vector<std::string>& names, const std::vector<bool>& dashed,
              const std::vector<std::size_t>& styles, bool lines) {
  svg.out() += "<g class=\"legend\">\n";
  double x = left;
  double y = top;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const double entry = 34 + text_width(names[i], font) + 18;
    if (x > left && x + entry > right) {
      x = left;
      y += 20;
    }
    const std::size_t style = i < styles.size() ? styles[i] : i;
    if (lines) {
      svg.line(x, y - 4, x + 26, y - 4,
               fmt::format(R"(stroke="{}" stroke-width="2"{})", colour(style),
                           i < dashed.size() && dashed[i] ? R"( stroke-dasharray="6,3")" : ""));
      marker(svg.out(), style, x + 13, y - 4, colour(style));
    } else {
      svg.out() += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="14" height="12" fill="{}"/>)"
                               "\n",
                               x + 6, y - 10, colour(i));
    }
    svg.text(x + 32, y, names[i], R"(class="legend-entry")");
    x += entry;
  }
  svg.out() += "</g>\n";
  return y - top + 20;
}

// Splits a label longer than max_label_characters at the ", " (or else the space) nearest its
// middle; the first line keeps the separator, so the lines joined give the label back.
std::vector<std::string> wrap_label(const std::string& label) {
  constexpr std::size_t max_label_characters = 56;
  if (label.size() <= max_label_characters) return {label};
  // The original's "Request Type" reads best broken before its options.
  if (const auto options = label.find(",  options: ");
      options != std::string::npos && label.size() - options <= max_label_characters + 8) {
    return {label.substr(0, options + 3), label.substr(options + 3)};
  }
  std::size_t best = std::string::npos;
  for (std::string_view separator : {", ", " "}) {
    for (auto at = label.find(separator); at != std::string::npos;
         at = label.find(separator, at + 1)) {
      const auto split = at + separator.size();
      const auto distance = [&](std::size_t p) {
        return p > label.size() / 2 ? p - label.size() / 2 : label.size() / 2 - p;
      };
      if (best == std::string::npos || distance(split) < distance(best)) best = split;
    }
    if (best != std::string::npos) break;
  }
  if (best == std::string::npos) return {label};
  return {label.substr(0, best), label.substr(best)};
}

double legend_height(double left, double right, const std::vector<std::string>& names) {
  double x = left;
  double rows = 1;
  for (const auto& name : names) {
    const double entry = 34 + text_width(name, font) + 18;
    if (x > left && x + entry > right) {
      x = left;
      ++rows;
    }
    x += entry;
  }
  return rows * 20;
}

} // namespace

std::vector<double> axis_ticks(double low, double high, bool log) {
  std::vector<double> ticks;
  if (!(high > low)) return ticks;
  if (log) {
    if (low <= 0) low = high / 1e6;
    const int first = static_cast<int>(std::floor(std::log10(low) + 1e-9));
    const int last = static_cast<int>(std::ceil(std::log10(high) - 1e-9));
    const bool fill = last - first <= 2;
    for (int e = first; e <= last; ++e) {
      const double decade = std::pow(10.0, e);
      for (double m : {1.0, 2.0, 5.0}) {
        if (m != 1.0 && !fill) continue;
        const double t = m * decade;
        if (t >= low * (1 - 1e-9) && t <= high * (1 + 1e-9)) ticks.push_back(t);
      }
    }
    return ticks;
  }
  const double raw = (high - low) / 5;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  for (double t = std::ceil(low / step - 1e-9) * step; t <= high + step * (1 - 1e-9); t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
  }
  return ticks;
}

std::string format_axis_value(double value, AxisFormat format) {
  // Three significant digits, but never an exponent for a number of thousands.
  auto trimmed = [](double v) {
    return std::abs(v) >= 1000 ? fmt::format("{:.0f}", v) : fmt::format("{:.3g}", v);
  };
  if (format == AxisFormat::bytes) {
    if (value >= 1024.0 * 1024 * 1024) return trimmed(value / (1024.0 * 1024 * 1024)) + " GiB";
    if (value >= 1024.0 * 1024) return trimmed(value / (1024.0 * 1024)) + " MiB";
    if (value >= 1024.0) return trimmed(value / 1024.0) + " KiB";
    return trimmed(value) + " B";
  }
  const double magnitude = std::abs(value);
  if (magnitude >= 1e9) return trimmed(value / 1e9) + "G";
  if (magnitude >= 1e6) return trimmed(value / 1e6) + "M";
  if (magnitude >= 1e4) return trimmed(value / 1e3) + "k";
  return trimmed(value);
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&apos;";
      break;
    default:
      // Control characters are not allowed in XML 1.0 text.
      if (static_cast<unsigned char>(c) >= 0x20 || c == '\n' || c == '\t') out += c;
    }
  }
  return out;
}

std::string render_svg(const BarChart& chart) {
  const double bar_height = chart.series.size() > 2 ? 12 : 16;
  constexpr double group_gap = 12;
  constexpr double plot_width = 480;
  constexpr double right_margin = 70; // room for the value label after the longest bar
  // Long labels (the original's "Request Type" runs to 100 characters) take two lines.
  std::vector<std::vector<std::string>> labels;
  double label_width = 80;
  for (const auto& c : chart.categories) {
    labels.push_back(wrap_label(c));
    for (const auto& line : labels.back())
      label_width = std::max(label_width, text_width(line, font));
  }
  const double left = label_width + 24;
  const double width = std::max(900.0, left + plot_width + right_margin);
  const double legend_top = 58;
  const double legend_rows = legend_height(left, width - 20, chart.series);
  const double top = legend_top + legend_rows + 8;
  const double group = static_cast<double>(chart.series.size()) * bar_height + group_gap;
  const double plot_height = std::max(1.0, static_cast<double>(chart.categories.size())) * group;
  const auto caption_lines = lines_of(chart.caption);
  const double height =
      top + plot_height + 56 + static_cast<double>(caption_lines.size()) * caption_font * 1.4 + 12;

  std::vector<double> all;
  for (const auto& s : chart.values) {
    for (const auto& v : s) {
      if (v) all.push_back(*v);
    }
  }
  for (const auto& s : chart.ranges) {
    for (const auto& r : s) {
      if (r) all.push_back(r->second);
    }
  }
  const Domain d = domain_for(all, chart.value_axis);
  const Scale x(d.low, d.high, chart.value_axis.log, left, left + plot_width);
  const double base = chart.value_axis.log ? left : x(std::max(0.0, d.low));

  SvgWriter svg(width, height, chart.title);
  legend(svg, left, width - 20, legend_top, chart.series, {}, {}, false);

  svg.out() += "<g class=\"grid\">\n";
  for (double t : ticks_for(chart.value_axis, d)) {
    const double px = x(t);
    svg.line(px, top, px, top + plot_height, R"(stroke="#e0e0e0")");
    svg.text(px, top + plot_height + 16, format_axis_value(t, chart.value_axis.format),
             R"(text-anchor="middle" fill="#333")");
  }
  svg.out() += "</g>\n";

  svg.out() += "<g class=\"categories\">\n";
  for (std::size_t c = 0; c < chart.categories.size(); ++c) {
    const double middle = top + static_cast<double>(c) * group + (group - group_gap) / 2 + 4;
    if (labels[c].size() == 1) {
      svg.text(left - 8, middle, labels[c][0], R"(text-anchor="end")");
      continue;
    }
    svg.out() += fmt::format(R"(<text x="{0:.1f}" y="{1:.1f}" text-anchor="end">)"
                             R"(<tspan x="{0:.1f}" dy="-0.6em">{2}</tspan>)"
                             R"(<tspan x="{0:.1f}" dy="1.2em">{3}</tspan></text>)"
                             "\n",
                             left - 8, middle, xml_escape(labels[c][0]), xml_escape(labels[c][1]));
  }
  svg.out() += "</g>\n";

  for (std::size_t s = 0; s < chart.series.size(); ++s) {
    svg.out() += fmt::format(R"(<g class="series" data-name="{}" fill="{}">)"
                             "\n",
                             xml_escape(chart.series[s]), colour(s));
    for (std::size_t c = 0; c < chart.categories.size(); ++c) {
      const double y = top + static_cast<double>(c) * group + static_cast<double>(s) * bar_height;
      const auto value =
          s < chart.values.size() && c < chart.values[s].size() ? chart.values[s][c] : std::nullopt;
      if (!value) {
        const bool noted =
            s < chart.notes.size() && c < chart.notes[s].size() && !chart.notes[s][c].empty();
        svg.text(base + 4, y + bar_height / 2 + 3.5, noted ? chart.notes[s][c] : "not run",
                 R"(font-size="10" fill="#888" font-style="italic")");
        continue;
      }
      const double end = std::max(base + 1, x(*value));
      svg.out() += fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}">)"
                               R"(<title>{}: {}</title></rect>)"
                               "\n",
                               base, y + 1, end - base, bar_height - 2,
                               xml_escape(chart.series[s] + ", " + chart.categories[c]),
                               value_label(*value));
      double label_x = end + 4;
      if (s < chart.ranges.size() && c < chart.ranges[s].size() && chart.ranges[s][c]) {
        const auto [low, high] = *chart.ranges[s][c];
        const double mid = y + bar_height / 2;
        svg.line(x(low), mid, x(high), mid, R"(stroke="#222" stroke-width="1.2")");
        svg.line(x(low), mid - 4, x(low), mid + 4, R"(stroke="#222")");
        svg.line(x(high), mid - 4, x(high), mid + 4, R"(stroke="#222")");
        label_x = std::max(label_x, x(high) + 4);
      }
      const double label_font = bar_height >= 16 ? 11 : 10;
      svg.text(label_x, y + bar_height / 2 + label_font * 0.35, value_label(*value),
               fmt::format(R"(font-size="{}" fill="#222" class="value")", label_font));
    }
    svg.out() += "</g>\n";
  }

  svg.line(base, top, base, top + plot_height, R"(stroke="#333")");
  svg.line(left, top + plot_height, left + plot_width, top + plot_height, R"(stroke="#333")");
  svg.text(left + plot_width / 2, top + plot_height + 36, chart.value_axis.label,
           R"(class="axis-label" text-anchor="middle" font-weight="bold")");
  svg.caption(16, top + plot_height + 60, chart.caption);
  return svg.finish();
}

std::string render_svg(const LineChart& chart) {
  constexpr double left = 90;
  constexpr double width = 1000;
  constexpr double plot_width = width - left - 40;
  constexpr double plot_height = 420;
  std::vector<std::string> names;
  std::vector<bool> dashed;
  std::vector<std::size_t> styles;
  for (const auto& s : chart.series) {
    names.push_back(s.name);
    dashed.push_back(s.dashed);
    styles.push_back(s.style.value_or(styles.size()));
  }
  const double legend_top = 58;
  const double top = legend_top + legend_height(left, width - 20, names) + 12;
  const auto caption_lines = lines_of(chart.caption);
  const double height =
      top + plot_height + 62 + static_cast<double>(caption_lines.size()) * caption_font * 1.4 + 12;

  std::vector<double> xs;
  std::vector<double> ys;
  for (const auto& s : chart.series) {
    for (const auto& [px, py] : s.points) {
      xs.push_back(px);
      ys.push_back(py);
    }
  }
  const Domain dx = domain_for(xs, chart.x);
  const Domain dy = domain_for(ys, chart.y);
  const Scale x(dx.low, dx.high, chart.x.log, left, left + plot_width);
  const Scale y(dy.low, dy.high, chart.y.log, top + plot_height, top);

  SvgWriter svg(width, height, chart.title);
  legend(svg, left, width - 20, legend_top, names, dashed, styles, true);

  svg.out() += "<g class=\"grid\">\n";
  for (double t : ticks_for(chart.x, dx)) {
    svg.line(x(t), top, x(t), top + plot_height, R"(stroke="#e0e0e0")");
    svg.text(x(t), top + plot_height + 16, format_axis_value(t, chart.x.format),
             R"(text-anchor="middle" fill="#333")");
  }
  for (double t : ticks_for(chart.y, dy)) {
    svg.line(left, y(t), left + plot_width, y(t), R"(stroke="#e0e0e0")");
    svg.text(left - 8, y(t) + 4, format_axis_value(t, chart.y.format),
             R"(text-anchor="end" fill="#333")");
  }
  svg.out() += "</g>\n";
  svg.line(left, top, left, top + plot_height, R"(stroke="#333")");
  svg.line(left, top + plot_height, left + plot_width, top + plot_height, R"(stroke="#333")");

  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    auto points = chart.series[i].points;
    std::erase_if(points, [&](const auto& p) {
      return !std::isfinite(p.first) || !std::isfinite(p.second) || (chart.x.log && p.first <= 0) ||
             (chart.y.log && p.second <= 0);
    });
    std::sort(points.begin(), points.end());
    svg.out() += fmt::format(R"(<g class="series" data-name="{}">)"
                             "\n",
                             xml_escape(chart.series[i].name));
    if (points.size() > 1) {
      std::string path;
      for (const auto& [px, py] : points) {
        path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : " L", x(px), y(py));
      }
      svg.out() += fmt::format(R"(<path d="{}" fill="none" stroke="{}" stroke-width="2"{}/>)"
                               "\n",
                               path, colour(styles[i]),
                               chart.series[i].dashed ? R"( stroke-dasharray="6,3")" : "");
    }
    for (const auto& [px, py] : points) {
      marker(svg.out(), styles[i], x(px), y(py), colour(styles[i]));
    }
    svg.out() += "</g>\n";
  }

  svg.text(left + plot_width / 2, top + plot_height + 38, chart.x.label,
           R"(class="axis-label" text-anchor="middle" font-weight="bold")");
  const double y_middle = top + plot_height / 2;
  svg.text(22, y_middle, chart.y.label,
           fmt::format(R"(class="axis-label" text-anchor="middle" font-weight="bold" )"
                       R"svg(transform="rotate(-90 22 {:.1f})")svg",
                       y_middle));
  svg.caption(16, top + plot_height + 66, chart.caption);
  return svg.finish();
}

} // namespace hcbench
