// TLS for the server over memory: mbedTLS never touches a socket. Its transport hands the
// session the ciphertext the connection read and gives the connection the ciphertext the
// session produced (h2o's read_bio approach: the bio callbacks read our buffer and return
// WANT_READ when it is empty).
//
// A connection drives it through TlsTransport (tls_transport.h), behind the same Transport
// interface and IoStatus contract as plain TCP. Driving a session:
//   on every socket read:  session.receive(bytes);
//                          status = session.read(plaintext);   // handshake, then decryption
//                          send session.take_outgoing() (or outgoing(), then clear it);
//                          ok -> feed the new plaintext (if any) to HTTP; again -> wait for more;
//                          closed / error -> close the connection (error: session.error()).
//   to answer:             session.write(response); then send session.take_outgoing().
//   to end politely:       session.close_notify(); send session.take_outgoing(); close.
// Configuration and the reasons for it: docs/tls.md.
#pragma once

#include "hcbench/server/transport.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

namespace hcbench {

// Everything TLS that all connections and threads share: certificate and key, the random
// generator, the configuration (TLS 1.2 only, ECDHE with AES-GCM or ChaCha20-Poly1305, curves
// x25519 then P-256 then P-384), session tickets and the session-ID cache. mbedTLS is built
// with MBEDTLS_THREADING_C (checked at compile time), so one context serves every loop.
class TlsContext {
public:
  // Sessions resumed through the session-ID cache (clients that do not use tickets). The
  // cache is a list searched linearly under a mutex, so it stays small.
  static constexpr int session_cache_entries = 1024;
  static constexpr int session_cache_seconds = 3600;
  // Session tickets (AES-256-GCM, keys rotated by mbedTLS every lifetime).
  static constexpr std::uint32_t ticket_lifetime_seconds = 86400;

  // Loads the PEM certificate and private key (ECDSA or RSA) and checks they match; on
  // failure returns null and says why in `error`. ALPN offers "h2" then "http/1.1" with
  // `offer_http2`, only "http/1.1" without; a client that offers neither agrees on none.
  static std::unique_ptr<TlsContext> create(const std::filesystem::path& cert_file,
                                            const std::filesystem::path& key_file,
                                            std::string& error, bool offer_http2 = true);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  const mbedtls_ssl_config* config() const { return &config_; }
  // "ECDSA" or "RSA": the certificate's key type, which decides the cipher suites.
  const char* key_type() const { return key_type_; }

private:
  TlsContext();
  int prepare_ecdsa_signing_key();

  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_x509_crt certificate_;
  mbedtls_pk_context key_;         // as parsed from the key file
  mbedtls_pk_context signing_key_; // ECDSA: the same key as an ECDSA context (tls.cpp says why)
  mbedtls_ssl_ticket_context tickets_;
  mbedtls_ssl_cache_context cache_;
  mbedtls_ssl_config config_;
  const char* key_type_ = "";
};

// One server-side TLS session, driven entirely through memory. Not movable: mbedTLS holds a
// pointer to it for the bio callbacks.
class TlsSession {
public:
  explicit TlsSession(const TlsContext& context);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Ciphertext that arrived from the peer; kept until the session consumes it.
  void receive(std::span<const char> ciphertext);

  // Advances the handshake, then decrypts every complete record, appending the plaintext.
  // ok: the handshake finished or plaintext was appended; again: needs more ciphertext;
  // closed: close_notify received (plaintext that came before it is appended);
  // error: fatal (see error()). Handshake messages to send are in outgoing() afterwards.
  IoStatus read(std::string& plaintext);

  // Encrypts all of `plaintext` into outgoing() as records of up to 16 KiB. Only after the
  // handshake is complete (otherwise error).
  IoStatus write(std::span<const char> plaintext);

  // Queues a close_notify alert into outgoing().
  void close_notify();

  // Ciphertext waiting for the socket: handshake messages, records, alerts. The caller
  // sends it and erases what was sent, or moves the whole string into its write request.
  std::string& outgoing() { return outgoing_; }
  // The same ciphertext, moved out: the session then keeps no output memory at all, even after
  // a large response (clearing outgoing() keeps its capacity). Prefer this on idle-prone paths.
  std::string take_outgoing() { return std::exchange(outgoing_, std::string()); }

  bool handshake_complete() const { return handshake_complete_; }
  bool resumed() const { return resumed_; } // the handshake resumed a session (ticket or cache)
  // The negotiated suite, e.g. "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256"; "" before that.
  const char* ciphersuite() const;
  // The protocol agreed through ALPN ("h2" or "http/1.1"); empty when the client offered
  // none, and before the handshake completes.
  std::string_view alpn_protocol() const;
  const std::string& error() const { return error_; }

private:
  static int bio_send(void* self, const unsigned char* data, std::size_t length);
  static int bio_receive(void* self, unsigned char* data, std::size_t length);

  IoStatus advance_handshake();
  IoStatus fail(const char* what, int code);

  mbedtls_ssl_context ssl_;
  std::string incoming_; // ciphertext received; bytes before incoming_offset_ are consumed
  std::size_t incoming_offset_ = 0;
  std::string outgoing_;
  bool handshake_complete_ = false;
  bool resumed_ = false;
  bool failed_ = false;
  bool anything_received_ = false;
  bool plain_http_ = false; // the first bytes looked like an HTTP request: said in error()
  std::string error_;
};

} // namespace hcbench
