#include "hcbench/client/response_check.h"

namespace hcbench {

ResponseCheck::ResponseCheck(const CellSpec& spec)
    : mode_(spec.verify), expected_length_(spec.expected_length),
      expected_digest_(spec.expected_digest), hashing_(spec.verify == VerifyMode::digest) {}

std::optional<FailureKind> ResponseCheck::finish(long status) {
  if (status != 200) return FailureKind::status;
  if (mode_ == VerifyMode::none) return std::nullopt;
  if (body_bytes_ != expected_length_) return FailureKind::length;
  if (hashing_) {
    const Sha256 digest = stream_.finish();
    // The expected value is in the Repr-Digest form the server sends; building the same
    // form costs an allocation, which only --verify digest pays.
    if ("sha-256=:" + base64(digest) + ":" != expected_digest_) return FailureKind::digest;
  }
  return std::nullopt;
}

} // namespace hcbench
