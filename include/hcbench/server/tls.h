// TLS for the server over memory: the TLS library never touches a socket. Its transport hands
// the session the ciphertext the connection read and gives the connection the ciphertext the
// session produced (h2o's read_bio approach: the library's input callback reads our buffer and
// reports "would block" when it is empty; its output callback appends to ours).
//
// Two engines implement it behind the same classes (`hcbench serve --tls-engine`): mbedTLS
// (mbedtls_tls.h, the default) and OpenSSL (openssl_tls.h). Same protocol version, suites,
// curves, resumption and ALPN; docs/tls.md says when to choose which.
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
#pragma once

#include "hcbench/server/config.h"
#include "hcbench/server/transport.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hcbench {

// What a TLS context is made from.
struct TlsSettings {
  TlsEngine engine = TlsEngine::mbedtls;
  std::filesystem::path cert_file; // PEM certificate (chain), ECDSA or RSA
  std::filesystem::path key_file;  // its PEM private key
  // ALPN protocols in the server's order of preference (e.g. {"h2", "http/1.1"}). Empty: the
  // server ignores the client's ALPN offer. Otherwise a client whose offer shares none of them
  // is refused with a no_application_protocol alert (what mbedTLS does; OpenSSL made to match).
  std::vector<std::string> alpn_protocols;
};

class TlsSession;

// Everything TLS that all connections and threads share: certificate and key, the random
// generator, the configuration (TLS 1.2 only, ECDHE with ChaCha20-Poly1305 then AES-GCM, curves
// x25519 then P-256 then P-384), session tickets and the session-ID cache. Both engines lock
// their shared state themselves, so one context serves every loop.
class TlsContext {
public:
  // Sessions resumed through the session-ID cache (clients that do not use tickets). mbedTLS's
  // cache is a list searched linearly under a mutex, so it stays small.
  static constexpr int session_cache_entries = 1024;
  static constexpr int session_cache_seconds = 3600;
  // Session tickets: how long a ticket resumes a session.
  static constexpr std::uint32_t ticket_lifetime_seconds = 86400;

  // Loads the PEM certificate and private key (ECDSA or RSA) into the chosen engine and checks
  // they match; on failure returns null and says why in `error` (with the engine's own text).
  static std::unique_ptr<TlsContext> create(const TlsSettings& settings, std::string& error);
  virtual ~TlsContext() = default;
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  virtual TlsEngine engine() const = 0;
  // "ECDSA" or "RSA": the certificate's key type, which decides the cipher suites.
  virtual const char* key_type() const = 0;
  // The library and its version, e.g. "mbed TLS 2.28.3" or "OpenSSL 3.0.17 1 Jul 2025".
  virtual std::string library_version() const = 0;
  // A server session for one connection; it must not outlive this context.
  virtual std::unique_ptr<TlsSession> new_session() const = 0;

protected:
  TlsContext() = default;
};

// One server-side TLS session, driven entirely through memory. Not movable: the engine holds a
// pointer to it for its input and output callbacks. The buffers, their bookkeeping and the
// states are shared by the engines; the engine implements the TLS calls.
class TlsSession {
public:
  virtual ~TlsSession() = default;
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Ciphertext that arrived from the peer; kept until the session consumes it.
  void receive(std::span<const char> ciphertext);

  // Advances the handshake, then decrypts every complete record, appending the plaintext.
  // ok: the handshake finished or plaintext was appended; again: needs more ciphertext;
  // closed: close_notify received (plaintext that came before it is appended);
  // error: fatal (see error()). Handshake messages to send are in outgoing() afterwards.
  virtual IoStatus read(std::string& plaintext) = 0;

  // Encrypts all of `plaintext` into outgoing() as records of up to 16 KiB. Only after the
  // handshake is complete (otherwise error).
  virtual IoStatus write(std::span<const char> plaintext) = 0;

  // Queues a close_notify alert into outgoing().
  virtual void close_notify() = 0;

  // Ciphertext waiting for the socket: handshake messages, records, alerts. The caller
  // sends it and erases what was sent, or moves the whole string into its write request.
  std::string& outgoing() { return outgoing_; }
  // The same ciphertext, moved out: the session then keeps no output memory at all, even after
  // a large response (clearing outgoing() keeps its capacity). Prefer this on idle-prone paths.
  std::string take_outgoing() { return std::exchange(outgoing_, std::string()); }

  bool handshake_complete() const { return handshake_complete_; }
  bool resumed() const { return resumed_; } // the handshake resumed a session (ticket or cache)
  // The negotiated suite by its IANA name in mbedTLS's spelling, the same for both engines,
  // e.g. "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256"; "" before the handshake completes.
  virtual const char* ciphersuite() const = 0;
  // The protocol agreed through ALPN (e.g. "h2"); empty when the client offered none or the
  // server configured none, and before the handshake completes.
  virtual std::string_view alpn_protocol() const = 0;
  const std::string& error() const { return error_; }

protected:
  TlsSession() = default;

  // For the engine's input callback: copies up to `length` received, unconsumed bytes into
  // `data` and returns how many (0: nothing left, the engine must wait for more).
  std::size_t take_incoming(void* data, std::size_t length);
  // For the engine's output callback.
  void append_outgoing(const void* data, std::size_t length) {
    outgoing_.append(static_cast<const char*>(data), length);
  }
  // Marks the session failed for good with `message`; returns IoStatus::error.
  IoStatus fail(std::string message);
  // What a failed handshake is called in error(): it says so when the client sent plain HTTP.
  const char* handshake_failure_name() const;

  bool handshake_complete_ = false;
  bool resumed_ = false;
  bool failed_ = false;

private:
  std::string incoming_; // ciphertext received; bytes before incoming_offset_ are consumed
  std::size_t incoming_offset_ = 0;
  std::string outgoing_;
  bool anything_received_ = false;
  bool plain_http_ = false; // the first bytes looked like an HTTP request: said in error()
  std::string error_;
};

} // namespace hcbench
