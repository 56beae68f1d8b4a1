#include "hcbench/results/results_csv.h"

#include "hcbench/results/text_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

namespace hcbench {

namespace {

// Python's csv.excel dialect, which the original wrote: CRLF line ends, a field quoted when it
// holds a comma, a quote or a line break, quotes doubled inside.
std::string field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

void row(std::string& out, std::initializer_list<std::string> fields) {
  bool first = true;
  for (const auto& f : fields) {
    if (!first) out += ',';
    out += field(f);
    first = false;
  }
  out += "\r\n";
}

void row(std::string& out, const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i) out += ',';
    out += field(fields[i]);
  }
  out += "\r\n";
}

// Python's repr of a float is its shortest round-trip form, which fmt's "{}" also gives.
std::string seconds(const CellSummary& s) {
  return s.has_figures() ? fmt::format("{}", s.wall_seconds.median) : "";
}

// The cell's noise flags by name, space-separated; "" when it carries none.
std::string noise_flags(const RunResults& results, const CellResult& cell, const CellSummary& s) {
  std::vector<std::string> flags;
  if (s.foreign_load) flags.push_back("foreign_load");
  if (s.unstable) flags.push_back("unstable");
  if (results.beats_floor(cell)) flags.push_back("beats_floor");
  if (results.floor_disturbed(cell)) flags.push_back("floor_disturbed");
  return fmt::format("{}", fmt::join(flags, " "));
}

std::string python_bool(bool value) {
  return value ? "True" : "False";
}

// The columns of the original's size layout, each with the row it takes: a pycurl row from a
// Python driver when there is one, else the libcurl row with the same configuration.
struct SizeColumn {
  std::string header;
  std::string library;
  bool reuse;
  std::string fallback_row_id;
};

const std::vector<SizeColumn>& size_columns() {
  static const std::vector<SizeColumn> columns = {
      {"Requests Time (no cnxn reuse)", "requests", false, ""},
      {"pyCurl Time (no cnxn reuse)", "pycurl", false, "curl.forbid-reuse.save-body"},
      {"Requests Time (cnxn reuse)", "requests", true, ""},
      {"pyCurl Time (cnxn reuse)", "pycurl", true, "curl.reuse-handle.save-body"},
  };
  return columns;
}

bool matches(const CellResult& cell, const SizeColumn& column, bool have_library) {
  if (have_library) {
    // The original's requests rows are "Default"; its pycurl size rows save the body into a
    // new buffer with a reused handle.
    return cell.library == column.library && cell.reuse_connections == column.reuse &&
           (column.library != "pycurl" || cell.options.rfind("Reuse handle, save", 0) == 0);
  }
  return cell.row_id == column.fallback_row_id;
}

std::string slug(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += c;
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::string with_suffix(const std::string& path, const std::string& suffix) {
  if (suffix.empty()) return path;
  const std::filesystem::path p(path);
  return (p.parent_path() / (p.stem().string() + suffix + p.extension().string())).string();
}

} // namespace

std::string full_csv(const RunResults& results, const std::string& protocol,
                     const std::string& path, unsigned concurrency, const std::string& http_version,
                     double rate) {
  std::string out;
  std::string url;
  std::vector<const CellResult*> cells;
  for (const auto& cell : results.cells) {
    if (cell.protocol == protocol && cell.path == path && cell.concurrency == concurrency &&
        cell.http_version == http_version && cell.rate == rate) {
      cells.push_back(&cell);
      if (url.empty()) url = cell.url;
    }
  }
  row(out, {"url", "cycles", "delay"});
  row(out, {url, std::to_string(results.settings.cycles), ""});
  // Failures and saturation go in columns after the original's four, so a spreadsheet built
  // on the original keeps working and still sees which rows to distrust.
  // The noise flags (docs/run.md, "Flags") likewise, by name, space-separated, then which
  // side was the limit (client, server, both, neither; empty in a file from before it).
  row(out, {"Library", "Reuse Connections?", "Options", "Time", "Failures", "CPU saturated",
            "Noise flags", "Limit"});
  for (const CellResult* cell : cells) {
    const CellSummary s = summarize_cell(*cell);
    if (!s.has_figures()) continue; // the original left out what it did not run
    row(out, {cell->library, python_bool(cell->reuse_connections), cell->options, seconds(s),
              std::to_string(s.failures.total() + (s.error.empty() ? 0 : 1)),
              python_bool(s.saturated), noise_flags(results, *cell, s),
              s.limit ? std::string(limit_name(s.limit->limit)) : std::string()});
  }
  return out;
}

std::string size_csv(const RunResults& results, const std::string& protocol, unsigned concurrency,
                     const std::string& http_version, double rate) {
  std::vector<const CellResult*> cells;
  std::vector<std::uint64_t> sizes;
  for (const auto& cell : results.cells) {
    if (cell.protocol != protocol || cell.concurrency != concurrency ||
        cell.http_version != http_version || cell.rate != rate || cell.endpoint != "length")
      continue;
    cells.push_back(&cell);
    if (std::find(sizes.begin(), sizes.end(), cell.size) == sizes.end()) sizes.push_back(cell.size);
  }
  std::sort(sizes.begin(), sizes.end());

  // Which cells fill the original's columns, and which rows come after them.
  std::vector<bool> have_library(size_columns().size());
  for (std::size_t c = 0; c < size_columns().size(); ++c) {
    for (const CellResult* cell : cells) {
      if (cell->library == size_columns()[c].library) have_library[c] = true;
    }
  }
  auto column_of = [&](const CellResult& cell) -> int {
    for (std::size_t c = 0; c < size_columns().size(); ++c) {
      if (matches(cell, size_columns()[c], have_library[c])) return static_cast<int>(c);
    }
    return -1;
  };
  std::vector<std::string> extra_rows; // display names, in table order
  for (const CellResult* cell : cells) {
    if (column_of(*cell) < 0 && summarize_cell(*cell).has_figures() &&
        std::find(extra_rows.begin(), extra_rows.end(), cell->display_name) == extra_rows.end()) {
      extra_rows.push_back(cell->display_name);
    }
  }

  std::string out;
  std::vector<std::string> header = {"Response_size"};
  for (const auto& column : size_columns()) header.push_back(column.header);
  for (const auto& name : extra_rows) header.push_back(name + " Time");
  header.push_back("Failures");
  header.push_back("Flagged cells"); // carrying a noise flag (docs/run.md, "Flags")
  row(out, header);
  for (std::uint64_t size : sizes) {
    std::vector<std::string> line(header.size());
    line[0] = std::to_string(size);
    std::uint64_t failures = 0;
    std::uint64_t flagged = 0;
    for (const CellResult* cell : cells) {
      if (cell->size != size) continue;
      const CellSummary s = summarize_cell(*cell);
      failures += s.failures.total() + (s.error.empty() ? 0 : 1);
      if (!noise_flags(results, *cell, s).empty()) ++flagged;
      const int column = column_of(*cell);
      std::size_t at = 0;
      if (column >= 0) {
        at = static_cast<std::size_t>(column) + 1;
      } else {
        const auto it = std::find(extra_rows.begin(), extra_rows.end(), cell->display_name);
        if (it == extra_rows.end()) continue;
        at = size_columns().size() + 1 + static_cast<std::size_t>(it - extra_rows.begin());
      }
      line[at] = seconds(s);
    }
    line[line.size() - 2] = std::to_string(failures);
    line.back() = std::to_string(flagged);
    row(out, line);
  }
  return out;
}

std::vector<std::string> write_csv_files(const RunResults& results, const std::string& path) {
  std::vector<std::string> protocols;
  std::vector<std::string> paths;
  std::vector<unsigned> concurrencies;
  std::vector<std::string> versions;
  std::vector<double> rates; // 0: closed loop
  for (const auto& cell : results.cells) {
    if (std::find(versions.begin(), versions.end(), cell.http_version) == versions.end())
      versions.push_back(cell.http_version);
    if (std::find(rates.begin(), rates.end(), cell.rate) == rates.end()) rates.push_back(cell.rate);
    if (std::find(protocols.begin(), protocols.end(), cell.protocol) == protocols.end())
      protocols.push_back(cell.protocol);
    if (std::find(paths.begin(), paths.end(), cell.path) == paths.end()) paths.push_back(cell.path);
    if (std::find(concurrencies.begin(), concurrencies.end(), cell.concurrency) ==
        concurrencies.end())
      concurrencies.push_back(cell.concurrency);
  }
  const bool size_layout = results.settings.benchmark_type == "size";
  std::vector<std::pair<std::string, std::string>> files; // suffix, content
  for (const auto& protocol : protocols) {
    for (const auto& version : versions) {
      for (unsigned concurrency : concurrencies) {
        for (double rate : rates) {
          std::string suffix = protocols.size() > 1 ? "-" + protocol : "";
          if (versions.size() > 1) suffix += version == "2" ? "-h2" : "-h1";
          if (concurrencies.size() > 1) suffix += fmt::format("-c{}", concurrency);
          if (rate > 0) suffix += fmt::format("-r{:g}", rate);
          if (size_layout) {
            files.emplace_back(suffix, size_csv(results, protocol, concurrency, version, rate));
            continue;
          }
          for (const auto& p : paths) {
            const std::string name = paths.size() > 1 ? suffix + "-" + slug(p) : suffix;
            files.emplace_back(name, full_csv(results, protocol, p, concurrency, version, rate));
          }
        }
      }
    }
  }
  std::vector<std::string> written;
  for (const auto& [suffix, content] : files) {
    const std::string file = with_suffix(path, files.size() > 1 ? suffix : "");
    write_text_file(file, content);
    written.push_back(file);
  }
  return written;
}

} // namespace hcbench
