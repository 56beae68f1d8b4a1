#include "hcbench/shared/digest.h"

namespace hcbench {

Sha256Stream::Sha256Stream() {
  mbedtls_sha256_init(&context_);
  mbedtls_sha256_starts_ret(&context_, 0);
}

Sha256Stream::~Sha256Stream() {
  mbedtls_sha256_free(&context_);
}

void Sha256Stream::update(std::span<const char> data) {
  mbedtls_sha256_update_ret(&context_, reinterpret_cast<const unsigned char*>(data.data()),
                            data.size());
}

Sha256 Sha256Stream::finish() {
  Sha256 out{};
  mbedtls_sha256_finish_ret(&context_, out.data());
  mbedtls_sha256_starts_ret(&context_, 0);
  return out;
}

Sha256 sha256(std::span<const char> data) {
  Sha256 out{};
  mbedtls_sha256_ret(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
                     0);
  return out;
}

std::string base64(std::span<const std::uint8_t> data) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (const std::size_t rest = data.size() - i; rest > 0) {
    const std::uint32_t v = (data[i] << 16) | (rest == 2 ? data[i + 1] << 8 : 0);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string repr_digest(std::span<const char> body) {
  const Sha256 digest = sha256(body);
  return "sha-256=:" + base64(digest) + ":";
}

} // namespace hcbench
