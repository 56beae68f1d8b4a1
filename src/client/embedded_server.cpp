#include "hcbench/client/embedded_server.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hcbench {

namespace {

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return fmt::format("killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  }
  return "ended";
}

// Reads one line from `fd` within the deadline; what was read so far if the pipe closes.
std::string read_line(int fd, std::chrono::steady_clock::time_point deadline, bool& timed_out) {
  std::string line;
  timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      return line;
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char c = 0;
    const ssize_t got = read(fd, &c, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0 || c == '\n') return line;
    line += c;
  }
}

} // namespace

std::optional<ReadyLine> parse_ready_line(std::string_view line) {
  const auto json = nlohmann::json::parse(line, nullptr, false);
  if (!json.is_object() || json.value("event", "") != "ready") return std::nullopt;
  ReadyLine out;
  auto url_of = [&](const char* key) -> std::string {
    const auto it = json.find(key);
    if (it == json.end() || !it->is_object()) return "";
    return it->value("url", "");
  };
  out.http_url = url_of("http");
  out.https_url = url_of("https");
  out.version = json.value("version", "");
  out.pid = json.value("pid", 0L);
  if (out.http_url.empty() && out.https_url.empty()) return std::nullopt;
  return out;
}

EmbeddedServer::EmbeddedServer(const EmbeddedServerOptions& options) {
  // Everything the child needs is prepared before fork: after it, only async-signal-safe
  // calls, since this process may already have other threads.
  std::vector<std::string> args = {"hcbench",     "serve", "--bind",       "127.0.0.1",
                                   "--http-port", "0",     "--https-port", "0"};
  args.insert(args.end(), options.serve_options.begin(), options.serve_options.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (options.cpus) {
    for (int cpu : *options.cpus) CPU_SET(cpu, &cpus);
  }
  const bool pin = options.cpus.has_value();
  const std::string executable = options.executable;

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    throw std::runtime_error(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  }
  const pid_t parent = getpid();
  const pid_t child = fork();
  if (child < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    throw std::runtime_error(fmt::format("cannot fork: {}", std::strerror(errno)));
  }
  if (child == 0) {
    // The server must never outlive hcbench run, even if run is SIGKILLed.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127); // the parent died before prctl took effect
    setpgid(0, 0);
    if (pin) sched_setaffinity(0, sizeof cpus, &cpus);
    // Signal dispositions set by run (SIGINT handler) reset on exec; the mask does not.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(pipe_fds[1], STDOUT_FILENO);
    execv(executable.c_str(), argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  pid_ = child;
  ready_fd_ = pipe_fds[0];

  bool timed_out = false;
  const std::string line =
      read_line(ready_fd_, std::chrono::steady_clock::now() + options.ready_timeout, timed_out);
  const auto ready = parse_ready_line(line);
  if (!ready) {
    std::string why;
    if (timed_out)
      why = "did not report ready in time";
    else if (line.empty())
      why = "exited before it was ready";
    else
      why = fmt::format("printed an unexpected line: {}", line.substr(0, 200));
    stop();
    if (end_reason_ && !timed_out) why += fmt::format(" ({})", *end_reason_);
    throw std::runtime_error(fmt::format("the embedded server ({} serve) {}", executable, why));
  }
  http_url_ = ready->http_url;
  https_url_ = ready->https_url;
  version_ = ready->version;
}

EmbeddedServer::~EmbeddedServer() {
  stop();
}

std::optional<std::string> EmbeddedServer::ended() {
  if (end_reason_) return end_reason_;
  if (pid_ <= 0) return std::nullopt;
  int status = 0;
  const pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    end_reason_ = describe_status(status);
    pid_ = -1;
  }
  return end_reason_;
}

void EmbeddedServer::stop() {
  if (pid_ > 0 && !ended()) {
    kill(pid_, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!ended() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status = 0;
      while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      end_reason_ = describe_status(status);
      pid_ = -1;
    }
  }
  if (ready_fd_ >= 0) {
    close(ready_fd_);
    ready_fd_ = -1;
  }
}

} // namespace hcbench
