#include "hcbench/client/floor_connections.h"

#include "hcbench/client/measured_window.h"
#include "hcbench/client/rate_schedule.h"
#include "hcbench/client/response_check.h"
#include "hcbench/client/response_parser.h"
#include "hcbench/client/unique_fd.h"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

namespace hcbench {

namespace {

// How often, at least, the loop looks for requests past their timeout and for Ctrl-C.
constexpr int housekeeping_ms = 100;

// One connection and the request it carries.
struct FloorSlot {
  explicit FloorSlot(const CellSpec& spec) : check(spec) {}

  enum class State {
    idle,       // no request (connected or not)
    connecting, // non-blocking connect in progress
    sending,    // request partly written
    receiving,  // waiting for (the rest of) the response
  };

  UniqueFd socket;
  State state = State::idle;
  bool writable_wanted = false; // EPOLLOUT registered
  ResponseParser parser;
  ResponseCheck check;
  std::size_t sent = 0;
  std::uint64_t responses_on_connection = 0;
  std::uint64_t received = 0; // bytes of the current response
  std::uint64_t connects = 0; // new connections made for the current request
  bool retried = false;       // a stale kept-alive connection was replaced once
  Phase phase = Phase::warmup;
  Clock::time_point origin{}; // latency counts from here: the start, or the due time
  Clock::time_point issued{}; // when it went to this connection (the timeout's origin)
};

// A request due (open loop) that waits for a free connection.
struct Waiting {
  Phase phase;
  Clock::time_point due;
};

class FloorConnections {
public:
  FloorConnections(const CellSpec& spec, const addrinfo* address, const std::string& request,
                   CellMeasurement& out)
      : spec_(spec), address_(address), request_(request), window_(spec, out),
        epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (!epoll_) throw std::runtime_error("epoll_create1 failed");
    for (unsigned i = 0; i < spec.concurrency; ++i)
      slots_.push_back(std::make_unique<FloorSlot>(spec));
  }

  void run() {
    const bool open_loop = spec_.rate > 0;
    Clock::time_point now = Clock::now();
    std::optional<RateSchedule> schedule;
    std::optional<DueTimer> timer;
    if (open_loop) {
      schedule.emplace(spec_.rate, now);
      timer.emplace();
      epoll_event event{};
      event.events = EPOLLIN;
      event.data.ptr = nullptr; // the timer
      ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, timer->fd(), &event);
    } else {
      for (auto& slot : slots_) {
        if (!window_.want_more(now)) break;
        begin(*slot, window_.start_request(now), now, now);
      }
    }
    std::array<epoll_event, 256> events{};
    Clock::time_point last_housekeeping = now;
    for (;;) {
      now = Clock::now();
      if (open_loop) {
        issue_due(*schedule, now);
        if (window_.want_more(now) && in_flight() < spec_.max_in_flight)
          timer->arm(schedule->next_due());
      }
      if (busy_ == 0 && waiting_.empty() && (!open_loop || !window_.want_more(now))) break;
      const int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()),
                                 housekeeping_ms);
      for (int i = 0; i < n; ++i) {
        if (events[i].data.ptr == nullptr) {
          timer->clear();
          continue;
        }
        handle(*static_cast<FloorSlot*>(events[i].data.ptr), events[i].events);
      }
      now = Clock::now();
      if (now - last_housekeeping >= std::chrono::milliseconds(housekeeping_ms)) {
        last_housekeeping = now;
        expire(now);
      }
    }
    window_.close(Clock::now());
  }

private:
  std::uint64_t in_flight() const { return busy_ + waiting_.size(); }

  // Open loop: every request due by now starts (up to --max-in-flight), then goes to a free
  // connection or waits for one.
  void issue_due(RateSchedule& schedule, Clock::time_point now) {
    while (window_.want_more(now) && in_flight() < spec_.max_in_flight &&
           schedule.next_due() <= now) {
      const Clock::time_point due = schedule.next_due();
      waiting_.push_back({window_.start_request(now, due), due});
      schedule.advance();
    }
    for (auto& slot : slots_) {
      if (waiting_.empty()) break;
      if (slot->state != FloorSlot::State::idle) continue;
      const Waiting next = waiting_.front();
      waiting_.pop_front();
      begin(*slot, next.phase, next.due, now);
    }
  }

  void begin(FloorSlot& slot, Phase phase, Clock::time_point origin, Clock::time_point now) {
    ++busy_;
    slot.phase = phase;
    slot.origin = origin;
    slot.issued = now;
    slot.connects = 0;
    slot.retried = false;
    restart(slot);
  }

  // (Re)sends the slot's request, on a new connection when it has none.
  void restart(FloorSlot& slot) {
    slot.check.begin();
    slot.parser.reset();
    slot.received = 0;
    slot.sent = 0;
    if (slot.socket) {
      send(slot);
    } else {
      connect(slot);
    }
  }

  void connect(FloorSlot& slot) {
    errno = 0;
    UniqueFd socket(::socket(address_->ai_family,
                             address_->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                             address_->ai_protocol));
    if (!socket) return fail(slot, FailureKind::connect, "socket");
    const int one = 1;
    setsockopt(socket.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(socket.get(), address_->ai_addr, address_->ai_addrlen) != 0 &&
        errno != EINPROGRESS) {
      return fail(slot, FailureKind::connect, "connect");
    }
    slot.socket = std::move(socket);
    slot.responses_on_connection = 0;
    ++slot.connects;
    slot.state = FloorSlot::State::connecting;
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT;
    event.data.ptr = &slot;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, slot.socket.get(), &event);
    slot.writable_wanted = true;
  }

  void want_writable(FloorSlot& slot, bool want) {
    if (slot.writable_wanted == want) return;
    epoll_event event{};
    event.events = EPOLLIN | (want ? EPOLLOUT : 0u);
    event.data.ptr = &slot;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, slot.socket.get(), &event);
    slot.writable_wanted = want;
  }

  void send(FloorSlot& slot) {
    slot.state = FloorSlot::State::sending;
    while (slot.sent < request_.size()) {
      errno = 0;
      const ssize_t n = ::send(slot.socket.get(), request_.data() + slot.sent,
                               request_.size() - slot.sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return want_writable(slot, true);
      if (n < 0) {
        if (stale(slot) && (errno == EPIPE || errno == ECONNRESET)) return retry(slot);
        return fail(slot, FailureKind::connect, "send");
      }
      slot.sent += static_cast<std::size_t>(n);
    }
    slot.state = FloorSlot::State::receiving;
    want_writable(slot, false);
  }

  void handle(FloorSlot& slot, std::uint32_t events) {
    switch (slot.state) {
    case FloorSlot::State::idle:
      // An idle kept-alive connection the server closed: forget it, reconnect when needed.
      if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) drop(slot);
      return;
    case FloorSlot::State::connecting: {
      int error = 0;
      socklen_t length = sizeof error;
      getsockopt(slot.socket.get(), SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) {
        errno = error;
        return fail(slot, FailureKind::connect, "connect");
      }
      if (!(events & (EPOLLOUT | EPOLLIN))) return;
      return send(slot);
    }
    case FloorSlot::State::sending:
      if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) send(slot);
      return;
    case FloorSlot::State::receiving:
      return receive(slot);
    }
  }

  void receive(FloorSlot& slot) {
    for (;;) {
      errno = 0;
      const ssize_t got = ::recv(slot.socket.get(), buffer_.data(), buffer_.size(), 0);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (got <= 0) {
        const bool reset = got == 0 || errno == ECONNRESET;
        if (reset && slot.received == 0 && stale(slot)) return retry(slot);
        if (slot.parser.state() == ResponseParser::State::body)
          return fail(slot, FailureKind::length, "connection closed inside the body");
        return fail(slot, FailureKind::connect, got == 0 ? "connection closed" : "recv");
      }
      slot.received += static_cast<std::uint64_t>(got);
      std::span<const char> data(buffer_.data(), static_cast<std::size_t>(got));
      while (!data.empty()) {
        if (slot.parser.state() == ResponseParser::State::complete) {
          errno = 0;
          return fail(slot, FailureKind::protocol, "bytes after the response");
        }
        const auto progress = slot.parser.feed(data);
        if (slot.parser.state() == ResponseParser::State::error) {
          errno = 0;
          return fail(slot, FailureKind::protocol, slot.parser.error());
        }
        slot.check.on_body(progress.body);
        data = data.subspan(progress.consumed);
      }
      if (slot.parser.state() == ResponseParser::State::complete) {
        ++slot.responses_on_connection;
        const auto failure = slot.check.finish(slot.parser.status());
        if (slot.parser.closes_connection()) drop(slot);
        return finish(slot, failure);
      }
    }
  }

  // A kept-alive connection that the server closed before this request got a byte back:
  // one retry on a new connection, as libcurl and the sequential floor do.
  static bool stale(const FloorSlot& slot) {
    return slot.responses_on_connection > 0 && !slot.retried;
  }
  void retry(FloorSlot& slot) {
    drop(slot);
    slot.retried = true;
    restart(slot);
  }

  void drop(FloorSlot& slot) {
    slot.socket.reset(); // closing it also removes it from the epoll set
    slot.writable_wanted = false;
  }

  void fail(FloorSlot& slot, FailureKind kind, std::string_view what) {
    const bool system_error = kind != FailureKind::protocol && errno != 0;
    error_ = system_error ? fmt::format("{}: {}", what, std::strerror(errno)) : std::string(what);
    drop(slot);
    finish(slot, kind);
  }

  void finish(FloorSlot& slot, std::optional<FailureKind> failure) {
    const Clock::time_point now = Clock::now();
    window_.finish_request(slot.phase, slot.origin, now, failure, slot.check.body_bytes(),
                           slot.connects, failure ? std::string_view(error_) : std::string_view{});
    slot.state = FloorSlot::State::idle;
    --busy_;
    if (spec_.rate > 0) {
      if (!waiting_.empty()) {
        const Waiting next = waiting_.front();
        waiting_.pop_front();
        begin(slot, next.phase, next.due, now);
      }
    } else if (window_.want_more(now)) {
      begin(slot, window_.start_request(now), now, now);
    }
  }

  // Requests past --timeout fail as timeouts, and their connections are dropped.
  void expire(Clock::time_point now) {
    const auto limit = std::chrono::duration<double>(spec_.request_timeout_seconds);
    for (auto& slot : slots_) {
      if (slot->state != FloorSlot::State::idle && now - slot->issued >= limit) {
        errno = ETIMEDOUT;
        fail(*slot, FailureKind::timeout, "no response");
      }
    }
  }

  const CellSpec& spec_;
  const addrinfo* address_;
  const std::string& request_;
  MeasuredWindow window_;
  UniqueFd epoll_;
  std::vector<std::unique_ptr<FloorSlot>> slots_; // stable addresses: epoll holds them
  std::deque<Waiting> waiting_;
  std::uint64_t busy_ = 0; // slots carrying a request
  std::array<char, 65536> buffer_{};
  std::string error_; // why the last request failed
};

} // namespace

CellMeasurement run_floor_connections(const CellSpec& spec, const addrinfo* address,
                                      const std::string& request) {
  CellMeasurement out;
  FloorConnections(spec, address, request, out).run();
  return out;
}

} // namespace hcbench
