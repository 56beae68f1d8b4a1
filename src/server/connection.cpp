#include "hcbench/server/connection.h"

#include "hcbench/server/worker.h"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <utility>

namespace hcbench {

namespace {

// Above this many queued bytes the connection stops reading: a client that does not read
// its responses cannot make the server buffer without bound. Queued bodies are references
// to shared payloads, so what this bounds is mostly their number.
constexpr std::size_t output_high_water = 1 << 20;
// TLS encrypts only this far ahead of the socket: a pipelined burst of large responses stays
// references to shared payloads, not ciphertext, until the socket drains.
constexpr std::size_t tls_window = 256 * 1024;
// After our FIN, how long unread input is discarded before the socket is closed; closing
// with unread input would reset the connection and could destroy the last response.
constexpr std::uint64_t linger_ms = 2000;

static_assert(sizeof(uv_buf_t) == sizeof(iovec), "libuv's uv_buf_t is an iovec on Unix");

std::uint64_t to_ms(double seconds) {
  return static_cast<std::uint64_t>(seconds * 1000.0);
}

} // namespace

Connection::Connection(Worker& worker, const TlsContext* tls, int fd)
    : worker_(worker), fd_(fd), session_(worker.session_config(), worker.services()) {
  uv_tcp_init(worker.loop(), &handle_); // no system call: the socket is opened in attach()
  handle_.data = this;
  if (tls != nullptr) {
    tls_ = std::make_unique<TlsSession>(*tls);
    tls_plaintext_ = std::make_unique<TlsPlaintext>();
  } else {
    session_.send_bodies_from(&worker.payload_files());
  }
}

void Connection::start() {
  worker_.link(this);
  touch();
  // The listener defers accepting until the first bytes arrive (TCP_DEFER_ACCEPT), so the
  // request is usually here already: a connection that is answered and closed at once never
  // costs the event loop anything (no epoll_ctl to add it, none to remove it).
  auto& buffer = worker_.read_buffer();
  const ssize_t n = ::read(fd_, buffer.data(), buffer.size());
  if (n > 0) {
    handle_read(n, buffer.data());
  } else if (n == 0) {
    handle_read(UV_EOF, nullptr);
  } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
    begin_close();
  }
  if (state_ == State::closing || !attach()) return;
  update_reading();
}

bool Connection::attach() {
  if (attached_) return true;
  if (uv_tcp_open(&handle_, fd_) != 0) {
    begin_close();
    return false;
  }
  attached_ = true; // the handle owns the socket from here on
  return true;
}

void Connection::touch() {
  last_activity_ms_ = uv_now(worker_.loop());
}

void Connection::on_alloc(uv_handle_t* handle, std::size_t, uv_buf_t* buf) {
  // Every read is consumed before the callback returns (the session copies what it keeps),
  // so all connections of a worker share one read buffer.
  auto& buffer = static_cast<Connection*>(handle->data)->worker_.read_buffer();
  *buf = uv_buf_init(buffer.data(), static_cast<unsigned>(buffer.size()));
}

void Connection::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  static_cast<Connection*>(stream->data)->handle_read(nread, buf->base);
}

void Connection::handle_read(ssize_t nread, const char* data) {
  if (nread > 0) {
    worker_.counters().bytes_received.add(static_cast<std::uint64_t>(nread));
    touch();
    if (state_ == State::open) {
      receive({data, static_cast<std::size_t>(nread)});
    } else {
      input_ignored_ = true;
    }
    return;
  }
  if (nread == 0) return; // EAGAIN
  if (nread == UV_EOF && state_ == State::open) {
    // The peer finished sending (a half-close, as `nc` does): answer what arrived, then close.
    peer_closed_ = true;
    stop_requests();
    flush();
    update_reading();
    return;
  }
  begin_close(); // EOF while lingering or finishing, or a socket error
}

void Connection::receive(std::span<const char> bytes) {
  if (tls_) {
    receive_tls(bytes);
  } else if (pending_.empty() && !write_in_flight_) {
    // The usual case: the responses go out from the worker's shared buffer, so an idle
    // connection keeps no output buffer of its own.
    OutputQueue& responses = worker_.response_scratch();
    after_session(session_.feed(bytes, responses));
    write_at_once(responses);
  } else {
    after_session(session_.feed(bytes, pending_)); // behind what is already queued
  }
  if (state_ == State::closing) return;
  flush();
  update_reading();
}

void Connection::receive_tls(std::span<const char> bytes) {
  tls_->receive(bytes);
  while (state_ == State::open) {
    const bool was_complete = tls_->handshake_complete();
    const IoStatus status = tls_->read(tls_plaintext_->in);
    if (!handshake_counted_ && tls_->handshake_complete()) {
      handshake_counted_ = true;
      (tls_->resumed() ? worker_.counters().tls_resumed_handshakes
                       : worker_.counters().tls_full_handshakes)
          .add();
    }
    const bool got_plaintext = !tls_plaintext_->in.empty();
    if (got_plaintext) {
      const auto session_status = session_.feed(tls_plaintext_->in, tls_plaintext_->out);
      tls_plaintext_->in.clear();
      after_session(session_status);
    }
    if (status == IoStatus::ok && (got_plaintext || !was_complete)) continue;
    if (status == IoStatus::closed) {
      stop_requests();
    } else if (status == IoStatus::error) {
      if (!tls_->handshake_complete()) worker_.counters().tls_failures.add();
      // Send the alert mbedTLS queued, then close: no close_notify after a fatal error.
      peer_closed_ = true;
      state_ = State::finishing;
    }
    break;
  }
  // Handshake messages and alerts go out now; responses are encrypted by flush().
  move_ciphertext();
}

void Connection::move_ciphertext() {
  std::string& ciphertext = tls_->outgoing();
  if (ciphertext.size() > OutputQueue::copy_threshold) {
    pending_.adopt(tls_->take_outgoing()); // adopted, not copied; the session keeps no buffer
  } else if (!ciphertext.empty()) {
    pending_.append(std::string_view(ciphertext));
    ciphertext.clear(); // small: keep its capacity for the next response
  }
}

bool Connection::seal_plaintext() {
  OutputQueue& plaintext = tls_plaintext_->out;
  while (pending_.size() < tls_window && !plaintext.empty()) {
    const std::string_view piece = plaintext.front().substr(0, tls_window - pending_.size());
    if (tls_->write(piece) != IoStatus::ok) return false;
    plaintext.consume(piece.size());
    move_ciphertext();
  }
  if (plaintext.empty() && close_notify_pending_) {
    close_notify_pending_ = false;
    tls_->close_notify();
    move_ciphertext();
  }
  return true;
}

void Connection::write_at_once(OutputQueue& responses) {
  if (!write_now(responses)) {
    responses.clear();
    return;
  }
  pending_.take_from(responses); // what the socket did not take; flush() writes it later
}

bool Connection::write_now(OutputQueue& queue) {
  // Only with no libuv write in flight, which would otherwise be overtaken.
  auto& iov = worker_.iovecs();
  while (!queue.empty()) {
    std::size_t offered = 0;
    ssize_t written = 0;
    if (const auto file = queue.front_file()) {
      // A large body with a file (plain HTTP only): the kernel sends its pages, no copy.
      auto offset = static_cast<off_t>(file->offset);
      offered = file->size;
      written = ::sendfile(fd_, file->fd, &offset, file->size);
    } else {
      queue.gather(iov, /*stop_at_file=*/true);
      msghdr message{};
      message.msg_iov = iov.data();
      message.msg_iovlen = std::min<std::size_t>(iov.size(), IOV_MAX);
      for (std::size_t i = 0; i < message.msg_iovlen; ++i) offered += iov[i].iov_len;
      // The last response of a connection that closes next: MSG_MORE holds the last segment
      // back, and the FIN that close() or shutdown() sends then rides on it (one segment
      // fewer for both sides).
      const bool last = state_ == State::finishing && offered == queue.size();
      written = ::sendmsg(fd_, &message, MSG_NOSIGNAL | (last ? MSG_MORE : 0));
    }
    if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) written = 0;
    if (written < 0) {
      begin_close();
      return false;
    }
    if (written > 0) {
      worker_.counters().bytes_sent.add(static_cast<std::uint64_t>(written));
      touch();
      queue.consume(static_cast<std::size_t>(written));
    }
    if (static_cast<std::size_t>(written) < offered) break; // the socket is full
  }
  return true;
}

std::size_t Connection::queued_bytes() const {
  return pending_.size() + (write_ ? write_->queue.size() : 0) +
         (tls_plaintext_ ? tls_plaintext_->out.size() : 0);
}

void Connection::after_session(Http1Session::Status status) {
  if (session_.reading_head() || (tls_ && !tls_->handshake_complete())) {
    if (head_started_ms_ == 0) head_started_ms_ = uv_now(worker_.loop());
  } else {
    head_started_ms_ = 0;
  }
  if (status == Http1Session::Status::close) stop_requests();
}

void Connection::stop_requests() {
  if (state_ != State::open) return;
  state_ = State::finishing;
  // TLS: close_notify follows the last response, once flush() has encrypted it.
  close_notify_pending_ = tls_ && tls_->handshake_complete();
}

void Connection::flush() {
  if (write_in_flight_ || state_ == State::closing) return;
  auto& iov = worker_.iovecs();
  for (;;) {
    if (tls_ && !seal_plaintext()) {
      begin_close();
      return;
    }
    if (pending_.empty()) {
      finish_output();
      return;
    }
    if (!write_now(pending_)) return;
    if (!pending_.empty()) break;
    // The socket took everything: encrypt the next window (TLS) or finish.
  }
  // The socket is full: hand the rest to libuv, which writes it when the socket drains.
  // The queue moves to the write request, untouched until on_write; new responses go to
  // pending_.
  if (!attach()) return;
  if (!write_) write_ = std::make_unique<WriteInFlight>();
  std::swap(pending_, write_->queue);
  write_->queue.gather(iov);
  auto* stream = reinterpret_cast<uv_stream_t*>(&handle_);
  if (uv_write(&write_->request, stream, reinterpret_cast<uv_buf_t*>(iov.data()),
               static_cast<unsigned>(iov.size()), on_write) != 0) {
    begin_close();
    return;
  }
  write_in_flight_ = true;
}

void Connection::on_write(uv_write_t* request, int status) {
  auto& self = *static_cast<Connection*>(request->handle->data);
  self.write_in_flight_ = false;
  if (status < 0) { // includes UV_ECANCELED when the handle is being closed
    self.begin_close();
    return;
  }
  self.worker_.counters().bytes_sent.add(self.write_->queue.size());
  self.write_->queue.clear();
  self.touch();
  self.flush();
  self.update_reading();
}

void Connection::finish_output() {
  // Every queued byte is written.
  if (state_ == State::open && draining_ && session_.idle()) stop_requests();
  if (state_ != State::finishing) return;
  // Lingering protects a response from the reset that closing with unread input causes. It
  // is not needed when the peer is gone, nor when the client asked to close and sent nothing
  // after its last request (as nginx decides): closing at once saves the shutdown, the wait
  // for the client's FIN and two system calls per connection.
  if (peer_closed_ || (session_.client_ended_cleanly() && !input_ignored_)) {
    begin_close();
    return;
  }
  if (!attach()) return;
  shutdown_request_ = std::make_unique<uv_shutdown_t>();
  if (uv_shutdown(shutdown_request_.get(), reinterpret_cast<uv_stream_t*>(&handle_), on_shutdown) !=
      0) {
    begin_close();
    return;
  }
  state_ = State::lingering;
  linger_until_ms_ = uv_now(worker_.loop()) + linger_ms;
  update_reading();
}

void Connection::on_shutdown(uv_shutdown_t* request, int status) {
  auto& self = *static_cast<Connection*>(request->handle->data);
  if (status < 0) self.begin_close();
}

void Connection::update_reading() {
  if (!attached_) return; // start() attaches, then calls this
  const bool want =
      (state_ == State::open || state_ == State::lingering) && queued_bytes() < output_high_water;
  auto* stream = reinterpret_cast<uv_stream_t*>(&handle_);
  if (want && !reading_) {
    if (uv_read_start(stream, on_alloc, on_read) != 0) {
      begin_close();
      return;
    }
    reading_ = true;
  } else if (!want && reading_) {
    uv_read_stop(stream);
    reading_ = false;
  }
}

void Connection::check_deadline(std::uint64_t now_ms) {
  const ServerConfig& config = worker_.config();
  switch (state_) {
  case State::closing:
    return;
  case State::lingering:
    if (now_ms >= linger_until_ms_) begin_close();
    return;
  case State::open:
    if (head_started_ms_ != 0 &&
        now_ms - head_started_ms_ >= to_ms(config.header_timeout_seconds)) {
      if (tls_ && !tls_->handshake_complete()) {
        begin_close();
        return;
      }
      session_.respond_error(tls_ ? tls_plaintext_->out : pending_, 408,
                             "Request timeout: the request head did not arrive in time\n");
      stop_requests();
      flush();
      update_reading();
      return;
    }
    [[fallthrough]];
  case State::finishing:
    // An idle keep-alive connection, or a client that stopped reading its responses.
    if (now_ms - last_activity_ms_ >= to_ms(config.idle_timeout_seconds)) begin_close();
    return;
  }
}

void Connection::begin_drain() {
  draining_ = true;
  if (state_ == State::open && session_.idle() && pending_.empty() && !write_in_flight_) {
    begin_close();
  }
}

void Connection::begin_close() {
  if (state_ == State::closing) return;
  state_ = State::closing;
  worker_.unlink(this);
  if (!attached_) ::close(fd_); // otherwise the handle closes it
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_), on_close);
}

void Connection::on_close(uv_handle_t* handle) {
  auto* self = static_cast<Connection*>(handle->data);
  self->worker_.connection_closed();
  delete self;
}

} // namespace hcbench
