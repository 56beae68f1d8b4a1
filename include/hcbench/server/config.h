// Everything `hcbench serve` can be told, with the defaults its --help shows.
#pragma once

#include "hcbench/shared/endpoints.h"
#include "hcbench/shared/payload.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hcbench {

// The library behind the HTTPS listener (docs/tls.md says when to choose which).
enum class TlsEngine {
  mbedtls, // the default: the project's design
  openssl, // OpenSSL 3: cheaper full handshakes and bulk encryption
};

constexpr std::string_view tls_engine_name(TlsEngine engine) {
  return engine == TlsEngine::openssl ? "openssl" : "mbedtls";
}

// "mbedtls" or "openssl"; nullopt for anything else.
constexpr std::optional<TlsEngine> parse_tls_engine(std::string_view name) {
  if (name == "mbedtls") return TlsEngine::mbedtls;
  if (name == "openssl") return TlsEngine::openssl;
  return std::nullopt;
}

// What one HTTP/1 or HTTP/2 session enforces and how it answers.
struct SessionConfig {
  std::uint64_t max_length = default_max_length; // largest n of /length/<n> (413 above)
  std::uint64_t max_body_bytes = 1ull << 20;     // request bodies are read and discarded up to this
  std::size_t max_head_bytes = 8192;             // request line + headers (431 above)
  std::uint64_t keepalive_requests = 0;          // requests per connection, 0 = unlimited
  std::uint64_t max_delay_ms = default_max_delay_ms; // largest ms of /delay/<ms> (400 above)
  ContentTypeMode content_type = ContentTypeMode::native;
  // HTTP/2 only (docs/http2.md). The header-list limit is max_head_bytes, counted as
  // SETTINGS_MAX_HEADER_LIST_SIZE counts it (name + value + 32 per field).
  bool http2 = true;                    // h2 by ALPN, h2c by prior knowledge or Upgrade
  std::uint32_t max_streams = 128;      // SETTINGS_MAX_CONCURRENT_STREAMS
  std::uint32_t reset_burst = 200;      // RST_STREAMs a client may send at once...
  std::uint32_t resets_per_second = 50; // ...and sustained; then GOAWAY ENHANCE_YOUR_CALM
};

struct ServerConfig {
  std::string bind_address = "0.0.0.0";
  std::optional<std::uint16_t> http_port = 8080;  // nullopt: no HTTP listener; 0: ephemeral
  std::optional<std::uint16_t> https_port = 4443; // nullopt: no HTTPS listener; 0: ephemeral
  unsigned threads = 1;                           // event loops, each with its own listeners
  std::string cert_file;                          // empty: certs/localhost.crt
  std::string key_file;                           // empty: certs/localhost.key
  TlsEngine tls_engine = TlsEngine::mbedtls;      // the HTTPS listener's TLS library
  std::uint64_t cache_bytes = 256ull << 20;       // payload cache bound (LRU beyond)
  std::uint64_t max_connections = 16384;          // open connections; more are closed at once
  double header_timeout_seconds = 10;             // from a request's first byte to its last header
  double idle_timeout_seconds = 65;               // no request and no progress (nginx's 65 s)
  SessionConfig session;
};

} // namespace hcbench
