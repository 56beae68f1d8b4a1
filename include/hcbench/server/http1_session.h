// The server side of one HTTP/1.x connection, over llhttp: bytes in, responses out. It never
// touches a socket, so it is tested (and fuzzed) by feeding it bytes at any chunk size.
//
// Responses are produced when a request's headers are complete, in request order, so
// pipelined requests are answered in order and a rejected body is never waited for. Request
// bodies (Content-Length or chunked) are read and discarded up to a limit.
#pragma once

#include "hcbench/server/config.h"
#include "hcbench/server/output_queue.h"
#include "hcbench/server/payload_files.h"
#include "hcbench/server/response.h"
#include "hcbench/server/session_services.h"
#include "hcbench/server/stats.h"

#include <llhttp.h>

#include <span>
#include <string>

namespace hcbench {

class Http1Session {
public:
  enum class Status {
    open,  // keep reading
    close, // write what was produced, then close the connection
  };

  Http1Session(const SessionConfig& config, SessionServices& services);
  Http1Session(const Http1Session&) = delete;
  Http1Session& operator=(const Http1Session&) = delete;

  // Parses bytes, appending every response they complete to `out`. Once it returns close,
  // further bytes are ignored.
  Status feed(std::span<const char> bytes, OutputQueue& out);

  // Inside a request's head (its first byte arrived, its headers are not complete): the
  // header timeout applies.
  bool reading_head() const { return phase_ == Phase::head; }
  // Between requests: nothing of the next request has arrived.
  bool idle() const { return phase_ == Phase::idle; }
  std::uint64_t requests() const { return requests_; }
  // The client asked to close (Connection: close, or HTTP/1.0 without keep-alive) in a
  // request without a body, and nothing came after that request: once the response is
  // written, the connection can be closed at once, with no lingering (nginx's heuristic).
  bool client_ended_cleanly() const { return client_ended_cleanly_; }

  // Plain connections only: large bodies get the file PayloadFiles keeps for them, so the
  // connection can sendfile() them. (TLS must encrypt them from memory anyway.)
  void send_bodies_from(PayloadFiles* files) { body_files_ = files; }

  // Appends a complete error response outside any parse (e.g. 408 on a header timeout).
  void respond_error(OutputQueue& out, int status, std::string_view reason);

private:
  enum class Phase {
    idle,    // between requests
    head,    // request line and headers arriving
    body,    // headers done, the response is queued, the body is being discarded
    closing, // a response that closes the connection was queued; ignore the rest
  };

  friend struct Http1Callbacks;
  int on_message_begin();
  int on_head_bytes(std::size_t length);
  int on_url(const char* at, std::size_t length);
  int on_headers_complete();
  int on_body(std::size_t length);
  int on_message_complete();

  void respond(const RouteMatch& match, bool keep_alive, bool http10);
  void write_head(int status, std::string_view status_text, bool keep_alive, bool http10);
  void fail(int status, std::string_view reason); // error response, then close

  const SessionConfig& config_;
  SessionServices& services_;
  llhttp_t parser_;
  OutputQueue* out_ = nullptr; // the queue of the feed() in progress
  PayloadFiles* body_files_ = nullptr;
  Phase phase_ = Phase::idle;
  std::string url_;
  std::size_t head_bytes_ = 0;
  std::uint64_t body_bytes_ = 0;
  std::uint64_t requests_ = 0;
  bool closing_request_without_body_ = false; // set with the pause for a client's close
  bool client_ended_cleanly_ = false;
  int pending_error_status_ = 0; // set by a callback that rejects the request
  std::string_view pending_error_reason_;
};

} // namespace hcbench
