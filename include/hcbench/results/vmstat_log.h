// The vmstat-style sample log of a run (`hcbench run --vmstat-log`): one timestamped line per
// CPU sample, with the cell it belongs to.
#pragma once

#include "hcbench/results/results.h"

#include <string>

namespace hcbench {

std::string vmstat_log(const RunResults& results);

} // namespace hcbench
