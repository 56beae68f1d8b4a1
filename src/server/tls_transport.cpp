#include "hcbench/server/tls_transport.h"

#include <algorithm>

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
  // A small region (response headers before a referenced body, an HTTP/2 frame's 9-byte
  // header) is gathered with what follows it into one record of up to 16 KiB instead of
  // sealing a record of its own: one record to encrypt and for the peer to decrypt instead of
  // two, and a 16 KiB DATA frame no longer leaves as a 30-byte record and a full one. One
  // buffer per worker thread, so an idle connection keeps none.
  thread_local std::string gathered;
  while (wire.size() < window && !plaintext_out_.empty()) {
    // The window may be crossed by one record, so that every record but the last is full.
    const std::size_t room = std::max(window - wire.size(), record_plaintext);
    std::string_view piece = plaintext_out_.front().substr(0, room);
    const bool gather = piece.size() < record_plaintext && plaintext_out_.size() > piece.size();
    if (gather) {
      gathered.clear();
      while (gathered.size() < record_plaintext && !plaintext_out_.empty()) {
        const std::string_view next =
            plaintext_out_.front().substr(0, record_plaintext - gathered.size());
        gathered.append(next);
        plaintext_out_.consume(next.size());
      }
      piece = gathered;
    }
    if (session_->write(piece) != IoStatus::ok) return IoStatus::error;
    if (!gather) plaintext_out_.consume(piece.size());
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
