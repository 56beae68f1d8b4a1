// The server side of one HTTP/1.x connection, over llhttp: bytes in, responses out. It never
// touches a socket, so it is tested (and fuzzed) by feeding it bytes at any chunk size.
//
// Responses are produced when a request's headers are complete, in request order, so
// pipelined requests are answered in order and a rejected body is never waited for. Request
// bodies (Content-Length or chunked) are read and discarded up to a limit.
#pragma once

#include "hcbench/server/config.h"
#include "hcbench/server/output_queue.h"
#include "hcbench/server/protocol_session.h"
#include "hcbench/server/response.h"

#include <llhttp.h>

#include <span>
#include <string>

namespace hcbench {

class Http1Session final : public ProtocolSession {
public:
  Http1Session(const SessionConfig& config, SessionServices& services);
  Http1Session(const Http1Session&) = delete;
  Http1Session& operator=(const Http1Session&) = delete;

  // Parses bytes, appending every response they complete to `out`. Once it returns close,
  // further bytes are ignored.
  Status feed(std::span<const char> bytes, OutputQueue& out) override;

  // Every response is complete when feed() returns: nothing is ever held back.
  bool wants_to_write() const override { return false; }
  Status produce(OutputQueue&, std::size_t) override {
    return phase_ == Phase::closing ? Status::close : Status::open;
  }

  // Inside a request's head (its first byte arrived, its headers are not complete): the
  // header timeout applies.
  bool reading_head() const override { return phase_ == Phase::head; }
  // Between requests: nothing of the next request has arrived.
  bool idle() const override { return phase_ == Phase::idle; }
  std::uint64_t requests() const { return requests_; }
  // The client asked to close (Connection: close, or HTTP/1.0 without keep-alive) in a
  // request without a body, and nothing came after that request: once the response is
  // written, the connection can be closed at once, with no lingering (nginx's heuristic).
  bool client_ended_cleanly() const override { return client_ended_cleanly_; }

  // 408: the request head did not arrive in time.
  void time_out(OutputQueue& out) override;
  // Nothing to say: the connection closes once the request in progress is answered.
  Status begin_drain(OutputQueue&) override { return Status::open; }

  // Appends a complete error response outside any parse, then closes.
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
  Phase phase_ = Phase::idle;
  std::string url_;
  std::size_t head_bytes_ = 0;
  std::uint64_t body_bytes_ = 0;
  std::uint64_t requests_ = 0;
  bool closing_request_without_body_ = false; // set with the pause for a client's close
  bool client_ended_cleanly_ = false;
  int pending_error_status_ = 0;     // set by a callback that rejects the request
  std::string pending_error_reason_; // allocated only for a rejected request
};

} // namespace hcbench
