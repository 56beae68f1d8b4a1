#include "hcbench/client/run_control.h"

namespace hcbench {

RunControl& run_control() {
  static RunControl control;
  return control;
}

} // namespace hcbench
