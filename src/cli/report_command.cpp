// hcbench report: tables and charts from a saved run, or a comparison of two runs.
#include "hcbench/cli/commands.h"
#include "hcbench/report/compare.h"
#include "hcbench/report/merge.h"
#include "hcbench/report/report_charts.h"
#include "hcbench/results/results_json.h"
#include "hcbench/results/run_table.h"

#include <cxxopts.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

namespace hcbench {
namespace {

constexpr const char* report_usage = R"(tables and SVG charts from a saved run, or two runs compared

  hcbench report RESULTS.json [--format md|csv|json] [--charts DIR] [-o FILE]
  hcbench report BASE.json NEW.json [--format md|csv|json] [-o FILE] [--fail-on-regression]
  hcbench report --merge A.json B.json ... [--json MERGED.json] [--format md|csv|json] [--charts DIR]

RESULTS.json is what `hcbench run --json FILE` wrote. With two files, every cell of NEW is
compared with the same cell of BASE; a change is flagged only when it is larger than the
runs' own spread (run both with --repeat 3 or more to judge by spread).

--merge combines the results of several client hosts that ran the same options together
(`hcbench run --start-at T --host-label NAME`): counts and CPU summed, latency histograms
merged exactly, requests/s over the union of the hosts' windows, each host's rows kept
beside the aggregate. Different settings or cells are refused (exit 2); windows that overlap
less than 90% are flagged, with the reason, on stderr and under the table.)";

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw std::runtime_error(fmt::format("cannot write {}", path.string()));
}

void emit(const std::string& text, const std::string& output) {
  if (output.empty() || output == "-") {
    fmt::print("{}", text);
  } else {
    write_file(output, text);
  }
}

// The same table `hcbench run` printed for this run, in the format asked for.
std::string run_tables(const RunTable& table, ReportFormat format, const std::string& source) {
  switch (format) {
  case ReportFormat::markdown:
    return markdown_table(table);
  case ReportFormat::csv:
    return cells_csv(table);
  case ReportFormat::json:
    return cells_json(table, source);
  }
  return markdown_table(table);
}

// The merged run's tables and flags, its document written to `json_path`, its charts (of the
// aggregate cells only) to `charts`. Throws MergeRefused.
void merge_command(const std::vector<std::string>& files, ReportFormat format,
                   const std::string& output, const std::string& json_path,
                   const std::string& charts) {
  std::vector<MergeInput> inputs;
  for (const auto& file : files)
    inputs.push_back({file, read_results(load_results_document(file))});
  const MergedRun merged = merge_runs(inputs);
  const nlohmann::json document = merged_to_json(merged, files);
  if (!json_path.empty()) write_file(json_path, document.dump(2) + "\n");
  std::string text = run_tables(run_table(merged.results), format, "merged");
  if (format == ReportFormat::markdown) {
    text += fmt::format("Merged from {} hosts: {}.  \n", merged.hosts.size(),
                        fmt::join(merged.hosts, ", "));
    for (const auto& flag : merged.flags) text += fmt::format("**Flagged:** {}  \n", flag);
  }
  emit(text, output);
  for (const auto& flag : merged.flags) fmt::print(stderr, "hcbench report: flagged: {}\n", flag);
  if (!charts.empty()) {
    RunResults aggregate = merged.results;
    std::erase_if(aggregate.cells, [](const CellResult& c) { return !c.host_label.empty(); });
    const auto run = read_report_run(results_to_json(aggregate), "merged");
    const std::filesystem::path directory = charts;
    std::filesystem::create_directories(directory);
    const auto drawn = run_charts(run);
    for (const auto& chart : drawn) write_file(directory / chart.name, chart.svg);
    fmt::print(stderr, "hcbench report: wrote {} charts to {}\n", drawn.size(), directory.string());
  }
}

} // namespace

int report_command(int argc, char** argv) {
  cxxopts::Options options("hcbench report", report_usage);
  options.add_options()("format", "table format: md, csv or json",
                        cxxopts::value<std::string>()->default_value("md"))(
      "charts", "write SVG charts into this directory (one run only)",
      cxxopts::value<std::string>())("o,output",
                                     "write the tables or comparison here instead of stdout",
                                     cxxopts::value<std::string>())(
      "fail-on-regression", "comparison: exit 1 when a cell got worse beyond the runs' spread")(
      "merge", "combine the results of several client hosts of one synchronized run")(
      "json", "--merge: write the merged results document (hcbench-results/1) to FILE",
      cxxopts::value<std::string>())("h,help", "show this help")(
      "files", "", cxxopts::value<std::vector<std::string>>());
  options.parse_positional({"files"});
  options.positional_help("RESULTS.json | BASE.json NEW.json | --merge A.json B.json ...");
  try {
    const auto parsed = options.parse(argc, argv);
    if (parsed.count("help")) {
      fmt::print("{}\n", options.help());
      return 0;
    }
    const auto files = parsed.count("files") ? parsed["files"].as<std::vector<std::string>>()
                                             : std::vector<std::string>{};
    const std::string output = parsed.count("output") ? parsed["output"].as<std::string>() : "";
    if (parsed.count("merge")) {
      const auto format = parse_report_format(parsed["format"].as<std::string>());
      if (!format || files.size() < 2) {
        fmt::print(stderr, "hcbench report: --merge takes two results files or more, and "
                           "--format md, csv or json\n");
        return 2;
      }
      try {
        merge_command(files, *format, output,
                      parsed.count("json") ? parsed["json"].as<std::string>() : "",
                      parsed.count("charts") ? parsed["charts"].as<std::string>() : "");
      } catch (const MergeRefused& e) {
        fmt::print(stderr, "hcbench report: cannot merge: {}\n", e.what());
        return 2;
      }
      return 0;
    }
    if (parsed.count("json")) {
      fmt::print(stderr, "hcbench report: --json is for --merge (for one run: --format json)\n");
      return 2;
    }
    if (files.empty() || files.size() > 2) {
      fmt::print(stderr, "hcbench report: give one results file, or two to compare (try --help)\n");
      return 2;
    }
    const auto format = parse_report_format(parsed["format"].as<std::string>());
    if (!format) {
      fmt::print(stderr, "hcbench report: --format must be md, csv or json\n");
      return 2;
    }

    if (files.size() == 2) {
      if (parsed.count("charts")) {
        fmt::print(stderr, "hcbench report: --charts takes one run, not a comparison\n");
        return 2;
      }
      const auto comparison = compare_runs(load_report_run(files[0]), load_report_run(files[1]));
      emit(comparison_output(comparison, *format), output);
      return parsed.count("fail-on-regression") && comparison.regressions() > 0 ? 1 : 0;
    }

    const auto document = load_results_document(files[0]);
    emit(run_tables(read_run_table(document), *format, files[0]), output);
    if (parsed.count("charts")) {
      const auto run = read_report_run(document, files[0]);
      const std::filesystem::path directory = parsed["charts"].as<std::string>();
      std::filesystem::create_directories(directory);
      const auto charts = run_charts(run);
      for (const auto& chart : charts) write_file(directory / chart.name, chart.svg);
      fmt::print(stderr, "hcbench report: wrote {} charts to {}\n", charts.size(),
                 directory.string());
    }
    return 0;
  } catch (const cxxopts::exceptions::exception& e) {
    fmt::print(stderr, "hcbench report: {} (try --help)\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    fmt::print(stderr, "hcbench report: {}\n", e.what());
    return 2;
  }
}

} // namespace hcbench
