// Where the client and the embedded server ran, as a result records it. Observing it is the
// client's business (client/placement.h); this is the plain record.
#pragma once

#include <string>

namespace hcbench {

struct Placement {
  std::string client_cpus;  // affinity of the client, as a CPU list
  std::string server_cpus;  // affinity of the embedded server ("" when external)
  int client_last_cpu = -1; // where each was last seen running at the end of the cell
  int server_last_cpu = -1;
  bool pinned = false; // --pin was given
  // "same-core", "cross-core" (both pinned, to one CPU each) or "unpinned"/"external".
  std::string relation;
};

} // namespace hcbench
