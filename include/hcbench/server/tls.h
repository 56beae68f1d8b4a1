// TLS for the server over memory: mbedTLS never touches a socket. The connection hands the
// session the ciphertext it read and sends the ciphertext the session produced (h2o's
// read_bio approach: the bio callbacks read our buffer and return WANT_READ when it is empty).
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

namespace hcbench {

// Plain and TLS transports share this status contract (wrk's net.h: OK, ERROR, RETRY).
enum class IoStatus {
  ok,     // progress was made
  again,  // nothing more can happen until more bytes arrive from the peer
  closed, // the peer closed the session cleanly (close_notify)
  error,  // fatal: the connection must be closed
};

// Everything TLS that all connections and threads share: certificate and key, the random
// generator, the configuration (TLS 1.2, ECDHE with AES-GCM), session tickets and the
// session cache. mbedTLS is built with MBEDTLS_THREADING_C, so one context serves every loop.
class TlsContext {
public:
  // Loads PEM files; on failure returns null and says why in `error`.
  static std::unique_ptr<TlsContext> create(const std::filesystem::path& cert_file,
                                            const std::filesystem::path& key_file,
                                            std::string& error);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  const mbedtls_ssl_config* config() const { return &config_; }

private:
  TlsContext();

  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_x509_crt certificate_;
  mbedtls_pk_context key_;
  mbedtls_ssl_ticket_context tickets_;
  mbedtls_ssl_cache_context cache_;
  mbedtls_ssl_config config_;
};

// One server-side TLS session, driven entirely through memory.
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
  // closed: close_notify received; error: fatal (see error()).
  IoStatus read(std::string& plaintext);

  // Encrypts all of `plaintext` into outgoing(). Only after the handshake is complete.
  IoStatus write(std::span<const char> plaintext);

  // Queues a close_notify alert into outgoing().
  void close_notify();

  // Ciphertext waiting for the socket: handshake messages, records, alerts. The caller
  // sends it and erases what was sent.
  std::string& outgoing() { return outgoing_; }

  bool handshake_complete() const { return handshake_complete_; }
  bool resumed() const { return resumed_; } // the handshake resumed a session (ticket or cache)
  const std::string& error() const { return error_; }

private:
  static int bio_send(void* self, const unsigned char* data, std::size_t length);
  static int bio_receive(void* self, unsigned char* data, std::size_t length);

  mbedtls_ssl_context ssl_;
  std::string incoming_; // ciphertext received and not yet consumed
  std::size_t incoming_offset_ = 0;
  std::string outgoing_;
  bool handshake_complete_ = false;
  bool resumed_ = false;
  std::string error_;
};

} // namespace hcbench
