#include "hcbench/server/http1_session.h"

#include <fmt/format.h>

namespace hcbench {

// llhttp glue as h2load does it: plain callbacks that forward to the session.
struct Http1Callbacks {
  static Http1Session& self(llhttp_t* parser) { return *static_cast<Http1Session*>(parser->data); }
  static int message_begin(llhttp_t* p) { return self(p).on_message_begin(); }
  static int url(llhttp_t* p, const char* at, std::size_t n) { return self(p).on_url(at, n); }
  static int head_data(llhttp_t* p, const char*, std::size_t n) { return self(p).on_head_bytes(n); }
  // ": " and CRLF of a header line, which no data callback reports.
  static int header_done(llhttp_t* p) { return self(p).on_head_bytes(4); }
  static int headers_complete(llhttp_t* p) { return self(p).on_headers_complete(); }
  static int body(llhttp_t* p, const char*, std::size_t n) { return self(p).on_body(n); }
  static int message_complete(llhttp_t* p) { return self(p).on_message_complete(); }

  static constexpr llhttp_settings_t settings = [] {
    llhttp_settings_t s{};
    s.on_message_begin = message_begin;
    s.on_url = url;
    s.on_method = head_data;
    s.on_version = head_data;
    s.on_header_field = head_data;
    s.on_header_value = head_data;
    s.on_headers_complete = headers_complete;
    s.on_body = body;
    s.on_message_complete = message_complete;
    s.on_header_value_complete = header_done;
    return s;
  }();
};

namespace {

constexpr std::string_view ok_prefix = "HTTP/1.1 200 OK\r\nServer: hcbench\r\n";

std::string_view connection_line(bool keep_alive, bool http10) {
  if (!keep_alive) return "Connection: close\r\n";
  return http10 ? "Connection: keep-alive\r\n" : "";
}

} // namespace

Http1Session::Http1Session(const SessionConfig& config, SessionServices& services)
    : config_(config), services_(services) {
  llhttp_init(&parser_, HTTP_REQUEST, &Http1Callbacks::settings);
  parser_.data = this;
}

Http1Session::Status Http1Session::feed(std::span<const char> bytes, OutputQueue& out) {
  if (phase_ == Phase::closing) {
    if (!bytes.empty()) client_ended_cleanly_ = false; // more came after the last request
    return Status::close;
  }
  out_ = &out;
  const llhttp_errno_t result = llhttp_execute(&parser_, bytes.data(), bytes.size());
  out_ = nullptr;
  if (result == HPE_OK) return Status::open;
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
  const char* method =
      llhttp_method_name(static_cast<llhttp_method_t>(llhttp_get_method(&parser_)));
  respond(match_route(method, url_, config_.max_length), keep_alive, http10);
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

void Http1Session::respond(const RouteMatch& match, bool keep_alive, bool http10) {
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

void Http1Session::respond_error(OutputQueue& out, int status, std::string_view reason) {
  OutputQueue* saved = out_;
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
