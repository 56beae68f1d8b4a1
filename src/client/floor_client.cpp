#include "hcbench/client/floor_client.h"

#include "hcbench/client/floor_connections.h"
#include "hcbench/client/measured_window.h"
#include "hcbench/client/response_check.h"
#include "hcbench/client/response_parser.h"
#include "hcbench/client/unique_fd.h"
#include "hcbench/shared/units.h"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

namespace hcbench {

namespace {

// The address list of the target, resolved once per cell outside the measured window.
struct Resolved {
  addrinfo* list = nullptr;
  ~Resolved() {
    if (list) freeaddrinfo(list);
  }
};

// How one attempt at a request on a connection ended.
enum class Outcome {
  complete, // a whole response
  stale,    // the connection was closed before any byte came back: retry on a new one
  failed,   // a failure of `failure`
};

class FloorConnection {
public:
  FloorConnection(const CellSpec& spec, const addrinfo* address, std::string request)
      : spec_(spec), address_(address), request_(std::move(request)) {}

  // Connects when needed; returns the failure, or nothing when connected.
  std::optional<FailureKind> ensure_connected(std::uint64_t& new_connections) {
    if (socket_) return std::nullopt;
    const char* failed_step = nullptr;
    UniqueFd socket = connect_blocking(*address_, spec_.request_timeout_seconds, failed_step);
    if (!socket) return fail(connect_failure_kind(failed_step), failed_step);
    socket_ = std::move(socket);
    responses_on_connection_ = 0;
    ++new_connections;
    return std::nullopt;
  }

  // One request and its response on the current connection.
  Outcome exchange(ResponseCheck& check, std::optional<FailureKind>& failure) {
    std::string_view pending = request_;
    while (!pending.empty()) {
      errno = 0;
      const ssize_t sent = ::send(socket_.get(), pending.data(), pending.size(), MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EINTR) continue;
        if (responses_on_connection_ > 0 && (errno == EPIPE || errno == ECONNRESET)) {
          return drop(Outcome::stale);
        }
        failure = fail(errno == EAGAIN ? FailureKind::timeout : FailureKind::connect, "send");
        return drop(Outcome::failed);
      }
      pending.remove_prefix(static_cast<std::size_t>(sent));
    }
    parser_.reset();
    std::uint64_t received = 0;
    while (parser_.state() != ResponseParser::State::complete) {
      errno = 0;
      const ssize_t got = ::recv(socket_.get(), buffer_.data(), buffer_.size(), 0);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {
        const bool reset = got == 0 || errno == ECONNRESET;
        if (reset && received == 0 && responses_on_connection_ > 0) return drop(Outcome::stale);
        if (got < 0 && errno == EAGAIN)
          failure = fail(FailureKind::timeout, "recv");
        else if (parser_.state() == ResponseParser::State::body) {
          failure = fail(FailureKind::length, "connection closed inside the body");
        } else {
          failure = fail(FailureKind::connect, got == 0 ? "connection closed" : "recv");
        }
        return drop(Outcome::failed);
      }
      received += static_cast<std::uint64_t>(got);
      std::span<const char> data(buffer_.data(), static_cast<std::size_t>(got));
      while (!data.empty()) {
        if (parser_.state() == ResponseParser::State::complete) {
          failure = fail(FailureKind::protocol, "bytes after the response");
          return drop(Outcome::failed);
        }
        const auto progress = parser_.feed(data);
        if (parser_.state() == ResponseParser::State::error) {
          failure = fail(FailureKind::protocol, parser_.error());
          return drop(Outcome::failed);
        }
        check.on_body(progress.body);
        data = data.subspan(progress.consumed);
      }
    }
    ++responses_on_connection_;
    failure = check.finish(parser_.status());
    if (parser_.closes_connection()) socket_.reset();
    return Outcome::complete;
  }

  std::string_view last_error() const { return last_error_; }

private:
  // Records why the last request failed: the step and the system error, or the parser's
  // reason for a malformed response.
  FailureKind fail(FailureKind kind, std::string_view what) {
    const bool system_error = kind != FailureKind::protocol && errno != 0;
    last_error_ =
        system_error ? fmt::format("{}: {}", what, std::strerror(errno)) : std::string(what);
    return kind;
  }
  Outcome drop(Outcome outcome) {
    socket_.reset();
    return outcome;
  }

  const CellSpec& spec_;
  const addrinfo* address_;
  std::string request_;
  UniqueFd socket_; // the connection, when connected
  std::uint64_t responses_on_connection_ = 0;
  ResponseParser parser_;
  std::array<char, 65536> buffer_{};
  std::string last_error_;
};

} // namespace

std::optional<HttpUrl> parse_http_url(std::string_view url) {
  auto out = parse_url(url);
  if (out && out->https) return std::nullopt;
  return out;
}

std::optional<HttpUrl> parse_url(std::string_view url) {
  constexpr std::string_view http = "http://";
  constexpr std::string_view https = "https://";
  HttpUrl out;
  if (url.starts_with(http)) {
    url.remove_prefix(http.size());
  } else if (url.starts_with(https)) {
    url.remove_prefix(https.size());
    out.https = true;
    out.port = 443;
  } else {
    return std::nullopt;
  }
  const auto slash = url.find('/');
  out.authority = std::string(url.substr(0, slash));
  out.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  std::string_view authority = out.authority;
  if (authority.empty()) return std::nullopt;
  std::string_view port_text;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return std::nullopt;
  if (!port_text.empty()) {
    const auto port = parse_decimal(port_text);
    if (!port || *port == 0 || *port > 65535) return std::nullopt;
    out.port = static_cast<std::uint16_t>(*port);
  }
  return out;
}

std::string floor_request(const HttpUrl& url) {
  return fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nAccept: */*\r\n\r\n", url.path, url.authority);
}

CellMeasurement run_floor_cell(const CellSpec& spec) {
  CellMeasurement out;
  const auto url = parse_http_url(spec.url);
  if (!url) {
    out.skipped = "the raw-socket floor client speaks plain HTTP only";
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
  // N connections, or a rate: the epoll floor. One at a time: this blocking loop, the least
  // a round trip can cost.
  if (spec.concurrency > 1 || spec.rate > 0)
    return run_floor_connections(spec, resolved.list, floor_request(*url));
  FloorConnection connection(spec, resolved.list, floor_request(*url));
  ResponseCheck check(spec);
  MeasuredWindow window(spec, out);
  Clock::time_point now = Clock::now();
  while (window.want_more(now)) {
    const Phase phase = window.start_request(now);
    check.begin();
    std::uint64_t connects = 0;
    std::optional<FailureKind> failure;
    const Clock::time_point started = Clock::now();
    // A kept-alive connection the server closed meanwhile gets one retry on a new one,
    // as libcurl does.
    for (int attempt = 0; attempt < 2; ++attempt) {
      failure = connection.ensure_connected(connects);
      if (failure) break;
      if (connection.exchange(check, failure) != Outcome::stale) break;
      check.begin();
    }
    const Clock::time_point ended = Clock::now();
    window.finish_request(phase, started, ended, failure, check.body_bytes(), connects,
                          failure ? connection.last_error() : std::string_view{});
    now = ended;
  }
  window.close(Clock::now());
  return out;
}

UniqueFd connect_blocking(const addrinfo& address, double timeout_seconds,
                          const char*& failed_step) {
  UniqueFd socket(
      ::socket(address.ai_family, address.ai_socktype | SOCK_CLOEXEC, address.ai_protocol));
  if (!socket) {
    failed_step = "socket";
    return socket;
  }
  const int one = 1;
  setsockopt(socket.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval timeout{};
  timeout.tv_sec = static_cast<time_t>(timeout_seconds);
  timeout.tv_usec =
      static_cast<suseconds_t>((timeout_seconds - static_cast<double>(timeout.tv_sec)) * 1e6);
  setsockopt(socket.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(socket.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (::connect(socket.get(), address.ai_addr, address.ai_addrlen) != 0) {
    failed_step = "connect";
    const int error = errno;
    socket = UniqueFd(); // closed here, with connect's errno kept for the caller
    errno = error;
  }
  return socket;
}

FailureKind connect_failure_kind(std::string_view failed_step) {
  // A blocking connect that ran into SO_SNDTIMEO reports EINPROGRESS (or EAGAIN).
  return failed_step == "connect" && (errno == EINPROGRESS || errno == EAGAIN)
             ? FailureKind::timeout
             : FailureKind::connect;
}

} // namespace hcbench
