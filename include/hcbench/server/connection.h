// One accepted TCP connection: the socket (libuv), the optional TLS session, the HTTP/1
// session, and the queues between them. The only place where server bytes meet a socket.
//
// Lifetime: created on accept, freed only in its uv_close callback. State changes happen in
// one place each: begin_close() (the only way to close), finish_output() (what to do once
// every queued byte is written), and check_deadline() (timeouts, from the worker's sweep).
#pragma once

#include "hcbench/server/http1_session.h"
#include "hcbench/server/output_queue.h"
#include "hcbench/server/tls.h"

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>

namespace hcbench {

class Worker;

class Connection {
public:
  // Takes the accepted, non-blocking socket `fd`; the caller then calls start().
  Connection(Worker& worker, const TlsContext* tls, int fd);
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

  // What only a TLS connection needs, so that an HTTP connection does not carry it.
  struct TlsPlaintext {
    OutputQueue out; // responses not yet encrypted
    std::string in;  // decrypted request bytes
  };
  // A write that libuv finishes later because the socket was full. Allocated the first time
  // that happens on a connection, then reused.
  struct WriteInFlight {
    uv_write_t request{};
    OutputQueue queue; // owned by the uv_write in flight, untouched until on_write
  };

  void receive(std::span<const char> bytes);
  void write_at_once(OutputQueue& responses); // try the socket now, keep the rest in pending_
  bool write_now(OutputQueue& queue); // what the socket takes now; false: closed on an error
  std::size_t queued_bytes() const;
  void receive_tls(std::span<const char> bytes);
  void after_session(Http1Session::Status status);
  bool seal_plaintext();  // TLS: encrypt queued responses, a window ahead of the socket
  void move_ciphertext(); // TLS: what the session produced goes to pending_
  void flush();
  void finish_output();
  void update_reading();
  void stop_requests(); // no more requests: finish what is queued, then shut down
  void touch();

  Worker& worker_;
  int fd_; // the socket; owned by handle_ once attached_
  bool attached_ = false;
  uv_tcp_t handle_{};
  State state_ = State::open;
  Http1Session session_;
  std::unique_ptr<TlsSession> tls_;
  std::unique_ptr<TlsPlaintext> tls_plaintext_;
  OutputQueue pending_; // to be written (ciphertext for TLS)
  std::unique_ptr<WriteInFlight> write_;
  std::unique_ptr<uv_shutdown_t> shutdown_request_; // once, when lingering starts
  bool write_in_flight_ = false;
  bool reading_ = false;
  bool draining_ = false; // the server is stopping
  bool handshake_counted_ = false;
  bool close_notify_pending_ = false; // TLS: send close_notify after the last response
  bool peer_closed_ = false;   // EOF or a fatal TLS error: close after the output, no FIN wait
  bool input_ignored_ = false; // bytes arrived after requests stopped: linger before closing
  std::uint64_t last_activity_ms_ = 0;
  std::uint64_t head_started_ms_ = 0; // a request head (or TLS handshake) began; 0: none
  std::uint64_t linger_until_ms_ = 0;
};

} // namespace hcbench
