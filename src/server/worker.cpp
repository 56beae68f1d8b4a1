#include "hcbench/server/worker.h"

#include "hcbench/server/connection.h"
#include "hcbench/server/event_loop.h"
#include "hcbench/server/tls_transport.h"

#include <fmt/format.h>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>

namespace hcbench {

namespace {

constexpr std::uint64_t sweep_interval_ms = 250; // timeouts resolution; one timer per loop
constexpr std::uint64_t stop_poll_ms = 20;
constexpr std::uint64_t stop_deadline_ms = 900; // exit within a second of SIGTERM
constexpr int listen_backlog = 4096;
// Connections accepted per wake-up of a listener before the loop serves others.
constexpr int accept_batch = 64;

} // namespace

Worker::Worker(SharedServerState& shared, int http_fd, int https_fd) : shared_(shared) {
  http_.fd = http_fd;
  http_.worker = this;
  https_.fd = https_fd;
  https_.tls = shared.tls;
  https_.worker = this;
  read_buffer_.resize(64 * 1024);
  services_.payloads = shared.payloads;
  services_.counters = &counters_;
  services_.date_line = &date_line_;
  services_.stats_json = shared.stats_json;
  // The loop's time brought up to date: the cached time of the iteration may be ms behind
  // when a request arrives, which would make its /delay response due early.
  services_.now_ms = [this] {
    uv_update_time(&loop_);
    return uv_now(&loop_);
  };
}

Worker::~Worker() {
  join();
  for (const Listener* listener : {&http_, &https_}) {
    if (listener->fd >= 0) ::close(listener->fd);
  }
}

bool Worker::start(std::string& error) {
  uv_loop_init(&loop_);
  loop_.data = this;
  uv_async_init(&loop_, &stop_async_, on_stop);
  stop_async_.data = this;
  uv_timer_init(&loop_, &sweep_timer_);
  sweep_timer_.data = this;
  uv_timer_start(&sweep_timer_, on_sweep, sweep_interval_ms, sweep_interval_ms);
  uv_timer_init(&loop_, &stop_timer_);
  stop_timer_.data = this;
  uv_timer_init(&loop_, &wake_timer_);
  wake_timer_.data = this;
  refresh_date();
  for (Listener* listener : {&http_, &https_}) {
    if (listener->fd >= 0 && !open_listener(*listener, error)) break;
  }
  // The loop runs on its own thread even after an error, so that it closes every handle.
  started_ = true;
  thread_ = std::thread([this] { run(); });
  if (!error.empty()) request_stop();
  return error.empty();
}

void Worker::run() {
  uv_run(&loop_, UV_RUN_DEFAULT);
  // Every handle was closed by close_everything(): one still open is a leak, reported here and
  // by leaked_handles() (the serve command then exits with an error, which tests check).
  leaked_handles_ = close_loop(loop_);
  if (leaked_handles_ != 0) {
    fmt::print(stderr, "hcbench serve: {} libuv handle(s) still open when the loop ended\n",
               leaked_handles_);
  }
}

void Worker::request_stop() {
  // Once only, and only for a loop that runs: the async handle is closed when the loop ends.
  if (started_ && !stop_requested_.exchange(true)) uv_async_send(&stop_async_);
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

bool Worker::open_listener(Listener& listener, std::string& error) {
  if (::listen(listener.fd, listen_backlog) != 0) {
    error = std::string("listen: ") + std::strerror(errno);
    return false;
  }
  int rc = uv_poll_init_socket(&loop_, &listener.poll, listener.fd);
  if (rc == 0) {
    listener.poll.data = &listener;
    listener.polling = true; // close_listener() closes the handle from here on
    rc = uv_poll_start(&listener.poll, UV_READABLE, on_acceptable);
  }
  if (rc != 0) error = std::string("listen: ") + uv_strerror(rc);
  return rc == 0;
}

void Worker::on_acceptable(uv_poll_t* poll, int status, int) {
  auto& listener = *static_cast<Listener*>(poll->data);
  if (status == 0) listener.worker->accept_from(listener);
}

void Worker::accept_from(Listener& listener) {
  for (int i = 0; i < accept_batch && !stopping_; ++i) {
    const int fd = ::accept4(listener.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors or memory: the connections wait in the backlog instead of the
        // loop spinning on a listener it cannot accept from.
        uv_poll_stop(&listener.poll);
        listener.paused = true;
      }
      return; // EAGAIN: accepted everything
    }
    counters_.connections_accepted.add();
    const auto open = shared_.open_connections.fetch_add(1, std::memory_order_relaxed) + 1;
    if (open > shared_.config->max_connections) {
      counters_.connections_rejected.add();
      ::close(fd);
      connection_closed();
      continue;
    }
    // The transport is chosen by the listener; the connection is deleted in its close callback.
    auto* connection =
        listener.tls != nullptr
            ? new Connection(*this, std::make_unique<TlsTransport>(*listener.tls, counters_), fd)
            : new Connection(*this, plain_transport_, fd);
    connection->start();
  }
}

void Worker::close_listener(Listener& listener) {
  if (listener.polling) {
    uv_close(reinterpret_cast<uv_handle_t*>(&listener.poll), nullptr); // stops polling now
    listener.polling = false;
  }
  if (listener.fd >= 0) ::close(listener.fd);
  listener.fd = -1;
}

void Worker::link(Connection* connection) {
  counters_.connections_active.add();
  connection->prev = nullptr;
  connection->next = connections_;
  if (connections_ != nullptr) connections_->prev = connection;
  connections_ = connection;
}

void Worker::unlink(Connection* connection) {
  const bool linked = connection->prev != nullptr || connections_ == connection;
  if (!linked) return;
  counters_.connections_active.sub();
  if (connection->prev != nullptr) connection->prev->next = connection->next;
  if (connection->next != nullptr) connection->next->prev = connection->prev;
  if (connections_ == connection) connections_ = connection->next;
  connection->prev = connection->next = nullptr;
}

void Worker::connection_closed() {
  shared_.open_connections.fetch_sub(1, std::memory_order_relaxed);
}

void Worker::wake_at(Connection* connection, std::uint64_t due_ms) {
  wakeups_.emplace(due_ms, connection);
  arm_wake_timer();
}

void Worker::cancel_wake(Connection* connection, std::uint64_t due_ms) {
  wakeups_.erase({due_ms, connection});
  arm_wake_timer();
}

void Worker::arm_wake_timer() {
  if (uv_is_closing(reinterpret_cast<uv_handle_t*>(&wake_timer_))) return;
  if (wakeups_.empty()) {
    uv_timer_stop(&wake_timer_);
    return;
  }
  const std::uint64_t due = wakeups_.begin()->first;
  const std::uint64_t now = uv_now(&loop_);
  uv_timer_start(&wake_timer_, on_wake, due > now ? due - now : 0, 0);
}

void Worker::on_wake(uv_timer_t* timer) {
  auto& self = *static_cast<Worker*>(timer->data);
  const std::uint64_t now = uv_now(&self.loop_);
  while (!self.wakeups_.empty() && self.wakeups_.begin()->first <= now) {
    Connection* connection = self.wakeups_.begin()->second;
    self.wakeups_.erase(self.wakeups_.begin());
    connection->wake(); // may wake_at() again, or close
  }
  self.arm_wake_timer();
}

void Worker::refresh_date() {
  const std::time_t now = std::time(nullptr);
  if (now == date_second_) return;
  date_second_ = now;
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[64];
  const std::size_t n =
      std::strftime(text, sizeof text, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &utc);
  date_line_.assign(text, n);
}

void Worker::on_sweep(uv_timer_t* timer) {
  auto& self = *static_cast<Worker*>(timer->data);
  self.refresh_date();
  self.payload_files_.forget_released();
  for (Listener* listener : {&self.http_, &self.https_}) {
    if (listener->paused && listener->polling && !self.stopping_) {
      listener->paused = false;
      uv_poll_start(&listener->poll, UV_READABLE, on_acceptable);
    }
  }
  const std::uint64_t now = uv_now(&self.loop_);
  for (Connection* c = self.connections_; c != nullptr;) {
    Connection* next = c->next; // check_deadline may unlink c
    c->check_deadline(now);
    c = next;
  }
}

void Worker::on_stop(uv_async_t* async) {
  auto& self = *static_cast<Worker*>(async->data);
  if (self.stopping_) return;
  self.stopping_ = true;
  for (Listener* listener : {&self.http_, &self.https_}) self.close_listener(*listener);
  for (Connection* c = self.connections_; c != nullptr;) {
    Connection* next = c->next;
    c->begin_drain();
    c = next;
  }
  self.stop_started_ms_ = uv_now(&self.loop_);
  uv_timer_start(&self.stop_timer_, on_stop_deadline, 0, stop_poll_ms);
}

void Worker::on_stop_deadline(uv_timer_t* timer) {
  auto& self = *static_cast<Worker*>(timer->data);
  const bool late = uv_now(&self.loop_) - self.stop_started_ms_ >= stop_deadline_ms;
  if (self.connections_ == nullptr || late) self.close_everything();
}

void Worker::close_everything() {
  for (Connection* c = connections_; c != nullptr;) {
    Connection* next = c->next;
    c->begin_close();
    c = next;
  }
  for (uv_handle_t* handle :
       {reinterpret_cast<uv_handle_t*>(&sweep_timer_), reinterpret_cast<uv_handle_t*>(&stop_timer_),
        reinterpret_cast<uv_handle_t*>(&wake_timer_),
        reinterpret_cast<uv_handle_t*>(&stop_async_)}) {
    if (!uv_is_closing(handle)) uv_close(handle, nullptr);
  }
}

} // namespace hcbench
