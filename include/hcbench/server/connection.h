// One accepted TCP connection: the socket (libuv), its transport (plain or TLS, swapped
// whole), its protocol session, and the queue between them and the socket. The only place
// where server bytes meet a socket; nothing here depends on which transport or protocol.
//
// Lifetime: created on accept, freed only in its uv_close callback. State changes happen in
// one place each: stop_requests() (no more requests), finish_output() (what to do once every
// queued byte is written: close or linger) and begin_close() (the only way to close).
#pragma once

#include "hcbench/server/http1_session.h"
#include "hcbench/server/http2_session.h"
#include "hcbench/server/output_queue.h"
#include "hcbench/server/protocol_session.h"
#include "hcbench/server/transport.h"

#include <uv.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

namespace hcbench {

class Worker;

class Connection {
public:
  // Takes the accepted, non-blocking socket `fd` and a transport that it owns (TLS) or that
  // the worker shares between its connections (plain); the caller then calls start().
  Connection(Worker& worker, std::unique_ptr<Transport> transport, int fd);
  Connection(Worker& worker, Transport& shared_transport, int fd);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Serves what already arrived, then waits on the loop for the rest; or closes at once.
  void start();

  // Closes the socket now; the object is deleted in the close callback.
  void begin_close();
  // Server shutdown: close now if idle, otherwise after the response in flight.
  void begin_drain();
  // Applies the header, idle and lingering timeouts; may close the connection.
  void check_deadline(std::uint64_t now_ms);
  // The time the session asked for (ProtocolSession::wake_at_ms) came: write what is due.
  void wake();

  // The worker's intrusive list of open connections.
  Connection* prev = nullptr;
  Connection* next = nullptr;

private:
  enum class State {
    open,      // reading requests, writing responses
    finishing, // no more requests: write what is queued, then shut down
    lingering, // FIN sent: discard input until the peer closes or the linger time ends
    closing,   // uv_close called
  };

  static void on_alloc(uv_handle_t* handle, std::size_t suggested, uv_buf_t* buf);
  static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  static void on_write(uv_write_t* request, int status);
  static void on_shutdown(uv_shutdown_t* request, int status);
  static void on_close(uv_handle_t* handle);
  void handle_read(ssize_t nread, const char* data); // libuv's convention: < 0 is an error
  // Opens the socket in the uv handle the first time the connection needs the loop.
  bool attach();

  // A write that libuv finishes later because the socket was full. Allocated the first time
  // that happens on a connection, then reused.
  struct WriteInFlight {
    uv_write_t request{};
    OutputQueue queue; // owned by the uv_write in flight, untouched until on_write
  };

  // The factory point: which protocol this connection speaks, chosen once, when its first
  // bytes are through the transport (and, for TLS, its ALPN protocol is known). Null while
  // the first bytes are a part of the HTTP/2 preface: they are kept in preface_ until more come.
  ProtocolSession* open_session(std::span<const char> bytes);
  // Feeds plaintext to the session (choosing it first), and switches an HTTP/1.1 session
  // that was asked to upgrade to h2c over to HTTP/2.
  ProtocolSession::Status feed_session(std::span<const char> bytes, OutputQueue& out);
  ProtocolSession::Status switch_to_http2(std::span<const char> bytes, OutputQueue& out);
  void receive(std::span<const char> bytes);
  void write_at_once(OutputQueue& responses); // try the socket now, keep the rest in pending_
  bool write_now(OutputQueue& queue); // what the socket takes now; false: closed on an error
  std::size_t queued_bytes() const;
  void after_session(ProtocolSession::Status status);
  bool session_idle() const; // no request in progress (nor any byte of one yet)
  bool produce_more();       // a session that held output back adds some; false: none came
  void flush();
  void finish_output();
  void update_reading();
  void stop_requests(); // no more requests: finish what is queued, then shut down
  void touch();
  // Keeps the worker's wake-up for this connection equal to what the session holds back.
  void schedule_wake();

  Worker& worker_;
  int fd_; // the socket; owned by handle_ once attached_
  bool attached_ = false;
  uv_tcp_t handle_{};
  State state_ = State::open;
  std::unique_ptr<Transport> owned_transport_; // null when the transport is the worker's
  Transport* transport_;
  // The session lives inside the connection (no allocation per connection); null until
  // open_session() chose it. One of the two is engaged (both only during an h2c upgrade).
  std::optional<Http1Session> http1_;
  std::optional<Http2Session> http2_;
  ProtocolSession* session_ = nullptr;
  std::array<char, 24> preface_{}; // the first bytes of plain HTTP, while they could be h2c
  std::size_t preface_length_ = 0;
  OutputQueue pending_; // to be written, as the socket takes it (ciphertext for TLS)
  std::unique_ptr<WriteInFlight> write_;
  std::unique_ptr<uv_shutdown_t> shutdown_request_; // once, when lingering starts
  bool write_in_flight_ = false;
  bool reading_ = false;
  bool draining_ = false;      // the server is stopping
  bool peer_closed_ = false;   // EOF or a fatal transport error: close after the output
  bool output_ended_ = false;  // the transport was told no more output follows
  bool input_ignored_ = false; // bytes arrived after requests stopped: linger before closing
  std::uint64_t last_activity_ms_ = 0;
  std::uint64_t head_started_ms_ = 0; // a request head (or the transport's set-up) began; 0: none
  std::uint64_t linger_until_ms_ = 0;
  std::uint64_t wake_at_ms_ = 0; // registered with the worker (Worker::wake_at); 0: none
};

} // namespace hcbench
