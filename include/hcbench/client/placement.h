// Where the client and the embedded server run. On a VM a sequential round trip between two
// processes costs about 10x more across cores than on one core, so --pin controls placement
// and every result records it (results/placement.h).
#pragma once

#include "hcbench/results/placement.h"

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hcbench {

using CpuList = std::vector<int>; // CPU numbers, ascending, no duplicates

// "3", "0-2", "0-1+4" ('+' joins parts, since ',' separates --pin's items); nothing if invalid.
std::optional<CpuList> parse_cpu_list(std::string_view text);
// The shortest form: {0,1,2,5} -> "0-2+5".
std::string format_cpu_list(const CpuList& cpus);

struct PinRequest {
  std::optional<CpuList> client;
  std::optional<CpuList> server;
};

// "client=0,server=1" (either part may be missing); the error names the bad part.
struct PinParse {
  std::optional<PinRequest> pin;
  std::string error;
};
PinParse parse_pin(std::string_view text);

// The placement a run gets without --pin (docs/run.md, "Placement"): the embedded server on
// the last CPU this process may use, the client on the others, so the two never share a CPU
// and a sequential round trip costs the same in every cell. Nothing with a single CPU.
std::optional<PinRequest> default_pin(const CpuList& allowed);
// "client=0,server=1", as --pin would say it.
std::string format_pin(const PinRequest& pin);

// Sets a process's (0: this one's, all threads) CPU affinity; returns an error text or "".
std::string set_affinity(pid_t pid, const CpuList& cpus);
// The CPUs a process may run on (0: this process).
CpuList get_affinity(pid_t pid);
// The CPU a process last ran on, from /proc/<pid>/stat; -1 if unknown.
int last_cpu(pid_t pid);

Placement observe_placement(pid_t server, bool pinned);

} // namespace hcbench
