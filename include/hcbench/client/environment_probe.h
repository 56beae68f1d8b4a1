// What a run records about the machine it ran on (results.h's Environment), read from the
// system: /proc/cpuinfo, uname, the host name, the linked libcurl and the CPU placement.
#pragma once

#include "hcbench/results/results.h"

#include <sys/types.h>

namespace hcbench {

// `server` is the embedded server's process id, 0 when the server is external.
Environment observe_environment(pid_t server);

} // namespace hcbench
