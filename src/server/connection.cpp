#include "hcbench/server/connection.h"

#include "hcbench/server/worker.h"

#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <string_view>
#include <utility>

namespace hcbench {

namespace {

// Above this many queued bytes the connection stops reading: a client that does not read
// its responses cannot make the server buffer without bound. Queued bodies are references
// to shared payloads, so what this bounds is mostly their number.
constexpr std::size_t output_high_water = 1 << 20;
// How much a session that held output back (see protocol_session.h) is asked for at a time,
// once everything queued is written: about what a loopback socket takes in one write.
constexpr std::size_t produce_budget = 64 * 1024;
// After our FIN, how long unread input is discarded before the socket is closed; closing
// with unread input would reset the connection and could destroy the last response.
constexpr std::uint64_t linger_ms = 2000;

static_assert(sizeof(uv_buf_t) == sizeof(iovec), "libuv's uv_buf_t is an iovec on Unix");

std::uint64_t to_ms(double seconds) {
  return static_cast<std::uint64_t>(seconds * 1000.0);
}

} // namespace

Connection::Connection(Worker& worker, std::unique_ptr<Transport> transport, int fd)
    : Connection(worker, *transport, fd) {
  owned_transport_ = std::move(transport);
}

Connection::Connection(Worker& worker, Transport& shared_transport, int fd)
    : worker_(worker), fd_(fd), transport_(&shared_transport) {
  uv_tcp_init(worker.loop(), &handle_); // no system call: the socket is opened in attach()
  handle_.data = this;
}

ProtocolSession* Connection::open_session(std::span<const char> bytes) {
  const SessionConfig& config = worker_.session_config();
  const std::string_view alpn = transport_->alpn_protocol();
  if (config.http2 && alpn == "h2") return &http2_.emplace(config, worker_.services());
  if (!config.http2 || !alpn.empty()) return &http1_.emplace(config, worker_.services());
  // No ALPN (plain TCP, or a TLS client that offered none): HTTP/2 with prior knowledge
  // starts with its 24-byte preface, which may arrive in pieces.
  const std::size_t take = std::min(bytes.size(), preface_.size() - preface_length_);
  std::copy_n(bytes.data(), take, preface_.data() + preface_length_);
  preface_length_ += take;
  switch (Http2Session::match_preface({preface_.data(), preface_length_})) {
  case Http2Session::Preface::partial:
    return nullptr;
  case Http2Session::Preface::full:
    return &http2_.emplace(config, worker_.services());
  case Http2Session::Preface::no:
    break;
  }
  return &http1_.emplace(config, worker_.services());
}

ProtocolSession::Status Connection::feed_session(std::span<const char> bytes, OutputQueue& out) {
  if (session_ == nullptr) {
    const std::size_t kept = preface_length_;
    session_ = open_session(bytes);
    if (session_ == nullptr) return ProtocolSession::Status::open; // all of bytes are kept
    preface_length_ = 0;
    if (kept > 0) {
      // The bytes kept while choosing come first; `bytes` follows them whole.
      const auto status = session_->feed({preface_.data(), kept}, out);
      if (status == ProtocolSession::Status::close) return status;
    }
  }
  const auto status = session_->feed(bytes, out);
  if (http1_ && http1_->upgrade_requested()) {
    return switch_to_http2(bytes.subspan(http1_->upgrade_offset()), out);
  }
  return status;
}

ProtocolSession::Status Connection::switch_to_http2(std::span<const char> rest, OutputQueue& out) {
  // The upgrade request becomes stream 1 of the new session, which answers it after the 101.
  Http2Session& http2 = http2_.emplace(worker_.session_config(), worker_.services());
  if (!http2.upgrade(http1_->http2_settings(), http1_->upgrade_method(), http1_->upgrade_target(),
                     out)) {
    http2_.reset();
    // No HTTP/2 connection after all (its session counted one on construction).
    worker_.counters().http2_connections_accepted.sub();
    http1_->respond_error(out, 400, "Bad request: the HTTP2-Settings header is malformed\n");
    return ProtocolSession::Status::close;
  }
  session_ = &http2;
  http1_.reset();
  // The client's preface and first frames may have come with the request.
  if (rest.empty()) return ProtocolSession::Status::open;
  return http2.feed(rest, out);
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
  const Transport::Input input = transport_->receive(bytes);
  // The usual case, nothing queued: the responses go out from the worker's shared buffer, so
  // an idle connection keeps no output buffer of its own. Otherwise they queue behind.
  const bool at_once = pending_.empty() && !write_in_flight_;
  OutputQueue& wire = at_once ? worker_.response_scratch() : pending_;
  auto status = ProtocolSession::Status::open;
  if (!input.plaintext.empty()) {
    status = feed_session(input.plaintext, transport_->output_for(wire));
  }
  after_session(status);
  if (input.status == IoStatus::closed) {
    // The peer's close_notify: TLS 1.2 closes at once, discarding what is still to be written
    // (RFC 5246, 7.2.1), as OpenSSL's sessions refuse to write after it. A client that stopped
    // reading must not keep the connection until the idle timeout.
    if (at_once) wire.clear();
    begin_close();
    return;
  }
  if (input.status == IoStatus::error) {
    // Send what the transport staged (a TLS alert), then close without waiting for the peer.
    peer_closed_ = true;
    stop_requests();
  }
  if (at_once) {
    if (transport_->seal(wire) != IoStatus::ok) {
      wire.clear();
      begin_close();
      return;
    }
    write_at_once(wire);
  }
  if (state_ == State::closing) return;
  flush();
  update_reading();
  schedule_wake();
}

void Connection::schedule_wake() {
  const bool may_write = state_ == State::open || state_ == State::finishing;
  const std::uint64_t want = may_write && session_ != nullptr ? session_->wake_at_ms() : 0;
  if (want == wake_at_ms_) return;
  if (wake_at_ms_ != 0) worker_.cancel_wake(this, wake_at_ms_);
  wake_at_ms_ = want;
  if (want != 0) worker_.wake_at(this, want);
}

void Connection::wake() {
  wake_at_ms_ = 0; // the worker already forgot it
  if (state_ == State::closing) return;
  flush();
  if (state_ == State::closing) return;
  update_reading();
  schedule_wake();
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
      // A large body the transport gave a file (plain TCP): the kernel sends its pages.
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
  return pending_.size() + (write_ ? write_->queue.size() : 0) + transport_->staged_bytes();
}

void Connection::after_session(ProtocolSession::Status status) {
  if (transport_->establishing() || (session_ != nullptr && session_->reading_head())) {
    if (head_started_ms_ == 0) head_started_ms_ = uv_now(worker_.loop());
  } else {
    head_started_ms_ = 0;
  }
  if (status == ProtocolSession::Status::close) stop_requests();
}

bool Connection::session_idle() const {
  return session_ == nullptr || session_->idle();
}

void Connection::stop_requests() {
  if (state_ != State::open) return;
  state_ = State::finishing;
}

bool Connection::produce_more() {
  if (session_ == nullptr || state_ == State::closing || state_ == State::lingering ||
      !session_->wants_to_write()) {
    return false;
  }
  OutputQueue& out = transport_->output_for(pending_);
  const std::size_t before = out.size();
  after_session(session_->produce(out, produce_budget));
  return out.size() != before;
}

void Connection::flush() {
  if (write_in_flight_ || state_ == State::closing) return;
  auto& iov = worker_.iovecs();
  for (;;) {
    if (transport_->seal(pending_) != IoStatus::ok) {
      begin_close();
      return;
    }
    if (pending_.empty()) {
      // Everything is written: a session that held output back adds more, or we are done.
      if (produce_more()) continue;
      finish_output();
      return;
    }
    if (!write_now(pending_)) return;
    if (!pending_.empty()) break;
    // The socket took everything: seal the next window (TLS) or finish.
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
  if (self.state_ == State::closing) return;
  self.update_reading();
  self.schedule_wake();
}

void Connection::finish_output() {
  // Every queued byte is written. Output the session still holds back for a time (a /delay
  // response) is not: wake() finishes then.
  if (session_ != nullptr && session_->wake_at_ms() != 0) return;
  if (state_ == State::open && draining_ && session_idle()) stop_requests();
  if (state_ != State::finishing) return;
  if (!output_ended_) {
    // TLS: close_notify follows the last response, only now that the session holds nothing
    // back (a /delay response comes after the request that asked to close); one more
    // flush() seals and writes it, and comes back here.
    output_ended_ = true;
    transport_->end_output();
    flush();
    return;
  }
  // Lingering protects a response from the reset that closing with unread input causes. It
  // is not needed when the peer is gone, nor when the client asked to close and sent nothing
  // after its last request (as nginx decides): closing at once saves the shutdown, the wait
  // for the client's FIN and two system calls per connection.
  if (peer_closed_ ||
      (session_ != nullptr && session_->client_ended_cleanly() && !input_ignored_)) {
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
      if (transport_->establishing() || session_ == nullptr) {
        begin_close(); // no protocol to answer in yet
        return;
      }
      session_->time_out(transport_->output_for(pending_));
      stop_requests();
      flush();
      if (state_ == State::closing) return;
      update_reading();
      schedule_wake();
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
  if (state_ != State::open) return;
  if (session_ != nullptr) {
    // A protocol may announce the end (HTTP/2: GOAWAY); HTTP/1 says nothing.
    OutputQueue& out = transport_->output_for(pending_);
    const std::size_t before = out.size();
    after_session(session_->begin_drain(out));
    if (out.size() != before || state_ != State::open) {
      flush();
      update_reading();
      return;
    }
  }
  if (session_idle() && pending_.empty() && !write_in_flight_) begin_close();
}

void Connection::begin_close() {
  if (state_ == State::closing) return;
  state_ = State::closing;
  schedule_wake(); // forgets a wake-up still registered
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
