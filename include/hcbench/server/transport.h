// What carries a connection's bytes between the socket and its protocol session: plain TCP
// or TLS, swapped whole (wrk's net.h and ssl.h behind one status contract). The connection
// owns the socket and does every system call; a transport only transforms bytes in memory,
// so the connection's code is the same for both and a transport is testable without sockets.
//
// Driving a transport from a connection:
//   on every socket read:   input = transport.receive(bytes);
//                           feed input.plaintext to the protocol session, writing into
//                           transport.output_for(wire); then act on input.status.
//   before every write:     transport.seal(wire): what the session produced, made ready for the
//                           socket (TLS: encrypted, a bounded window ahead of the socket).
//   after the last request: transport.end_output() (TLS: close_notify after the last byte).
#pragma once

#include "hcbench/server/output_queue.h"

#include <cstddef>
#include <span>
#include <string_view>

namespace hcbench {

// Plain and TLS transports share this status contract (wrk's net.h: OK, ERROR, RETRY).
enum class IoStatus {
  ok,     // progress was made
  again,  // nothing more can happen until more bytes arrive from the peer
  closed, // the peer closed the session cleanly (TLS close_notify)
  error,  // fatal: the connection must be closed
};

class Transport {
public:
  // What one socket read gave the protocol.
  struct Input {
    IoStatus status = IoStatus::ok;
    // Bytes for the protocol session, in order; valid until the next call to receive(). They
    // come before the end that `status` may report.
    std::span<const char> plaintext;
  };

  virtual ~Transport() = default;

  // Bytes read from the socket. ok / again: keep reading; closed: the peer ended the session
  // cleanly after `plaintext`; error: fatal (TLS may have staged an alert: write what seal()
  // gives, then close without waiting for the peer).
  virtual Input receive(std::span<const char> bytes) = 0;

  // The queue the protocol session appends its output to, given `wire`, the connection's queue
  // of bytes for the socket: `wire` itself for plain TCP, the transport's own plaintext queue
  // for TLS (sealed later, so a burst of large responses stays references, not ciphertext).
  virtual OutputQueue& output_for(OutputQueue& wire) = 0;

  // Moves output toward the socket: appends to `wire` what the transport staged (TLS: the
  // handshake messages and alerts, then records encrypted up to a window ahead of the socket),
  // and decides how `wire`'s bytes are sent (plain: large payload bodies from their file, by
  // sendfile()). Called before every write; error: the connection must be closed.
  virtual IoStatus seal(OutputQueue& wire) = 0;

  // Output staged and not yet in a wire queue (TLS plaintext not yet encrypted; plain: 0).
  virtual std::size_t staged_bytes() const = 0;

  // No more output will come from the protocol: after what is staged, end the session
  // politely (TLS: close_notify, when the handshake completed and nothing failed).
  virtual void end_output() = 0;

  // The transport is still being established (TLS handshake): no protocol can answer yet,
  // so a connection that times out now is closed without a response.
  virtual bool establishing() const = 0;

  // The application protocol the peer and the transport agreed on (TLS ALPN, e.g. "h2" or
  // "http/1.1"); empty when none was negotiated, and always for plain TCP. Known once
  // establishing() is false.
  virtual std::string_view alpn_protocol() const = 0;
};

} // namespace hcbench
