// The server side of one HTTP/2 connection, over libnghttp2: bytes in, frames out. Like
// Http1Session it never touches a socket, so it is tested (and fuzzed) with an in-memory
// nghttp2 client and hand-written frames.
//
// Output is pulled: feed() and produce() append frames to an OutputQueue, but never more than
// output_high_water bytes ahead of what the connection has written, so a client that stops
// reading or never opens its flow-control window holds the session's memory bounded (nghttp2
// then counts the control frames it could not send, and closes a flooding client). Bodies are
// not copied: each DATA frame is its 9-byte header, copied, and a slice of the shared payload,
// referenced. The limits and the attacks they answer are in docs/http2.md.
//
// A /delay/<ms> stream's response is held until its time (protocol_session.h: the session
// says when with wake_at_ms() and reads the loop's clock; the connection owns the timer);
// other streams are served meanwhile, and a stream reset or a connection closed before then
// simply forgets it.
#pragma once

#include "hcbench/server/config.h"
#include "hcbench/server/output_queue.h"
#include "hcbench/server/protocol_session.h"
#include "hcbench/server/response.h"
#include "hcbench/server/session_services.h"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

struct nghttp2_session;

namespace hcbench {

class Http2Session final : public ProtocolSession {
public:
  // open: keep reading, and call produce() when the output drained and wants_write();
  // close: write what was produced (a GOAWAY, perhaps), then close the connection.
  using Status = ProtocolSession::Status;

  // How the first bytes of a plain connection compare with the HTTP/2 client preface.
  enum class Preface {
    no,      // not HTTP/2 with prior knowledge: HTTP/1.x
    partial, // a prefix of the preface: read more before choosing
    full,    // the whole 24-byte preface: HTTP/2
  };
  static Preface match_preface(std::span<const char> first_bytes);

  // Bytes the session produces ahead of the socket at most (plus one frame): enough for a
  // few writes of large DATA frames, little for a client that reads nothing.
  static constexpr std::size_t output_high_water = 256 * 1024;
  // The receive windows announced at the start (request bodies only; response bodies are
  // paced by the client's windows).
  static constexpr std::int32_t stream_window = 1 << 20;
  static constexpr std::int32_t connection_window = 16 << 20;

  // Queues the server's SETTINGS; nothing is written until feed(), upgrade() or produce().
  Http2Session(const SessionConfig& config, SessionServices& services);
  ~Http2Session();
  Http2Session(const Http2Session&) = delete;
  Http2Session& operator=(const Http2Session&) = delete;

  // The HTTP/1.1 Upgrade: h2c path. The request (method, target) becomes stream 1, whose
  // response goes over HTTP/2: appends "101 Switching Protocols", the server's SETTINGS and
  // the response. False, with nothing appended, when the HTTP2-Settings value (base64url) is
  // malformed: the caller then answers the request over HTTP/1.1, as RFC 7540 3.2 allows.
  bool upgrade(std::string_view http2_settings, std::string_view method, std::string_view target,
               OutputQueue& out);

  // Parses bytes (the client preface first, unless upgraded) and appends what is to be sent.
  Status feed(std::span<const char> bytes, OutputQueue& out) override;
  // Appends more output (DATA the windows now allow, queued control frames) while `out`
  // holds less than output_high_water. Call when the socket drained and wants_write().
  Status produce(OutputQueue& out);
  // There is output to produce (not counting DATA blocked by the client's windows), or a
  // held /delay response is due.
  bool wants_write() const;
  // The loop time the earliest held /delay response is due; 0 when none is held.
  std::uint64_t wake_at_ms() const override;

  // The connection's view (protocol_session.h). The session bounds its own output by
  // output_high_water, so the connection's budget is not needed.
  bool wants_to_write() const override { return wants_write(); }
  Status produce(OutputQueue& out, std::size_t) override { return produce(out); }
  // Frames carry their own lengths: a slow header block is bounded by nghttp2's limits and
  // the idle timeout, not by the HTTP/1 header timeout.
  bool reading_head() const override { return false; }
  // HTTP/2 has no "Connection: close": the connection ends by GOAWAY or by the peer.
  bool client_ended_cleanly() const override { return false; }
  // Never reading_head(), so never called by the connection; ends the session all the same.
  void time_out(OutputQueue& out) override { terminate(out); }

  // Graceful end (SIGTERM, server stop): GOAWAY with the last stream processed; the streams
  // in flight are finished, then Status::close.
  Status begin_drain(OutputQueue& out) override;
  // Ends the connection now with GOAWAY(error_code) (0 = NO_ERROR, e.g. on the idle
  // timeout); always Status::close.
  Status terminate(OutputQueue& out, std::uint32_t error_code = 0);

  // No stream open: the idle timeout applies.
  bool idle() const override { return streams_.empty(); }
  std::uint64_t requests() const { return requests_; }

private:
  struct Stream {
    std::string method;
    std::string path;
    std::size_t header_bytes = 0;
    std::uint64_t declared_length = 0; // content-length, if sent
    std::uint64_t body_bytes = 0;      // received and discarded
    bool headers_too_large = false;
    Response response;
    std::size_t read_offset = 0; // body bytes handed to nghttp2
    std::size_t sent_offset = 0; // body bytes appended to the output
    std::uint64_t due_ms = 0;    // a held /delay response: when it is submitted; 0 if not held
  };

  friend struct Http2Callbacks;
  int on_begin_headers(std::int32_t stream_id);
  int on_header(std::int32_t stream_id, std::string_view name, std::string_view value);
  int on_request_complete(std::int32_t stream_id);
  int on_reset_received();
  int on_data(std::int32_t stream_id, std::size_t length);
  int on_response_sent(std::int32_t stream_id);
  std::ptrdiff_t read_body(Stream& stream, std::int32_t stream_id, std::size_t length,
                           std::uint32_t* flags);
  int send_body(Stream& stream, const std::uint8_t* frame_head, std::size_t length,
                std::size_t padding);

  void respond(std::int32_t stream_id, Stream& stream);
  void submit(std::int32_t stream_id, Stream& stream); // the response's HEADERS (and its DATA)
  void release_due();                                  // submits the held responses now due
  void forget_held(std::int32_t stream_id, const Stream& stream);
  Status fail(int error, OutputQueue& out); // after a fatal nghttp2 error
  Status status() const;
  Stream* find(std::int32_t stream_id);

  const SessionConfig& config_;
  SessionServices& services_;
  nghttp2_session* session_ = nullptr;
  std::unordered_map<std::int32_t, Stream> streams_;
  std::vector<std::int32_t> deferred_; // streams whose DATA waits for the output to drain
  // Streams whose /delay response waits for its time, by (due_ms, stream id): earliest first.
  std::set<std::pair<std::uint64_t, std::int32_t>> held_;
  OutputQueue* out_ = nullptr; // the queue of the produce() in progress
  std::uint64_t requests_ = 0;
  bool failed_ = false;           // a fatal error: nothing more to read or produce
  bool awaiting_preface_ = false; // upgraded: bodies wait until the client's preface arrives
  // Rapid reset (CVE-2023-44487): a token bucket of RST_STREAMs the client may send.
  double reset_tokens_ = 0;
  std::chrono::steady_clock::time_point reset_refilled_;
};

} // namespace hcbench
