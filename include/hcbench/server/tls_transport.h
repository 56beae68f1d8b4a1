// TLS as a connection's transport: a TlsSession over memory, the plaintext queue the protocol
// writes into, and the handshake counters of /stats. Responses are encrypted only a window
// ahead of the socket, so a pipelined burst of large responses stays references to shared
// payloads until the socket drains.
#pragma once

#include "hcbench/server/stats.h"
#include "hcbench/server/tls.h"
#include "hcbench/server/transport.h"

#include <cstddef>
#include <memory>
#include <string>

namespace hcbench {

class TlsTransport final : public Transport {
public:
  // Plaintext is encrypted only while the wire queue holds less than this: the ciphertext
  // waiting for the socket stays bounded even for a client that does not read.
  static constexpr std::size_t window = 256 * 1024;
  // The most plaintext one TLS record carries.
  static constexpr std::size_t record_plaintext = 16 * 1024;

  TlsTransport(const TlsContext& context, WorkerCounters& counters);

  // A session of the context's engine (mbedTLS or OpenSSL: the transport does not care).
  // Handshake, then decryption; counts the handshake (full or resumed) when it completes, and
  // a failure before it completes.
  Input receive(std::span<const char> bytes) override;
  OutputQueue& output_for(OutputQueue&) override { return plaintext_out_; }
  // Moves the handshake messages and alerts, then encrypts queued plaintext while `wire`
  // holds less than the window; after end_output() and the last byte, close_notify.
  IoStatus seal(OutputQueue& wire) override;
  std::size_t staged_bytes() const override { return plaintext_out_.size(); }
  void end_output() override { close_notify_pending_ = session_->handshake_complete(); }
  bool establishing() const override { return !session_->handshake_complete(); }
  std::string_view alpn_protocol() const override { return session_->alpn_protocol(); }

  const TlsSession& session() const { return *session_; }

private:
  void move_ciphertext(OutputQueue& wire); // what the session produced goes to `wire`

  std::unique_ptr<TlsSession> session_;
  WorkerCounters& counters_;
  std::string plaintext_in_;  // decrypted request bytes of the last receive()
  OutputQueue plaintext_out_; // responses not yet encrypted
  bool handshake_counted_ = false;
  bool close_notify_pending_ = false; // send close_notify after the last response
};

} // namespace hcbench
