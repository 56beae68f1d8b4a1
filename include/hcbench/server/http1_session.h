// The server side of one HTTP/1.x connection, over llhttp: bytes in, responses out. It never
// touches a socket, so it is tested (and fuzzed) by feeding it bytes at any chunk size.
//
// Responses are produced when a request's headers are complete, in request order, so
// pipelined requests are answered in order and a rejected body is never waited for. Request
// bodies (Content-Length or chunked) are read and discarded up to a limit.
//
// A /delay/<ms> response is held back until its time (see protocol_session.h), and so is
// every response after it, so that pipelined responses still leave in request order.
#pragma once

#include "hcbench/server/config.h"
#include "hcbench/server/output_queue.h"
#include "hcbench/server/protocol_session.h"
#include "hcbench/server/response.h"

#include <llhttp.h>

#include <array>
#include <deque>
#include <span>
#include <string>
#include <string_view>

namespace hcbench {

class Http1Session final : public ProtocolSession {
public:
  // Counted in /stats as an HTTP/1 connection from construction to destruction.
  Http1Session(const SessionConfig& config, SessionServices& services);
  ~Http1Session() override;
  Http1Session(const Http1Session&) = delete;
  Http1Session& operator=(const Http1Session&) = delete;

  // Parses bytes, appending every response they complete to `out`. Once it returns close,
  // further bytes are ignored.
  Status feed(std::span<const char> bytes, OutputQueue& out) override;

  // Every response is complete when feed() returns; only a /delay response (and those
  // behind it) is held back, until its time.
  bool wants_to_write() const override;
  Status produce(OutputQueue& out, std::size_t budget) override;
  std::uint64_t wake_at_ms() const override;

  // Inside a request's head (its first byte arrived, its headers are not complete): the
  // header timeout applies.
  bool reading_head() const override { return phase_ == Phase::head; }
  // Between requests (nothing of the next request has arrived) and nothing held back.
  bool idle() const override { return phase_ == Phase::idle && held_.empty(); }
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

  // The HTTP/1.1 request just parsed asks to switch to HTTP/2 over cleartext (RFC 7540 3.2:
  // "Upgrade: h2c" with one HTTP2-Settings header, no request body), and config.http2 allows
  // it. It was not answered: feed() stopped after its head and returned open, and the caller
  // hands it to Http2Session::upgrade() with the values below, then feeds the bytes after
  // upgrade_offset() of that feed() to the HTTP/2 session.
  bool upgrade_requested() const { return phase_ == Phase::upgrade; }
  const std::string& http2_settings() const { return http2_settings_; }
  std::string_view upgrade_method() const;
  const std::string& upgrade_target() const { return url_; }
  std::size_t upgrade_offset() const { return upgrade_offset_; }

private:
  enum class Phase {
    idle,    // between requests
    head,    // request line and headers arriving
    body,    // headers done, the response is queued, the body is being discarded
    closing, // a response that closes the connection was queued; ignore the rest
    upgrade, // an h2c upgrade was asked for; the connection switches to HTTP/2
  };

  friend struct Http1Callbacks;
  int on_message_begin();
  int on_head_bytes(std::size_t length);
  int on_url(const char* at, std::size_t length);
  int on_header_field(const char* at, std::size_t length);
  int on_header_value(const char* at, std::size_t length);
  int on_header_value_complete();
  std::string_view header_name() const;
  bool wants_h2c_upgrade() const;
  int on_headers_complete();
  int on_body(std::size_t length);
  int on_message_complete();

  void respond(const RouteMatch& match, bool keep_alive, bool http10);
  void write_response(const RouteMatch& match, bool keep_alive, bool http10);
  // Where a response goes: `out` when nothing is held back and it has no delay; otherwise
  // behind what is held (a delayed response starts a new held entry due at its time).
  OutputQueue& queue_for(OutputQueue& out, std::uint64_t delay_ms);
  void write_head(int status, std::string_view status_text, bool keep_alive, bool http10);
  void fail(int status, std::string_view reason); // error response, then close

  const SessionConfig& config_;
  SessionServices& services_;
  llhttp_t parser_;
  OutputQueue* out_ = nullptr; // the queue of the feed() in progress
  Phase phase_ = Phase::idle;
  std::string url_;
  // The name of the header being read, lower-cased, when it is one that matters for an h2c
  // upgrade (the longest is "http2-settings"); header_name_length_ past the array: another.
  std::array<char, 16> header_name_{};
  std::size_t header_name_length_ = 0;
  // Filled only for requests that carry these headers, so other requests allocate nothing.
  std::string upgrade_header_;
  std::string http2_settings_;
  int http2_settings_count_ = 0;
  std::size_t upgrade_offset_ = 0;
  std::size_t head_bytes_ = 0;
  std::uint64_t body_bytes_ = 0;
  std::uint64_t requests_ = 0;
  bool closing_request_without_body_ = false; // set with the pause for a client's close
  bool client_ended_cleanly_ = false;
  int pending_error_status_ = 0;     // set by a callback that rejects the request
  std::string pending_error_reason_; // allocated only for a rejected request

  // Responses held back, oldest first: each entry is due at its time and leaves only after
  // the entries before it. Empty unless a /delay request is unanswered.
  struct HeldResponses {
    std::uint64_t due_ms = 0; // SessionServices::now_ms() time
    OutputQueue bytes;
  };
  std::deque<HeldResponses> held_;
};

} // namespace hcbench
