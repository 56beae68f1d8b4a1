#include "hcbench/results/vmstat_log.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cctype>
#include <chrono>
#include <map>

namespace hcbench {

namespace {

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

} // namespace

std::string vmstat_log(const RunResults& results) {
  std::map<std::int64_t, const CellResult*> cell_of_order;
  for (const auto& cell : results.cells) {
    for (const auto& run : cell.runs) cell_of_order[run.order] = &cell;
  }
  std::string out = fmt::format(
      "{:<24} {:>5} {:>3} {:>3} {:>5} {:>5} {:>5} {:>5} {:>5} {:>8} {:>8} {:>6} {:>7} {:>7}  {}\n",
      "time", "cell", "r", "b", "us", "sy", "id", "wa", "st", "cs", "in", "busy1", "client",
      "server", "cell name");
  for (const auto& s : results.samples) {
    const auto ms = results.started_unix_ms + static_cast<std::int64_t>(s.time_seconds * 1000);
    const std::chrono::sys_seconds when{std::chrono::seconds(ms / 1000)};
    const auto found = cell_of_order.find(s.run_index);
    const CellResult* cell = found == cell_of_order.end() ? nullptr : found->second;
    out += fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z {:>5} {:>3} {:>3} {:>5.1f} {:>5.1f} {:>5.1f} "
                       "{:>5.1f} {:>5.1f} "
                       "{:>8.0f} {:>8.0f} {:>6.1f} {:>7.1f} {:>7}  {}\n",
                       when, ms % 1000, cell ? std::to_string(cell->index) : "-", s.runnable,
                       s.blocked, s.user, s.system, s.idle, s.iowait, s.steal,
                       s.context_switches_per_second, s.interrupts_per_second, s.busiest_cpu,
                       s.client_cpu, s.server_cpu ? fmt::format("{:.1f}", *s.server_cpu) : "-",
                       cell ? fmt::format("{} {} {} c{}", cell->display_name, upper(cell->protocol),
                                          cell->path, cell->concurrency)
                            : "(between cells)");
  }
  return out;
}

} // namespace hcbench
