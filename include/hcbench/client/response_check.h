// Checks one response against what the cell expects (status, length, digest) as its body
// streams in, without keeping the body. Shared by the libcurl runners and the floor client
// so every row applies exactly the same rules.
#pragma once

#include "hcbench/client/cell.h"
#include "hcbench/shared/digest.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace hcbench {

class ResponseCheck {
public:
  explicit ResponseCheck(const CellSpec& spec);

  // Starts a new response: forgets the previous body.
  void begin() {
    body_bytes_ = 0;
    if (hashing_) stream_.finish(); // resets the stream
  }
  void on_body(std::span<const char> data) {
    body_bytes_ += data.size();
    if (hashing_) stream_.update(data);
  }
  // The failure of a complete response with this status, or nothing when it is good.
  std::optional<FailureKind> finish(long status);

  std::uint64_t body_bytes() const { return body_bytes_; }

private:
  VerifyMode mode_;
  std::uint64_t expected_length_;
  std::string expected_digest_;
  bool hashing_;
  std::uint64_t body_bytes_ = 0;
  Sha256Stream stream_;
};

} // namespace hcbench
