// The payload digest a client can check: SHA-256 of the body, sent in the standard
// Repr-Digest response header (RFC 9530): `Repr-Digest: sha-256=:<base64>:`.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <mbedtls/sha256.h>

namespace hcbench {

using Sha256 = std::array<std::uint8_t, 32>;

Sha256 sha256(std::span<const char> data);
std::string base64(std::span<const std::uint8_t> data);

// The value of the Repr-Digest header for a body: "sha-256=:<base64 of SHA-256>:".
std::string repr_digest(std::span<const char> body);

inline constexpr std::string_view digest_header_name = "Repr-Digest";

// Incremental form, for a client that receives a body in pieces.
class Sha256Stream {
public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(std::span<const char> data);
  Sha256 finish(); // also resets the stream for the next body

private:
  mbedtls_sha256_context context_;
};

} // namespace hcbench
