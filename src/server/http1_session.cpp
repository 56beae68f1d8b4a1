#include "hcbench/server/http1_session.h"

#include <fmt/format.h>

#include <algorithm>

namespace hcbench {

// llhttp glue as h2load does it: plain callbacks that forward to the session.
struct Http1Callbacks {
  static Http1Session& self(llhttp_t* parser) { return *static_cast<Http1Session*>(parser->data); }
  static int message_begin(llhttp_t* p) { return self(p).on_message_begin(); }
  static int url(llhttp_t* p, const char* at, std::size_t n) { return self(p).on_url(at, n); }
  static int head_data(llhttp_t* p, const char*, std::size_t n) { return self(p).on_head_bytes(n); }
  static int header_field(llhttp_t* p, const char* at, std::size_t n) {
    return self(p).on_header_field(at, n);
  }
  static int header_value(llhttp_t* p, const char* at, std::size_t n) {
    return self(p).on_header_value(at, n);
  }
  static int header_done(llhttp_t* p) { return self(p).on_header_value_complete(); }
  static int headers_complete(llhttp_t* p) { return self(p).on_headers_complete(); }
  static int body(llhttp_t* p, const char*, std::size_t n) { return self(p).on_body(n); }
  static int message_complete(llhttp_t* p) { return self(p).on_message_complete(); }

  static constexpr llhttp_settings_t settings = [] {
    llhttp_settings_t s{};
    s.on_message_begin = message_begin;
    s.on_url = url;
    s.on_method = head_data;
    s.on_version = head_data;
    s.on_header_field = header_field;
    s.on_header_value = header_value;
    s.on_headers_complete = headers_complete;
    s.on_body = body;
    s.on_message_complete = message_complete;
    s.on_header_value_complete = header_done;
    return s;
  }();
};

namespace {

constexpr std::string_view ok_prefix = "HTTP/1.1 200 OK\r\nServer: hcbench\r\n";

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// The comma-separated list `value` holds `token` (case-insensitive), as Upgrade lists them.
bool has_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.size() == token.size() &&
        std::equal(item.begin(), item.end(), token.begin(),
                   [](char a, char b) { return lower(a) == lower(b); })) {
      return true;
    }
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::string_view connection_line(bool keep_alive, bool http10) {
  if (!keep_alive) return "Connection: close\r\n";
  return http10 ? "Connection: keep-alive\r\n" : "";
}

} // namespace

Http1Session::Http1Session(const SessionConfig& config, SessionServices& services)
    : config_(config), services_(services) {
  llhttp_init(&parser_, HTTP_REQUEST, &Http1Callbacks::settings);
  parser_.data = this;
  services_.counters->http1_connections_accepted.add();
  services_.counters->http1_connections_active.add();
}

Http1Session::~Http1Session() {
  services_.counters->http1_connections_active.sub();
}

Http1Session::Status Http1Session::feed(std::span<const char> bytes, OutputQueue& out) {
  if (phase_ == Phase::closing) {
    if (!bytes.empty()) client_ended_cleanly_ = false; // more came after the last request
    return Status::close;
  }
  if (phase_ == Phase::upgrade) return Status::open; // the caller switches to HTTP/2
  out_ = &out;
  llhttp_errno_t result = llhttp_execute(&parser_, bytes.data(), bytes.size());
  while (result == HPE_PAUSED_UPGRADE && phase_ != Phase::closing) {
    // Another Upgrade (or h2c with a body, or with HTTP/2 off) was answered over HTTP/1.1
    // as if it had not been asked for (RFC 9110 7.8): read on.
    const char* resume = llhttp_get_error_pos(&parser_);
    llhttp_resume_after_upgrade(&parser_);
    result = llhttp_execute(&parser_, resume,
                            static_cast<std::size_t>(bytes.data() + bytes.size() - resume));
  }
  out_ = nullptr;
  if (result == HPE_OK) return Status::open;
  if (phase_ == Phase::upgrade) {
    upgrade_offset_ = static_cast<std::size_t>(llhttp_get_error_pos(&parser_) - bytes.data());
    return Status::open;
  }
  if (phase_ == Phase::closing) { // paused after a closing response
    client_ended_cleanly_ = closing_request_without_body_ && result == HPE_PAUSED &&
                            llhttp_get_error_pos(&parser_) == bytes.data() + bytes.size();
    return Status::close;
  }
  if (pending_error_status_ != 0) {
    out_ = &out;
    fail(pending_error_status_, pending_error_reason_);
    out_ = nullptr;
    return Status::close;
  }
  // A malformed request. If its response is already queued (the error is in its body),
  // there is nothing more to say; otherwise answer 400 with llhttp's reason.
  if (phase_ != Phase::body) {
    const std::string reason = fmt::format(
        "Bad request: {} ({})\n", llhttp_get_error_reason(&parser_), llhttp_errno_name(result));
    out_ = &out;
    fail(400, reason);
    out_ = nullptr;
  }
  phase_ = Phase::closing;
  return Status::close;
}

int Http1Session::on_message_begin() {
  phase_ = Phase::head;
  url_.clear();
  header_name_length_ = 0;
  upgrade_header_.clear();
  http2_settings_.clear();
  http2_settings_count_ = 0;
  head_bytes_ = 4; // the request line's two spaces and CRLF
  body_bytes_ = 0;
  return 0;
}

int Http1Session::on_head_bytes(std::size_t length) {
  head_bytes_ += length;
  if (head_bytes_ <= config_.max_head_bytes) return 0;
  pending_error_status_ = 431;
  const std::size_t limit = config_.max_head_bytes;
  pending_error_reason_ =
      limit % 1024 == 0
          ? fmt::format("Request header fields too large: the request line and headers exceed "
                        "{} KiB\n",
                        limit / 1024)
          : fmt::format("Request header fields too large: the request line and headers exceed "
                        "{} bytes\n",
                        limit);
  return -1;
}

int Http1Session::on_url(const char* at, std::size_t length) {
  if (on_head_bytes(length) != 0) return -1;
  url_.append(at, length);
  return 0;
}

int Http1Session::on_header_field(const char* at, std::size_t length) {
  if (on_head_bytes(length) != 0) return -1;
  for (std::size_t i = 0; i < length; ++i, ++header_name_length_) {
    if (header_name_length_ < header_name_.size()) {
      header_name_[header_name_length_] = lower(at[i]);
    }
  }
  return 0;
}

int Http1Session::on_header_value(const char* at, std::size_t length) {
  if (on_head_bytes(length) != 0) return -1;
  const std::string_view name = header_name();
  if (name == "upgrade") {
    upgrade_header_.append(at, length);
  } else if (name == "http2-settings") {
    http2_settings_.append(at, length);
  }
  return 0;
}

int Http1Session::on_header_value_complete() {
  const std::string_view name = header_name();
  if (name == "upgrade") upgrade_header_.push_back(','); // several Upgrade lines form one list
  if (name == "http2-settings") ++http2_settings_count_;
  header_name_length_ = 0;
  return on_head_bytes(4); // ": " and CRLF of a header line, which no data callback reports
}

std::string_view Http1Session::header_name() const {
  if (header_name_length_ > header_name_.size()) return {}; // a longer name: not one we need
  return {header_name_.data(), header_name_length_};
}

bool Http1Session::wants_h2c_upgrade() const {
  // RFC 7540 3.2: exactly one HTTP2-Settings; a request with a body is answered over HTTP/1.1
  // (the server would have to read the body before the preface).
  return config_.http2 && parser_.http_major == 1 && parser_.http_minor == 1 &&
         http2_settings_count_ == 1 && !upgrade_header_.empty() &&
         has_token(upgrade_header_, "h2c") && !(parser_.flags & F_CHUNKED) &&
         (!(parser_.flags & F_CONTENT_LENGTH) || parser_.content_length == 0);
}

std::string_view Http1Session::upgrade_method() const {
  return llhttp_method_name(static_cast<llhttp_method_t>(parser_.method));
}

int Http1Session::on_headers_complete() {
  phase_ = Phase::body;
  const bool http10 = parser_.http_major == 1 && parser_.http_minor == 0;
  if (parser_.http_major != 1) {
    fail(505, "HTTP version not supported: use HTTP/1.0 or HTTP/1.1\n");
    return HPE_PAUSED;
  }
  if ((parser_.flags & F_CONTENT_LENGTH) && parser_.content_length > config_.max_body_bytes) {
    fail(413, "Request body too large\n");
    return HPE_PAUSED;
  }
  const bool client_keeps_alive = llhttp_should_keep_alive(&parser_) != 0;
  bool keep_alive = client_keeps_alive;
  if (config_.keepalive_requests != 0 && requests_ + 1 >= config_.keepalive_requests) {
    keep_alive = false;
  }
  // Only a close the client asked for can skip lingering: when the server ends a
  // keep-alive connection, a pipelining client may have more requests on the way.
  closing_request_without_body_ =
      !client_keeps_alive && !(parser_.flags & F_CHUNKED) &&
      (!(parser_.flags & F_CONTENT_LENGTH) || parser_.content_length == 0);
  if (wants_h2c_upgrade()) {
    phase_ = Phase::upgrade; // answered by the HTTP/2 session that replaces this one
    return HPE_PAUSED;
  }
  const char* method =
      llhttp_method_name(static_cast<llhttp_method_t>(llhttp_get_method(&parser_)));
  respond(match_route(method, url_, config_.max_length, config_.max_delay_ms), keep_alive, http10);
  if (!keep_alive) {
    phase_ = Phase::closing;
    return HPE_PAUSED;
  }
  return 0;
}

int Http1Session::on_body(std::size_t length) {
  body_bytes_ += length;
  if (body_bytes_ <= config_.max_body_bytes) return 0;
  // The response is already queued; a body over the limit only ends the connection.
  phase_ = Phase::closing;
  return HPE_PAUSED;
}

int Http1Session::on_message_complete() {
  phase_ = Phase::idle;
  return 0;
}

void Http1Session::write_head(int status, std::string_view text, bool keep_alive, bool http10) {
  OutputQueue& out = *out_;
  if (status == 200) {
    out.append(ok_prefix);
  } else {
    fmt::memory_buffer line;
    fmt::format_to(std::back_inserter(line), "HTTP/1.1 {} {}\r\nServer: hcbench\r\n", status, text);
    out.append({line.data(), line.size()});
  }
  out.append(*services_.date_line);
  out.append(connection_line(keep_alive, http10));
}

bool Http1Session::wants_to_write() const {
  return !held_.empty() && held_.front().due_ms <= services_.now_ms();
}

std::uint64_t Http1Session::wake_at_ms() const {
  // At least 1: 0 means waiting for nothing.
  return held_.empty() ? 0 : std::max<std::uint64_t>(held_.front().due_ms, 1);
}

Http1Session::Status Http1Session::produce(OutputQueue& out, std::size_t) {
  if (!held_.empty()) {
    const std::uint64_t now = services_.now_ms();
    while (!held_.empty() && held_.front().due_ms <= now) {
      out.take_from(held_.front().bytes);
      held_.pop_front();
    }
  }
  return phase_ == Phase::closing ? Status::close : Status::open;
}

OutputQueue& Http1Session::queue_for(OutputQueue& out, std::uint64_t delay_ms) {
  if (delay_ms == 0) return held_.empty() ? out : held_.back().bytes;
  held_.push_back({services_.due_ms(delay_ms), {}});
  return held_.back().bytes;
}

void Http1Session::respond(const RouteMatch& match, bool keep_alive, bool http10) {
  OutputQueue* saved = out_;
  out_ = &queue_for(*out_, match.status == 200 ? match.route.delay_ms : 0);
  write_response(match, keep_alive, http10);
  out_ = saved;
}

void Http1Session::write_response(const RouteMatch& match, bool keep_alive, bool http10) {
  ++requests_;
  services_.counters->http1_requests.add();
  const Response response = make_response(match, services_);
  OutputQueue& out = *out_;
  write_head(response.status, status_text(response.status), keep_alive, http10);
  if (response.kind == Response::Kind::resource) {
    // The precomputed header lines: one copy, no formatting on the hot path.
    const std::shared_ptr<const Resource>& resource = response.resource();
    out.append(resource->headers(config_.content_type));
    out.append("\r\n");
    // How the body leaves (from memory, or from a file by sendfile()) is the transport's choice.
    if (!response.head) out.append_payload(resource);
    return;
  }
  const std::string_view body = response.body();
  fmt::memory_buffer headers;
  fmt::format_to(std::back_inserter(headers), "Content-Type: {}\r\nContent-Length: {}\r\n{}{}\r\n",
                 response.content_type(config_.content_type), body.size(),
                 response.no_store() ? "Cache-Control: no-store\r\n" : "",
                 response.allow_header() ? "Allow: GET, HEAD\r\n" : "");
  out.append({headers.data(), headers.size()});
  if (!response.head) out.append(body);
}

void Http1Session::time_out(OutputQueue& out) {
  respond_error(out, 408, "Request timeout: the request head did not arrive in time\n");
}

void Http1Session::fail(int status, std::string_view reason) {
  respond_error(*out_, status, reason);
}

void Http1Session::respond_error(OutputQueue& out_arg, int status, std::string_view reason) {
  OutputQueue* saved = out_;
  OutputQueue& out = queue_for(out_arg, 0); // after any response held back
  out_ = &out;
  ++requests_;
  services_.counters->count_status(status);
  services_.counters->http1_requests.add();
  write_head(status, status_text(status), false, false);
  out.append(fmt::format("Content-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
                         reason.size()));
  out.append(reason);
  out_ = saved;
  phase_ = Phase::closing;
}

} // namespace hcbench
