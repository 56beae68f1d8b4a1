// An in-memory HTTP/2 peer for the session tests: an nghttp2 client session whose bytes go
// to an Http2Session and back, with no socket, plus a writer of raw frames for what an
// nghttp2 client refuses to send.
#pragma once

#include "hcbench/server/http2_session.h"

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hcbench::test {

struct Http2Response {
  std::map<std::string, std::string> headers; // ":status" included
  std::string body;
  bool closed = false;
  std::uint32_t reset_code = 0; // RST_STREAM from the server, 0 if none
  bool reset = false;

  int status() const { return headers.count(":status") ? std::stoi(headers.at(":status")) : 0; }
};

class Http2Client {
public:
  // `settings` are the client's SETTINGS (empty: nghttp2's defaults).
  explicit Http2Client(std::vector<nghttp2_settings_entry> settings = {});
  ~Http2Client();
  Http2Client(const Http2Client&) = delete;
  Http2Client& operator=(const Http2Client&) = delete;

  // Submits a request; its bytes leave with the next pending(). With `hold_body`, the
  // HEADERS go without END_STREAM and the body never comes.
  std::int32_t request(std::string_view method, std::string_view path,
                       std::vector<std::pair<std::string, std::string>> extra = {},
                       std::string_view body = {}, bool hold_body = false);
  // The bytes the client has to send.
  std::string pending();
  // Bytes from the server. False once the client session failed.
  bool receive(std::string_view bytes);

  nghttp2_session* session() { return session_; }
  std::map<std::int32_t, Http2Response> responses;
  bool goaway = false;
  std::uint32_t goaway_code = 0;
  std::int32_t goaway_last_stream = -1;

private:
  nghttp2_session* session_ = nullptr;
  std::vector<std::string> bodies_; // request bodies being sent
};

// Moves bytes both ways until neither side has anything to say (bounded rounds): the
// client's output is fed to the session in pieces of `chunk` bytes, the session's output
// drained into the client. Returns the session's last status.
Http2Session::Status exchange(Http2Client& client, Http2Session& session, OutputQueue& out,
                              std::size_t chunk = 1 << 20, int max_rounds = 10000);

// Everything in the queue, as one string; the queue is emptied.
std::string take(OutputQueue& out);

// One raw HTTP/2 frame: the 9-byte header and the payload.
std::string frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream_id,
                  std::string_view payload = {});
// A HEADERS block (HPACK, static table only) for "GET <path>" over http.
std::string request_block(std::string_view path);
std::string client_preface(); // the magic and an empty SETTINGS frame

// The frames in a server's output, decoded only as far as the tests look.
struct RawFrame {
  std::uint8_t type;
  std::uint8_t flags;
  std::uint32_t stream_id;
  std::string payload;
};
std::vector<RawFrame> split_frames(std::string_view bytes);
// The header lists of the HEADERS frames in a server's output, by stream, decoded in order
// with one HPACK decoder.
std::map<std::uint32_t, std::map<std::string, std::string>> decode_headers(std::string_view bytes);
// The error code of the first GOAWAY in `bytes`, or -1 if there is none.
std::int64_t goaway_code(std::string_view bytes);

} // namespace hcbench::test
