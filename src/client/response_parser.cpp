#include "hcbench/client/response_parser.h"

#include "hcbench/shared/units.h"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace hcbench {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool contains_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (iequals(trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

} // namespace

void ResponseParser::reset() {
  state_ = State::headers;
  head_size_ = 0;
  status_ = 0;
  content_length_ = 0;
  body_left_ = 0;
  close_ = false;
  error_ = {};
}

void ResponseParser::fail(std::string_view reason) {
  state_ = State::error;
  error_ = reason;
}

ResponseParser::Progress ResponseParser::feed(std::span<const char> data) {
  Progress progress;
  if (state_ == State::headers) {
    // Copy until the blank line that ends the head. The terminator may straddle two
    // reads, so the search looks back up to 3 bytes into what was already copied.
    const std::size_t before = head_size_;
    const std::size_t room = head_.size() - head_size_;
    const std::size_t take = std::min(room, data.size());
    std::memcpy(head_.data() + head_size_, data.data(), take);
    head_size_ += take;
    const std::string_view head(head_.data(), head_size_);
    const std::size_t from = before >= 3 ? before - 3 : 0;
    const std::size_t end = head.find("\r\n\r\n", from);
    if (end == std::string_view::npos) {
      if (head_size_ == head_.size()) fail("response headers too long");
      progress.consumed = take;
      return progress;
    }
    const std::size_t head_length = end + 4;
    progress.consumed = head_length - before;
    parse_head(head.substr(0, head_length));
    if (state_ == State::error) return progress;
    body_left_ = content_length_;
    state_ = body_left_ ? State::body : State::complete;
    data = data.subspan(progress.consumed);
  }
  if (state_ == State::body) {
    const std::size_t take =
        static_cast<std::size_t>(std::min<std::uint64_t>(body_left_, data.size()));
    progress.body = data.first(take);
    progress.consumed += take;
    body_left_ -= take;
    if (body_left_ == 0) state_ = State::complete;
  }
  return progress;
}

void ResponseParser::parse_head(std::string_view head) {
  // Status line: HTTP/1.x SP 3DIGIT SP reason
  const auto line_end = head.find("\r\n");
  const std::string_view status_line = head.substr(0, line_end);
  if (status_line.size() < 12 || status_line.substr(0, 7) != "HTTP/1." || status_line[8] != ' ') {
    return fail("malformed status line");
  }
  const bool http10 = status_line[7] == '0';
  const auto code = parse_decimal(status_line.substr(9, 3));
  if (!code || (status_line.size() > 12 && status_line[12] != ' ')) {
    return fail("malformed status code");
  }
  status_ = static_cast<int>(*code);
  close_ = http10;

  bool has_length = false;
  std::string_view rest = head.substr(line_end + 2);
  while (!rest.empty()) {
    const auto end = rest.find("\r\n");
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 2);
    if (line.empty()) break;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail("malformed header line");
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "Content-Length")) {
      const auto length = parse_decimal(value);
      if (!length || (has_length && *length != content_length_)) {
        return fail("invalid Content-Length");
      }
      content_length_ = *length;
      has_length = true;
    } else if (iequals(name, "Transfer-Encoding")) {
      return fail("Transfer-Encoding is not supported by the floor client");
    } else if (iequals(name, "Connection")) {
      if (contains_token(value, "close")) close_ = true;
      if (contains_token(value, "keep-alive")) close_ = false;
    }
  }
  // Without a length the body would run to the end of the connection: the floor client
  // only measures keep-alive round trips, so such a response is refused.
  if (!has_length && status_ != 204 && status_ != 304 && status_ >= 200) {
    return fail("response without Content-Length");
  }
}

} // namespace hcbench
