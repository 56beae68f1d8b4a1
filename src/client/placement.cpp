#include "hcbench/client/placement.h"

#include "hcbench/client/sampler.h"
#include "hcbench/shared/units.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <sched.h>

namespace hcbench {

std::optional<CpuList> parse_cpu_list(std::string_view text) {
  CpuList cpus;
  for (const auto& part : split_list(text, '+')) {
    const std::string_view item = part;
    const auto dash = item.find('-');
    const auto first = parse_decimal(item.substr(0, dash));
    const auto last = dash == std::string_view::npos ? first : parse_decimal(item.substr(dash + 1));
    if (!first || !last || *first > *last || *last >= CPU_SETSIZE) return std::nullopt;
    for (auto cpu = *first; cpu <= *last; ++cpu) cpus.push_back(static_cast<int>(cpu));
  }
  if (cpus.empty()) return std::nullopt;
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::string format_cpu_list(const CpuList& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += '+';
    out += j == i ? fmt::format("{}", cpus[i]) : fmt::format("{}-{}", cpus[i], cpus[j]);
    i = j + 1;
  }
  return out;
}

PinParse parse_pin(std::string_view text) {
  PinRequest pin;
  for (const auto& item : split_list(text, ',')) {
    const auto equals = item.find('=');
    const std::string who = item.substr(0, equals);
    if (equals == std::string::npos || (who != "client" && who != "server")) {
      return {std::nullopt, fmt::format("'{}' is not client=CPUS or server=CPUS", item)};
    }
    const auto cpus = parse_cpu_list(std::string_view(item).substr(equals + 1));
    if (!cpus)
      return {std::nullopt, fmt::format("'{}' is not a CPU list like 0, 0-1 or 0+2", item)};
    (who == "client" ? pin.client : pin.server) = *cpus;
  }
  if (!pin.client && !pin.server) return {std::nullopt, "expected client=CPUS,server=CPUS"};
  return {pin, ""};
}

std::optional<PinRequest> default_pin(const CpuList& allowed) {
  if (allowed.size() < 2) return std::nullopt;
  PinRequest pin;
  pin.server = CpuList{allowed.back()};
  pin.client = CpuList(allowed.begin(), allowed.end() - 1);
  return pin;
}

std::string format_pin(const PinRequest& pin) {
  std::vector<std::string> parts;
  if (pin.client) parts.push_back("client=" + format_cpu_list(*pin.client));
  if (pin.server) parts.push_back("server=" + format_cpu_list(*pin.server));
  return fmt::format("{}", fmt::join(parts, ","));
}

std::string set_affinity(pid_t pid, const CpuList& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cpus) CPU_SET(cpu, &set);
  if (sched_setaffinity(pid, sizeof set, &set) != 0) {
    return fmt::format("cannot pin to CPUs {}: {}", format_cpu_list(cpus), std::strerror(errno));
  }
  return "";
}

CpuList get_affinity(pid_t pid) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CpuList cpus;
  if (sched_getaffinity(pid, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

int last_cpu(pid_t pid) {
  std::ifstream in(pid ? fmt::format("/proc/{}/stat", pid) : std::string("/proc/self/stat"));
  std::ostringstream text;
  text << in.rdbuf();
  const auto stat = parse_process_stat(text.str());
  return stat ? stat->last_cpu : -1;
}

Placement observe_placement(pid_t server, bool pinned) {
  Placement p;
  p.pinned = pinned;
  const CpuList client = get_affinity(0);
  p.client_cpus = format_cpu_list(client);
  p.client_last_cpu = last_cpu(0);
  if (server <= 0) {
    p.relation = "external";
    return p;
  }
  const CpuList served = get_affinity(server);
  p.server_cpus = format_cpu_list(served);
  p.server_last_cpu = last_cpu(server);
  if (client.size() == 1 && served.size() == 1) {
    p.relation = client == served ? "same-core" : "cross-core";
  } else if (std::none_of(client.begin(), client.end(), [&](int cpu) {
               return std::find(served.begin(), served.end(), cpu) != served.end();
             })) {
    p.relation = "separate CPUs";
  } else {
    p.relation = "unpinned";
  }
  return p;
}

} // namespace hcbench
