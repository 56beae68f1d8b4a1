#include "hcbench/client/floor_http2.h"

#include "hcbench/client/floor_client.h"
#include "hcbench/client/floor_tls.h"
#include "hcbench/client/measured_window.h"
#include "hcbench/client/response_check.h"
#include "hcbench/client/unique_fd.h"

#include <fmt/format.h>
#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace hcbench {

namespace {

struct Resolved {
  addrinfo* list = nullptr;
  ~Resolved() {
    if (list) freeaddrinfo(list);
  }
};

struct SessionDeleter {
  void operator()(nghttp2_session* session) const { nghttp2_session_del(session); }
};
struct CallbacksDeleter {
  void operator()(nghttp2_session_callbacks* callbacks) const {
    nghttp2_session_callbacks_del(callbacks);
  }
};
using Session = std::unique_ptr<nghttp2_session, SessionDeleter>;
using Callbacks = std::unique_ptr<nghttp2_session_callbacks, CallbacksDeleter>;

// One request slot: at concurrency N there are N, each with at most one stream open.
struct Stream {
  explicit Stream(const CellSpec& spec) : check(spec) {}
  ResponseCheck check;
  Phase phase = Phase::warmup;
  Clock::time_point started{};
  long status = 0;
  std::uint64_t new_connections = 0; // this request opened the connection
  bool busy = false;
};

nghttp2_nv header(std::string_view name, std::string_view value) {
  // nghttp2 wants non-const pointers; it never writes through them with NO_COPY.
  return {reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
          reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(),
          value.size(), NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE};
}

class Http2Floor {
public:
  Http2Floor(const CellSpec& spec, const addrinfo* address, const HttpUrl& url,
             CellMeasurement& out)
      : spec_(spec), address_(address), url_(url), window_(spec, out) {
    // HTTPS: ALPN offers h2 alone, as h2load does; a server that will not speak it fails
    // the cell rather than measure HTTP/1.1 under an HTTP/2 label.
    if (url_.https) tls_.emplace(spec, std::string_view("\x02h2", 3));
    request_ = {header(":method", "GET"), header(":scheme", url_.https ? "https" : "http"),
                header(":authority", url_.authority), header(":path", url_.path)};
    nghttp2_session_callbacks* callbacks = nullptr;
    if (nghttp2_session_callbacks_new(&callbacks) != 0) throw std::bad_alloc();
    callbacks_.reset(callbacks);
    nghttp2_session_callbacks_set_on_header_callback(callbacks, on_header);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(callbacks, on_data);
    nghttp2_session_callbacks_set_on_stream_close_callback(callbacks, on_stream_close);
    for (unsigned i = 0; i < std::max(1u, spec.concurrency); ++i)
      streams_.push_back(std::make_unique<Stream>(spec));
  }

  // Why the cell cannot run at all (TLS set-up), or "".
  std::string unusable() const { return tls_ && !*tls_ ? tls_->error() : std::string(); }

  void run() {
    while (true) {
      for (auto& stream : streams_) {
        if (stream->busy) continue;
        // After the server's GOAWAY the streams in flight finish first; then a new
        // connection takes the next requests.
        if (session_ && !nghttp2_session_check_request_allowed(session_.get()) && in_flight_ > 0)
          break;
        const Clock::time_point now = Clock::now();
        if (!window_.want_more(now)) break;
        start(*stream, now);
      }
      if (in_flight_ == 0) break;
      if (!flush() || !receive()) drop_connection();
    }
    window_.close(Clock::now());
  }

private:
  // Opens the connection and its session when there is none, or when the server has sent
  // GOAWAY. False (the failure recorded) when it cannot.
  bool ensure_connected(Stream& stream) {
    if (session_ && nghttp2_session_check_request_allowed(session_.get())) return true;
    drop_connection();
    const char* failed_step = nullptr;
    UniqueFd socket = connect_blocking(*address_, spec_.request_timeout_seconds, failed_step);
    if (!socket) return fail(connect_failure_kind(failed_step), failed_step);
    if (tls_) {
      // A handshake per connection (a resumption after the first), inside the request that
      // opened it, as the libcurl rows pay theirs.
      FloorTlsConnection connection = tls_->connect(socket.get(), url_.host, last_error_);
      if (!connection) {
        failure_ = FailureKind::tls;
        return false;
      }
      if (connection.alpn() != "h2") {
        failure_ = FailureKind::tls;
        last_error_ = "the server did not choose h2 by ALPN";
        return false;
      }
      tls_connection_ = std::move(connection);
    }
    nghttp2_session* session = nullptr;
    if (nghttp2_session_client_new(&session, callbacks_.get(), this) != 0) throw std::bad_alloc();
    session_.reset(session);
    // The preface goes out with the first flush; raising the windows here costs nothing in
    // the measured window and keeps a large body from waiting for WINDOW_UPDATEs.
    const std::array<nghttp2_settings_entry, 2> settings{{
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<std::uint32_t>(floor_http2_window)},
    }};
    nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
    nghttp2_session_set_local_window_size(session, NGHTTP2_FLAG_NONE, 0, floor_http2_window);
    socket_ = std::move(socket);
    stream.new_connections = 1;
    return true;
  }

  void start(Stream& stream, Clock::time_point now) {
    stream.phase = window_.start_request(now);
    stream.check.begin();
    stream.status = 0;
    stream.new_connections = 0;
    stream.started = Clock::now();
    if (!ensure_connected(stream)) {
      finish(stream, failure_, 0);
      return;
    }
    const std::int32_t id = nghttp2_submit_request(session_.get(), nullptr, request_.data(),
                                                   request_.size(), nullptr, &stream);
    if (id < 0) {
      failure_ = FailureKind::protocol;
      last_error_ = fmt::format("nghttp2_submit_request: {}", nghttp2_strerror(id));
      finish(stream, failure_, 0);
      return;
    }
    stream.busy = true;
    ++in_flight_;
  }

  // Sends what the session has to send. False when the connection failed.
  bool flush() {
    while (true) {
      const std::uint8_t* data = nullptr;
      const ssize_t length = nghttp2_session_mem_send(session_.get(), &data);
      if (length < 0) {
        failure_ = FailureKind::protocol;
        last_error_ = fmt::format("nghttp2: {}", nghttp2_strerror(static_cast<int>(length)));
        return false;
      }
      if (length == 0) return true;
      if (!send_all(data, static_cast<std::size_t>(length))) return false;
    }
  }

  // Writes all of `data` to the socket, through TLS over HTTPS. False (recorded) on failure.
  bool send_all(const std::uint8_t* data, std::size_t length) {
    if (tls_connection_) {
      if (tls_connection_.send_all(data, length)) return true;
      const bool timed_out = errno == EAGAIN;
      last_error_ = tls_connection_.error();
      failure_ = timed_out ? FailureKind::timeout : FailureKind::connect;
      return false;
    }
    std::size_t sent = 0;
    while (sent < length) {
      errno = 0;
      const ssize_t n = ::send(socket_.get(), data + sent, length - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail(errno == EAGAIN ? FailureKind::timeout : FailureKind::connect, "send");
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  // One blocking read, fed to the session (whose callbacks finish streams). False when the
  // connection failed or closed.
  bool receive() {
    errno = 0;
    const ssize_t got = tls_connection_ ? tls_connection_.receive(buffer_.data(), buffer_.size())
                                        : ::recv(socket_.get(), buffer_.data(), buffer_.size(), 0);
    if (got < 0 && errno == EINTR) return true;
    if (got <= 0) {
      const char* what = tls_connection_ ? "TLS read" : "recv";
      if (got < 0 && errno == EAGAIN)
        fail(FailureKind::timeout, what);
      else
        fail(FailureKind::connect, got == 0 ? "connection closed" : what);
      if (got < 0 && tls_connection_) last_error_ = tls_connection_.error(); // OpenSSL's reason
      return false;
    }
    const ssize_t consumed = nghttp2_session_mem_recv(
        session_.get(), reinterpret_cast<const std::uint8_t*>(buffer_.data()),
        static_cast<std::size_t>(got));
    if (consumed < 0) {
      failure_ = FailureKind::protocol;
      last_error_ = fmt::format("nghttp2: {}", nghttp2_strerror(static_cast<int>(consumed)));
      return false;
    }
    return true;
  }

  // Fails every stream still open with the connection's failure and forgets the connection.
  void drop_connection() {
    for (auto& stream : streams_) {
      if (!stream->busy) continue;
      stream->busy = false;
      --in_flight_;
      finish(*stream, failure_, 1);
    }
    session_.reset();
    tls_connection_ = FloorTlsConnection(); // before its socket closes
    socket_.reset();
  }

  void finish(Stream& stream, std::optional<FailureKind> failure, std::uint64_t streams) {
    window_.finish_request(stream.phase, stream.started, Clock::now(), failure,
                           stream.check.body_bytes(), stream.new_connections,
                           failure ? std::string_view(last_error_) : std::string_view{}, streams);
  }

  // Records a connection-level failure (the step and the system error); always false.
  bool fail(FailureKind kind, std::string_view what) {
    last_error_ =
        errno != 0 ? fmt::format("{}: {}", what, std::strerror(errno)) : std::string(what);
    failure_ = kind;
    return false;
  }

  static Stream* stream_of(nghttp2_session* session, std::int32_t id) {
    return static_cast<Stream*>(nghttp2_session_get_stream_user_data(session, id));
  }

  static int on_header(nghttp2_session* session, const nghttp2_frame* frame,
                       const std::uint8_t* name, std::size_t name_length, const std::uint8_t* value,
                       std::size_t value_length, std::uint8_t, void*) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_RESPONSE) return 0;
    Stream* stream = stream_of(session, frame->hd.stream_id);
    if (!stream || std::string_view(reinterpret_cast<const char*>(name), name_length) != ":status")
      return 0;
    const char* text = reinterpret_cast<const char*>(value);
    std::from_chars(text, text + value_length, stream->status);
    return 0;
  }

  static int on_data(nghttp2_session* session, std::uint8_t, std::int32_t id,
                     const std::uint8_t* data, std::size_t length, void*) {
    if (Stream* stream = stream_of(session, id))
      stream->check.on_body({reinterpret_cast<const char*>(data), length});
    return 0;
  }

  static int on_stream_close(nghttp2_session* session, std::int32_t id, std::uint32_t error_code,
                             void* user) {
    auto& self = *static_cast<Http2Floor*>(user);
    Stream* stream = stream_of(session, id);
    if (!stream || !stream->busy) return 0;
    stream->busy = false;
    --self.in_flight_;
    std::optional<FailureKind> failure;
    if (error_code != NGHTTP2_NO_ERROR) {
      failure = FailureKind::protocol;
      self.last_error_ = fmt::format("stream reset: {}", nghttp2_http2_strerror(error_code));
    } else {
      failure = stream->check.finish(stream->status);
    }
    self.finish(*stream, failure, 1);
    return 0;
  }

  const CellSpec& spec_;
  const addrinfo* address_;
  const HttpUrl& url_;
  MeasuredWindow window_;
  std::vector<nghttp2_nv> request_;
  Callbacks callbacks_;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::size_t in_flight_ = 0;
  std::optional<FloorTlsClient> tls_; // HTTPS only: the cell's TLS context and session
  UniqueFd socket_;
  FloorTlsConnection tls_connection_; // over socket_, HTTPS only; freed before it
  Session session_;                   // declared after the socket: freed first
  std::array<char, 65536> buffer_{};
  std::optional<FailureKind> failure_; // of the last connection-level failure
  std::string last_error_;
};

} // namespace

CellMeasurement run_floor_http2_cell(const CellSpec& spec) {
  CellMeasurement out;
  const auto url = parse_url(spec.url);
  if (!url) {
    out.error = fmt::format("not an http:// or https:// URL: {}", spec.url);
    return out;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  Resolved resolved;
  const std::string port = std::to_string(url->port);
  if (const int rc = getaddrinfo(url->host.c_str(), port.c_str(), &hints, &resolved.list); rc) {
    out.error = fmt::format("cannot resolve {}: {}", url->host, gai_strerror(rc));
    return out;
  }
  Http2Floor floor(spec, resolved.list, *url, out);
  if (const std::string why = floor.unusable(); !why.empty()) {
    out.error = why;
    return out;
  }
  floor.run();
  return out;
}

} // namespace hcbench
