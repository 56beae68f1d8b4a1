// One server thread: its own libuv loop, its own listening sockets (SO_REUSEPORT, so the
// kernel spreads new connections over the workers), its open connections and counters.
// It accepts connections itself, in batches, from a poll handle on each listening socket.
#pragma once

#include "hcbench/server/config.h"
#include "hcbench/server/output_queue.h"
#include "hcbench/server/payload_files.h"
#include "hcbench/server/plain_transport.h"
#include "hcbench/server/protocol_session.h"
#include "hcbench/server/stats.h"
#include "hcbench/server/tls.h"

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace hcbench {

class Connection;

// What every worker shares, owned by the Server.
struct SharedServerState {
  const ServerConfig* config = nullptr;
  PayloadCache* payloads = nullptr;
  const TlsContext* tls = nullptr;
  std::atomic<std::uint64_t> open_connections{0};
  std::function<std::string()> stats_json;
};

class Worker {
public:
  // Takes ownership of the listening sockets (-1 for a disabled listener).
  Worker(SharedServerState& shared, int http_fd, int https_fd);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Opens the listeners and runs the loop on a new thread; false (and why) on failure.
  bool start(std::string& error);
  void request_stop(); // thread-safe: stop accepting, drain, exit within a second
  void join();

  const WorkerCounters& counters() const { return counters_; }
  // After join(): how many libuv handles were still open when the loop ended (0 unless a bug
  // leaked one; each is reported on stderr).
  std::size_t leaked_handles() const { return leaked_handles_; }

  // For connections (worker thread only).
  uv_loop_t* loop() { return &loop_; }
  const SessionConfig& session_config() const { return shared_.config->session; }
  const ServerConfig& config() const { return *shared_.config; }
  SessionServices& services() { return services_; }
  WorkerCounters& counters() { return counters_; }
  std::vector<char>& read_buffer() { return read_buffer_; }
  std::vector<iovec>& iovecs() { return iovecs_; }
  // Where a connection with nothing queued builds its responses before writing them at once;
  // only what the socket does not take is copied into the connection's own queue.
  OutputQueue& response_scratch() { return response_scratch_; }
  void link(Connection* connection);   // an accepted connection starts being served
  void unlink(Connection* connection); // it starts closing
  void connection_closed();            // its handle is closed
  // Deferred output (protocol_session.h): wakes `connection` at loop time `due_ms` with one
  // timer for the whole worker; cancel_wake() forgets a wake-up (same arguments).
  void wake_at(Connection* connection, std::uint64_t due_ms);
  void cancel_wake(Connection* connection, std::uint64_t due_ms);

private:
  struct Listener {
    uv_poll_t poll{};
    int fd = -1; // owned; closed when the worker stops accepting
    const TlsContext* tls = nullptr;
    Worker* worker = nullptr;
    bool polling = false; // poll initialised (and not closed)
    bool paused = false;  // out of file descriptors: accepting resumes at the next sweep
  };

  static void on_acceptable(uv_poll_t* poll, int status, int events);
  static void on_sweep(uv_timer_t* timer);
  static void on_stop(uv_async_t* async);
  static void on_stop_deadline(uv_timer_t* timer);
  static void on_wake(uv_timer_t* timer);
  void arm_wake_timer();
  void run();
  bool open_listener(Listener& listener, std::string& error);
  void accept_from(Listener& listener);
  void close_listener(Listener& listener);
  void refresh_date();
  void close_everything();

  SharedServerState& shared_;
  uv_loop_t loop_{};
  Listener http_;
  Listener https_;
  uv_timer_t sweep_timer_{};
  uv_timer_t stop_timer_{};
  uv_timer_t wake_timer_{};
  // Connections waiting for a time, earliest first; only /delay requests put one here.
  std::set<std::pair<std::uint64_t, Connection*>> wakeups_;
  uv_async_t stop_async_{};
  std::thread thread_;
  WorkerCounters counters_;
  SessionServices services_;
  std::string date_line_;
  std::int64_t date_second_ = -1;
  std::vector<char> read_buffer_;
  std::vector<iovec> iovecs_;
  OutputQueue response_scratch_;
  PayloadFiles payload_files_;
  PlainTransport plain_transport_{payload_files_}; // shared by the plain connections
  Connection* connections_ = nullptr;              // intrusive list head
  bool stopping_ = false;
  bool started_ = false;
  std::atomic<bool> stop_requested_{false};
  std::uint64_t stop_started_ms_ = 0;
  std::size_t leaked_handles_ = 0; // written by the loop's thread before it ends
};

} // namespace hcbench
