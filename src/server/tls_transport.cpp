#include "hcbench/server/tls_transport.h"

namespace hcbench {

TlsTransport::TlsTransport(const TlsContext& context, WorkerCounters& counters)
    : session_(context.new_session()), counters_(counters) {}

Transport::Input TlsTransport::receive(std::span<const char> bytes) {
  // The previous plaintext was fed before this call; its capacity is kept for the next.
  plaintext_in_.clear();
  session_->receive(bytes);
  // read() decrypts every complete record, so one call takes all that this arrival holds.
  const IoStatus status = session_->read(plaintext_in_);
  if (!handshake_counted_ && session_->handshake_complete()) {
    handshake_counted_ = true;
    (session_->resumed() ? counters_.tls_resumed_handshakes : counters_.tls_full_handshakes).add();
  }
  if (status == IoStatus::error && !session_->handshake_complete()) counters_.tls_failures.add();
  return {status, plaintext_in_};
}

void TlsTransport::move_ciphertext(OutputQueue& wire) {
  std::string& ciphertext = session_->outgoing();
  if (ciphertext.size() > OutputQueue::copy_threshold) {
    wire.adopt(session_->take_outgoing()); // adopted, not copied; the session keeps no buffer
  } else if (!ciphertext.empty()) {
    wire.append(std::string_view(ciphertext));
    ciphertext.clear(); // small: keep its capacity for the next response
  }
}

IoStatus TlsTransport::seal(OutputQueue& wire) {
  // Handshake messages and alerts first: they precede any record encrypted now.
  move_ciphertext(wire);
  while (wire.size() < window && !plaintext_out_.empty()) {
    const std::string_view piece = plaintext_out_.front().substr(0, window - wire.size());
    if (session_->write(piece) != IoStatus::ok) return IoStatus::error;
    plaintext_out_.consume(piece.size());
    move_ciphertext(wire);
  }
  if (plaintext_out_.empty() && close_notify_pending_) {
    close_notify_pending_ = false;
    session_->close_notify();
    move_ciphertext(wire);
  }
  return IoStatus::ok;
}

} // namespace hcbench
