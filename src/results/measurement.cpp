#include "hcbench/results/measurement.h"

namespace hcbench {

std::string_view failure_kind_name(FailureKind kind) {
  switch (kind) {
  case FailureKind::connect:
    return "connect";
  case FailureKind::tls:
    return "tls";
  case FailureKind::timeout:
    return "timeout";
  case FailureKind::status:
    return "status";
  case FailureKind::length:
    return "length";
  case FailureKind::digest:
    return "digest";
  case FailureKind::protocol:
    return "protocol";
  case FailureKind::other:
    return "other";
  }
  return "other";
}

} // namespace hcbench
