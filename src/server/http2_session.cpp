#include "hcbench/server/http2_session.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <new>

namespace hcbench {

namespace {

// Control frames (SETTINGS and PING acknowledgements) nghttp2 may hold for a client that does
// not read before it calls the client a flood and ends the session: a well-behaved client has
// a handful in flight (CVE-2019-9512, CVE-2019-9515).
constexpr std::size_t max_outbound_ack = 256;
// CONTINUATION frames after one HEADERS (CVE-2024-27316, CVE-2024-28182): nghttp2's default.
constexpr std::size_t max_continuations = 8;
// SETTINGS_HEADER_TABLE_SIZE of our encoder: response headers are few and small.
constexpr std::size_t deflate_table_bytes = 4096;

constexpr std::string_view upgrade_response =
    "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";

std::string_view view(const std::uint8_t* data, std::size_t length) {
  return {reinterpret_cast<const char*>(data), length};
}

nghttp2_nv header(std::string_view name, std::string_view value, bool static_value = false) {
  // Names are literals; values are copied by nghttp2 unless they are literals too, since a
  // HEADERS frame may be serialised after the stream that asked for it has gone.
  const std::uint8_t flags = NGHTTP2_NV_FLAG_NO_COPY_NAME |
                             (static_value ? NGHTTP2_NV_FLAG_NO_COPY_VALUE : NGHTTP2_NV_FLAG_NONE);
  return {const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(name.data())),
          const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(value.data())),
          name.size(), value.size(), flags};
}

// RFC 4648 base64url without padding, as HTTP2-Settings carries it. False on a character
// outside the alphabet or a length that cannot end on whole bytes.
bool decode_base64url(std::string_view text, std::string& out) {
  out.clear();
  std::uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z')
      value = c - 'A';
    else if (c >= 'a' && c <= 'z')
      value = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      value = c - '0' + 52;
    else if (c == '-')
      value = 62;
    else if (c == '_')
      value = 63;
    else if (c == '=')
      break; // tolerated trailing padding
    else
      return false;
    bits = (bits << 6) | static_cast<std::uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return count < 6;
}

} // namespace

// nghttp2 glue: plain callbacks that forward to the session, built once.
struct Http2Callbacks {
  static Http2Session& self(void* user_data) { return *static_cast<Http2Session*>(user_data); }

  static int begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    return self(user).on_begin_headers(frame->hd.stream_id);
  }
  static int header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name,
                    std::size_t name_length, const std::uint8_t* value, std::size_t value_length,
                    std::uint8_t, void* user) {
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    return self(user).on_header(frame->hd.stream_id, view(name, name_length),
                                view(value, value_length));
  }
  static int frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    switch (frame->hd.type) {
    case NGHTTP2_HEADERS:
      // The whole header block (CONTINUATIONs included) of a request; trailers are ignored.
      if (frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
      return self(user).on_request_complete(frame->hd.stream_id);
    case NGHTTP2_RST_STREAM:
      return self(user).on_reset_received();
    default:
      return 0;
    }
  }
  static int data_chunk(nghttp2_session*, std::uint8_t, std::int32_t stream_id, const std::uint8_t*,
                        std::size_t length, void* user) {
    return self(user).on_data(stream_id, length);
  }
  static int frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    Http2Session& session = self(user);
    if (frame->hd.type == NGHTTP2_GOAWAY) session.services_.counters->http2_goaways_sent.add();
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
      return session.on_response_sent(frame->hd.stream_id);
    }
    return 0;
  }
  static int stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t, void* user) {
    // A reset (or an answered) stream: nothing of it may stay behind, least of all a held
    // /delay response that would otherwise be submitted later for a stream that is gone.
    Http2Session& session = self(user);
    if (const Http2Session::Stream* stream = session.find(stream_id)) {
      session.forget_held(stream_id, *stream);
    }
    session.streams_.erase(stream_id);
    std::erase(session.deferred_, stream_id);
    return 0;
  }
  static ssize_t read_body(nghttp2_session*, std::int32_t stream_id, std::uint8_t*,
                           std::size_t length, std::uint32_t* flags, nghttp2_data_source* source,
                           void* user) {
    auto& stream = *static_cast<Http2Session::Stream*>(source->ptr);
    return self(user).read_body(stream, stream_id, length, flags);
  }
  static int send_data(nghttp2_session*, nghttp2_frame* frame, const std::uint8_t* frame_head,
                       std::size_t length, nghttp2_data_source* source, void* user) {
    auto& stream = *static_cast<Http2Session::Stream*>(source->ptr);
    return self(user).send_body(stream, frame_head, length, frame->data.padlen);
  }

  static const nghttp2_session_callbacks* get() {
    static const std::unique_ptr<nghttp2_session_callbacks, void (*)(nghttp2_session_callbacks*)>
        callbacks = [] {
          nghttp2_session_callbacks* c = nullptr;
          nghttp2_session_callbacks_new(&c);
          nghttp2_session_callbacks_set_on_begin_headers_callback(c, begin_headers);
          nghttp2_session_callbacks_set_on_header_callback(c, header);
          nghttp2_session_callbacks_set_on_frame_recv_callback(c, frame_recv);
          nghttp2_session_callbacks_set_on_data_chunk_recv_callback(c, data_chunk);
          nghttp2_session_callbacks_set_on_frame_send_callback(c, frame_send);
          nghttp2_session_callbacks_set_on_stream_close_callback(c, stream_close);
          nghttp2_session_callbacks_set_send_data_callback(c, send_data);
          return std::unique_ptr<nghttp2_session_callbacks, void (*)(nghttp2_session_callbacks*)>(
              c, nghttp2_session_callbacks_del);
        }();
    return callbacks.get();
  }
};

Http2Session::Preface Http2Session::match_preface(std::span<const char> first_bytes) {
  const std::string_view magic(NGHTTP2_CLIENT_MAGIC, NGHTTP2_CLIENT_MAGIC_LEN);
  const std::size_t n = std::min(first_bytes.size(), magic.size());
  if (std::string_view(first_bytes.data(), n) != magic.substr(0, n)) return Preface::no;
  return n == magic.size() ? Preface::full : Preface::partial;
}

Http2Session::Http2Session(const SessionConfig& config, SessionServices& services)
    : config_(config), services_(services), reset_tokens_(config.reset_burst),
      reset_refilled_(std::chrono::steady_clock::now()) {
  nghttp2_option* option = nullptr;
  nghttp2_option_new(&option);
  nghttp2_option_set_max_outbound_ack(option, max_outbound_ack);
  nghttp2_option_set_max_continuations(option, max_continuations);
  nghttp2_option_set_max_deflate_dynamic_table_size(option, deflate_table_bytes);
  // Debian backported nghttp2's own rapid-reset limiter (GOAWAY INTERNAL_ERROR); kept as a
  // backstop well above ours, which answers ENHANCE_YOUR_CALM as RFC 9113 suggests.
  nghttp2_option_set_stream_reset_rate_limit(option, 4ull * config.reset_burst + 1,
                                             4ull * config.resets_per_second + 1);
  // Closed streams are forgotten at once: no priority tree to keep them for.
  nghttp2_option_set_no_closed_streams(option, 1);
  const int created = nghttp2_session_server_new2(&session_, Http2Callbacks::get(), this, option);
  nghttp2_option_del(option);
  if (created != 0) throw std::bad_alloc(); // NGHTTP2_ERR_NOMEM is its only failure
  services_.counters->http2_connections_accepted.add();
  services_.counters->http2_connections_active.add();

  const std::array<nghttp2_settings_entry, 4> settings{{
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, config.max_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, static_cast<std::uint32_t>(stream_window)},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<std::uint32_t>(config.max_head_bytes)},
      {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
  }};
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings.data(), settings.size());
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0, connection_window);
}

Http2Session::~Http2Session() {
  // Before streams_ goes: nghttp2 may still refer to the streams' data sources.
  nghttp2_session_del(session_);
  services_.counters->http2_connections_active.sub();
}

bool Http2Session::upgrade(std::string_view http2_settings, std::string_view method,
                           std::string_view target, OutputQueue& out) {
  std::string payload;
  if (!decode_base64url(http2_settings, payload)) return false;
  const bool head = method == "HEAD";
  if (nghttp2_session_upgrade2(session_, reinterpret_cast<const std::uint8_t*>(payload.data()),
                               payload.size(), head, nullptr) != 0) {
    return false;
  }
  out.append(upgrade_response);
  Stream& stream = streams_[1];
  services_.counters->http2_streams.add();
  stream.method = method;
  stream.path = target;
  respond(1, stream);
  // Only the SETTINGS and the response's HEADERS go with the 101; the body waits for the
  // client's preface. curl 7.88 fails a transfer when more than 32 KiB arrive with the 101
  // ("connection buffer size is too small to store data following HTTP Upgrade response").
  awaiting_preface_ = true;
  produce(out);
  return true;
}

Http2Session::Status Http2Session::feed(std::span<const char> bytes, OutputQueue& out) {
  if (failed_) return Status::close;
  const auto read = nghttp2_session_mem_recv(
      session_, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  if (read < 0) return fail(static_cast<int>(read), out);
  // An upgraded client sends its preface once it has read the 101: it has switched.
  if (!bytes.empty()) awaiting_preface_ = false;
  return produce(out);
}

Http2Session::Status Http2Session::produce(OutputQueue& out) {
  if (failed_) return Status::close;
  release_due();
  if (out.size() < output_high_water && !awaiting_preface_) {
    for (const std::int32_t id : deferred_) nghttp2_session_resume_data(session_, id);
    deferred_.clear();
  }
  out_ = &out;
  while (out.size() < output_high_water) {
    const std::uint8_t* data = nullptr;
    const auto length = nghttp2_session_mem_send(session_, &data);
    if (length < 0) {
      out_ = nullptr;
      return fail(static_cast<int>(length), out);
    }
    if (length == 0) break;
    out.append(view(data, static_cast<std::size_t>(length)));
  }
  out_ = nullptr;
  return status();
}

bool Http2Session::wants_write() const {
  if (failed_) return false;
  return nghttp2_session_want_write(session_) != 0 || (!deferred_.empty() && !awaiting_preface_) ||
         (!held_.empty() && held_.begin()->first <= services_.now_ms());
}

std::uint64_t Http2Session::wake_at_ms() const {
  return failed_ || held_.empty() ? 0 : held_.begin()->first;
}

void Http2Session::release_due() {
  if (held_.empty()) return;
  const std::uint64_t now = services_.now_ms();
  while (!held_.empty() && held_.begin()->first <= now) {
    const std::int32_t stream_id = held_.begin()->second;
    held_.erase(held_.begin());
    if (Stream* stream = find(stream_id)) {
      stream->due_ms = 0;
      submit(stream_id, *stream);
    }
  }
}

void Http2Session::forget_held(std::int32_t stream_id, const Stream& stream) {
  if (stream.due_ms != 0) held_.erase({stream.due_ms, stream_id});
}

Http2Session::Status Http2Session::begin_drain(OutputQueue& out) {
  if (failed_) return Status::close;
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE,
                        nghttp2_session_get_last_proc_stream_id(session_), NGHTTP2_NO_ERROR,
                        nullptr, 0);
  return produce(out);
}

Http2Session::Status Http2Session::terminate(OutputQueue& out, std::uint32_t error_code) {
  if (!failed_) {
    nghttp2_session_terminate_session(session_, error_code);
    produce(out);
  }
  failed_ = true;
  return Status::close;
}

Http2Session::Status Http2Session::fail(int error, OutputQueue& out) {
  // nghttp2 ends the session on a fatal error without a GOAWAY of its own; say why once,
  // when it still can, and stop.
  std::uint32_t code = NGHTTP2_INTERNAL_ERROR;
  if (error == NGHTTP2_ERR_FLOODED || error == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS) {
    code = NGHTTP2_ENHANCE_YOUR_CALM;
  } else if (error == NGHTTP2_ERR_BAD_CLIENT_MAGIC) {
    code = NGHTTP2_PROTOCOL_ERROR;
  }
  failed_ = true;
  if (nghttp2_session_terminate_session(session_, code) == 0) {
    out_ = &out;
    while (out.size() < output_high_water) {
      const std::uint8_t* data = nullptr;
      const auto length = nghttp2_session_mem_send(session_, &data);
      if (length <= 0) break;
      out.append(view(data, static_cast<std::size_t>(length)));
    }
    out_ = nullptr;
  }
  return Status::close;
}

Http2Session::Status Http2Session::status() const {
  if (failed_) return Status::close;
  const bool done = nghttp2_session_want_read(session_) == 0 &&
                    nghttp2_session_want_write(session_) == 0 && deferred_.empty() && held_.empty();
  return done ? Status::close : Status::open;
}

Http2Session::Stream* Http2Session::find(std::int32_t stream_id) {
  const auto found = streams_.find(stream_id);
  return found == streams_.end() ? nullptr : &found->second;
}

int Http2Session::on_begin_headers(std::int32_t stream_id) {
  streams_.try_emplace(stream_id);
  services_.counters->http2_streams.add();
  return 0;
}

int Http2Session::on_header(std::int32_t stream_id, std::string_view name, std::string_view value) {
  Stream* stream = find(stream_id);
  if (stream == nullptr || stream->headers_too_large) return 0;
  // As SETTINGS_MAX_HEADER_LIST_SIZE counts: an HPACK bomb (a small indexed field repeated)
  // stops here, not in memory.
  stream->header_bytes += name.size() + value.size() + 32;
  if (stream->header_bytes > config_.max_head_bytes) {
    stream->headers_too_large = true;
    stream->method.clear();
    stream->path.clear();
    return 0;
  }
  if (name == ":method") {
    stream->method = value;
  } else if (name == ":path") {
    stream->path = value;
  } else if (name == "content-length") {
    // nghttp2 has checked it is a number and will check the DATA against it.
    std::from_chars(value.data(), value.data() + value.size(), stream->declared_length);
  }
  return 0;
}

int Http2Session::on_request_complete(std::int32_t stream_id) {
  Stream* stream = find(stream_id);
  if (stream != nullptr) respond(stream_id, *stream);
  return 0;
}

int Http2Session::on_reset_received() {
  services_.counters->http2_resets_received.add();
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - reset_refilled_).count();
  reset_refilled_ = now;
  reset_tokens_ =
      std::min<double>(config_.reset_burst, reset_tokens_ + elapsed * config_.resets_per_second);
  if (reset_tokens_ >= 1) {
    reset_tokens_ -= 1;
    return 0;
  }
  // Rapid reset: the client opens and cancels streams faster than any real use would.
  nghttp2_session_terminate_session(session_, NGHTTP2_ENHANCE_YOUR_CALM);
  return 0;
}

int Http2Session::on_data(std::int32_t stream_id, std::size_t length) {
  Stream* stream = find(stream_id);
  if (stream == nullptr) return 0;
  stream->body_bytes += length;
  // The response went at the headers; a body beyond the limit only ends the stream.
  if (stream->body_bytes > config_.max_body_bytes) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
  }
  return 0;
}

int Http2Session::on_response_sent(std::int32_t stream_id) {
  // The response is complete but the client is still sending (a body we do not need):
  // RFC 9113 8.1 lets the server stop it with RST_STREAM(NO_ERROR).
  if (nghttp2_session_get_stream_remote_close(session_, stream_id) == 0) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_NO_ERROR);
  }
  return 0;
}

void Http2Session::respond(std::int32_t stream_id, Stream& stream) {
  ++requests_;
  services_.counters->http2_requests.add();
  const bool head = stream.method == "HEAD";
  if (stream.headers_too_large) {
    stream.response = make_error_response(
        431, "Request header fields too large: the header list exceeds 8 KiB\n", false, services_);
  } else if (stream.declared_length > config_.max_body_bytes) {
    stream.response = make_error_response(413, "Request body too large\n", head, services_);
  } else {
    const RouteMatch match =
        match_route(stream.method, stream.path, config_.max_length, config_.max_delay_ms);
    stream.response = make_response(match, services_);
    if (match.status == 200 && match.route.delay_ms > 0) {
      // Held, not slept on: the connection wakes the session at the due time (never 0, which
      // means "waiting for nothing"), and the other streams are served meanwhile.
      stream.due_ms = services_.due_ms(match.route.delay_ms);
      held_.emplace(stream.due_ms, stream_id);
      return;
    }
  }
  submit(stream_id, stream);
}

void Http2Session::submit(std::int32_t stream_id, Stream& stream) {
  const Response& response = stream.response;
  const std::string_view body = response.body();
  std::array<char, 4> status{};
  std::to_chars(status.data(), status.data() + 3, response.status);
  std::array<char, 24> length{};
  const auto length_end = std::to_chars(length.data(), length.data() + length.size(), body.size());
  const std::string_view date_line = *services_.date_line; // "Date: <value>\r\n"
  std::array<nghttp2_nv, 8> headers;
  std::size_t count = 0;
  headers[count++] = header(":status", {status.data(), 3});
  headers[count++] = header("server", "hcbench", true);
  if (date_line.size() > 8)
    headers[count++] = header("date", date_line.substr(6, date_line.size() - 8));
  headers[count++] = header("content-type", response.content_type(config_.content_type));
  headers[count++] = header("content-length", {length.data(), length_end.ptr});
  if (!response.digest().empty()) headers[count++] = header("repr-digest", response.digest());
  if (response.no_store()) headers[count++] = header("cache-control", "no-store", true);
  if (response.allow_header()) headers[count++] = header("allow", allowed_methods, true);

  nghttp2_data_provider provider{};
  provider.source.ptr = &stream;
  provider.read_callback = Http2Callbacks::read_body;
  const bool has_body = !response.head && !body.empty();
  nghttp2_submit_response(session_, stream_id, headers.data(), count,
                          has_body ? &provider : nullptr);
}

std::ptrdiff_t Http2Session::read_body(Stream& stream, std::int32_t stream_id, std::size_t length,
                                       std::uint32_t* flags) {
  if (out_ == nullptr || out_->size() >= output_high_water || awaiting_preface_) {
    // The socket is behind (or the upgraded client has not switched yet): wait for the next
    // produce() rather than queue more.
    deferred_.push_back(stream_id);
    return NGHTTP2_ERR_DEFERRED;
  }
  const std::size_t size = stream.response.body().size();
  const std::size_t n = std::min(length, size - stream.read_offset);
  stream.read_offset += n;
  *flags |= NGHTTP2_DATA_FLAG_NO_COPY;
  if (stream.read_offset == size) *flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<std::ptrdiff_t>(n);
}

int Http2Session::send_body(Stream& stream, const std::uint8_t* frame_head, std::size_t length,
                            std::size_t padding) {
  // No padding is ever asked for (no select_padding callback); written as RFC 9113 6.1 says
  // all the same: `padding` counts the Pad Length byte too.
  static constexpr std::array<char, 256> zeros{};
  OutputQueue& out = *out_;
  out.append(view(frame_head, 9));
  if (padding > 0) out.append(std::string(1, static_cast<char>(padding - 1)));
  out.append_shared(stream.response.body().substr(stream.sent_offset, length),
                    stream.response.body_owner());
  if (padding > 1) out.append({zeros.data(), padding - 1});
  stream.sent_offset += length;
  return 0;
}

} // namespace hcbench
