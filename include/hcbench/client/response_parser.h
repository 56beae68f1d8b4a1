// A minimal HTTP/1.1 response parser for the raw-socket floor client: status line, the
// headers it needs (Content-Length, Connection, Transfer-Encoding) and a Content-Length
// body. Bytes in, no socket and no allocation: headers are kept in a fixed buffer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace hcbench {

class ResponseParser {
public:
  enum class State {
    headers,  // reading the status line and headers
    body,     // reading Content-Length bytes of body
    complete, // one whole response read; reset() before the next
    error,    // malformed or unsupported response; see error()
  };

  // What one feed() call did with its input.
  struct Progress {
    std::size_t consumed = 0;   // bytes of the input used (the rest belongs to what follows)
    std::span<const char> body; // the body bytes among them
  };

  // Parses as much of `data` as belongs to the current response.
  Progress feed(std::span<const char> data);
  void reset();

  State state() const { return state_; }
  int status() const { return status_; }
  std::uint64_t content_length() const { return content_length_; }
  // The server asked to close (Connection: close, or HTTP/1.0 without keep-alive).
  bool closes_connection() const { return close_; }
  std::string_view error() const { return error_; }

  // Longest status line plus headers accepted.
  static constexpr std::size_t max_header_bytes = 16384;

private:
  void parse_head(std::string_view head);
  void fail(std::string_view reason);

  State state_ = State::headers;
  std::array<char, max_header_bytes> head_{};
  std::size_t head_size_ = 0;
  int status_ = 0;
  std::uint64_t content_length_ = 0;
  std::uint64_t body_left_ = 0;
  bool close_ = false;
  std::string_view error_;
};

} // namespace hcbench
