// Loopback test support: the real `hcbench serve` started as a child process on ephemeral
// ports (stopped with SIGTERM by the destructor, a scope guard), and raw-socket helpers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace hcbench::test {

// The path of the hcbench binary under test ($HCBENCH_BINARY, set by meson).
std::string hcbench_binary();

class ServerProcess {
public:
  // Starts `hcbench serve --bind 127.0.0.1 --http-port 0 --https-port 0 --threads 1 <extra>`
  // and waits for its ready line (fails the test if none comes within 10 s).
  explicit ServerProcess(std::vector<std::string> extra_args = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool ready() const { return http_port_ != 0 || https_port_ != 0; }
  std::uint16_t http_port() const { return http_port_; }
  std::uint16_t https_port() const { return https_port_; }
  std::string http_url(std::string_view path) const;
  std::string https_url(std::string_view path) const;
  pid_t pid() const { return pid_; }
  const std::string& ready_line() const { return ready_line_; }

  // Sends SIGTERM and waits; returns the exit status (or -signal), and how long it took.
  int stop(std::chrono::milliseconds* took = nullptr);
  // Resident memory of the server process in KiB (from /proc/<pid>/status).
  long rss_kib() const;

private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::uint16_t http_port_ = 0;
  std::uint16_t https_port_ = 0;
  std::string ready_line_;
  std::optional<int> exit_status_;
};

// A blocking TCP connection to 127.0.0.1:port with a receive timeout.
class RawConnection {
public:
  explicit RawConnection(std::uint16_t port,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(std::string_view bytes);
  // Reads until the peer closes, the timeout passes, or `limit` bytes arrived.
  std::string read_all(std::size_t limit = 1 << 24);
  // Reads until `count` complete HTTP responses arrived (Content-Length framing, HEAD not
  // supported) or the peer closes or times out.
  std::string read_responses(int count);
  // True when the peer closed the connection (read returns 0 or reset) within the timeout.
  bool closed_by_peer();
  void shutdown_write();
  int fd() const { return fd_; }

private:
  int fd_ = -1;
};

// The status codes of the HTTP/1.1 responses in `bytes`, in order.
std::vector<int> response_statuses(std::string_view bytes);
// A GET over libcurl; returns status (0 on failure) and fills body and headers.
struct CurlResult {
  long status = 0;
  std::string body;
  std::string headers;
  long connects = 0;
  std::string error;
};
CurlResult curl_get(const std::string& url, bool head = false, const std::string& cacert = {});
// The /stats document of a running server as parsed JSON text.
std::string fetch_stats(std::uint16_t http_port);

} // namespace hcbench::test
