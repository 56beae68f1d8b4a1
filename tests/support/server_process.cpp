#include "server_process.h"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <thread>

namespace hcbench::test {

using namespace std::chrono;

std::string hcbench_binary() {
  const char* path = std::getenv("HCBENCH_BINARY");
  return path != nullptr ? path : "hcbench";
}

ServerProcess::ServerProcess(std::vector<std::string> extra_args) {
  std::vector<std::string> args = {hcbench_binary(), "serve", "--bind",       "127.0.0.1",
                                   "--http-port",    "0",     "--https-port", "0",
                                   "--threads",      "1"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return;
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL); // never outlive the test
    if (::getppid() != parent) ::_exit(127);
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  stdout_fd_ = pipe_fds[0];
  // Read the ready line.
  const auto deadline = steady_clock::now() + seconds(10);
  std::string line;
  while (line.find('\n') == std::string::npos && steady_clock::now() < deadline) {
    pollfd p{stdout_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buffer[1024];
    const ssize_t n = ::read(stdout_fd_, buffer, sizeof buffer);
    if (n <= 0) break;
    line.append(buffer, static_cast<std::size_t>(n));
  }
  if (line.find('\n') == std::string::npos) {
    ADD_FAILURE() << "hcbench serve printed no ready line: " << line;
    return;
  }
  ready_line_ = line.substr(0, line.find('\n'));
  const auto doc = nlohmann::json::parse(ready_line_);
  if (!doc["http"].is_null()) http_port_ = doc["http"]["port"].get<std::uint16_t>();
  if (!doc["https"].is_null()) https_port_ = doc["https"]["port"].get<std::uint16_t>();
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !exit_status_) stop();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

int ServerProcess::stop(milliseconds* took) {
  if (exit_status_) return *exit_status_;
  const auto start = steady_clock::now();
  ::kill(pid_, SIGTERM);
  int status = 0;
  // Wait up to 5 s, then kill: a test never leaves a process behind.
  for (int i = 0; i < 500; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      if (took) *took = duration_cast<milliseconds>(steady_clock::now() - start);
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      return *exit_status_;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  if (took) *took = duration_cast<milliseconds>(steady_clock::now() - start);
  exit_status_ = -SIGKILL;
  return *exit_status_;
}

long ServerProcess::rss_kib() const {
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      long kib = 0;
      status >> kib;
      return kib;
    }
  }
  return -1;
}

std::string ServerProcess::http_url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(http_port_) + std::string(path);
}

std::string ServerProcess::https_url(std::string_view path) const {
  return "https://127.0.0.1:" + std::to_string(https_port_) + std::string(path);
}

RawConnection::RawConnection(std::uint16_t port, milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string RawConnection::read_all(std::size_t limit) {
  std::string out;
  char buffer[65536];
  while (out.size() < limit) {
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

namespace {

// Length of the first complete response in `bytes`, or 0 if incomplete.
std::size_t complete_response(std::string_view bytes) {
  const auto head_end = bytes.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return 0;
  std::size_t length = 0;
  const auto cl = bytes.substr(0, head_end).find("Content-Length: ");
  if (cl != std::string_view::npos) length = std::stoul(std::string(bytes.substr(cl + 16, 20)));
  const std::size_t total = head_end + 4 + length;
  return bytes.size() >= total ? total : 0;
}

} // namespace

std::string RawConnection::read_responses(int count) {
  std::string out;
  char buffer[65536];
  int complete = 0;
  std::size_t offset = 0;
  while (complete < count) {
    while (complete < count) {
      const std::size_t n = complete_response(std::string_view(out).substr(offset));
      if (n == 0) break;
      offset += n;
      ++complete;
    }
    if (complete == count) break;
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

bool RawConnection::closed_by_peer() {
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n == 0) return true;
    if (n < 0) return errno == ECONNRESET;
  }
}

void RawConnection::shutdown_write() {
  ::shutdown(fd_, SHUT_WR);
}

std::vector<int> response_statuses(std::string_view bytes) {
  std::vector<int> out;
  for (auto at = bytes.find("HTTP/1.1 "); at != std::string_view::npos;
       at = bytes.find("HTTP/1.1 ", at + 1)) {
    out.push_back(std::stoi(std::string(bytes.substr(at + 9, 3))));
  }
  return out;
}

namespace {

std::size_t append_to(char* data, std::size_t size, std::size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
}

} // namespace

CurlResult curl_get(const std::string& url, bool head, const std::string& cacert) {
  CurlResult result;
  CURL* curl = curl_easy_init();
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_to);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, append_to);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result.headers);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 20L);
  curl_easy_setopt(curl, CURLOPT_NOBODY, head ? 1L : 0L);
  if (cacert.empty()) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CAINFO, cacert.c_str());
  }
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &result.connects);
  } else {
    result.error = error;
  }
  curl_easy_cleanup(curl);
  return result;
}

std::string fetch_stats(std::uint16_t http_port) {
  return curl_get("http://127.0.0.1:" + std::to_string(http_port) + "/stats").body;
}

} // namespace hcbench::test
