#include "hcbench/client/child_process.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>
#include <utility>

extern char** environ;

namespace hcbench {
namespace {

using Clock = std::chrono::steady_clock;

class FileDescriptor {
public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { reset(); }

  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

private:
  int fd_ = -1;
};

struct Pipe {
  FileDescriptor read_end;
  FileDescriptor write_end;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe2");
  return {FileDescriptor(fds[0]), FileDescriptor(fds[1])};
}

// stdin is a socket pair, not a pipe, so that writing to a child that already exited
// fails with EPIPE (MSG_NOSIGNAL) instead of raising SIGPIPE in hcbench.
Pipe make_stdin_channel() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    throw std::system_error(errno, std::generic_category(), "socketpair");
  }
  ::shutdown(fds[0], SHUT_WR); // the child's end only reads
  return {FileDescriptor(fds[0]), FileDescriptor(fds[1])};
}

void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

double to_seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

// The environment the child gets: ours, with extra_env's names replaced or added.
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view item = *entry;
    const auto name = item.substr(0, item.find('=') + 1);
    bool replaced = false;
    for (const auto& e : extra) replaced = replaced || std::string_view(e).starts_with(name);
    if (!replaced) env.emplace_back(item);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// In the forked child: only async-signal-safe calls until execve.
[[noreturn]] void exec_child(pid_t parent, int stdin_fd, int stdout_fd, int stderr_fd, int error_fd,
                             char** argv, char** envp) {
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127); // hcbench died before prctl took effect
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &default_action, nullptr);
  // dup2 onto itself would keep FD_CLOEXEC (possible when hcbench was started with a
  // standard descriptor closed): clear the flag instead.
  auto place = [](int fd, int target) {
    return fd == target ? ::fcntl(fd, F_SETFD, 0) : ::dup2(fd, target);
  };
  if (place(stdin_fd, 0) < 0 || place(stdout_fd, 1) < 0 || place(stderr_fd, 2) < 0) {
    const int error = errno;
    [[maybe_unused]] auto n = ::write(error_fd, &error, sizeof error);
    ::_exit(127);
  }
  ::execve(argv[0], argv, envp);
  const int error = errno;
  [[maybe_unused]] auto n = ::write(error_fd, &error, sizeof error);
  ::_exit(127);
}

void append_tail(std::string& tail, const char* data, std::size_t n, std::size_t limit) {
  tail.append(data, n);
  if (tail.size() > limit) tail.erase(0, tail.size() - limit);
}

} // namespace

ChildResult run_child(const ChildOptions& options) {
  ChildResult result;
  if (options.argv.empty() || !options.argv[0].starts_with('/')) {
    result.spawn_error = "the command must start with an absolute path";
    return result;
  }
  auto argv_strings = options.argv;
  auto env_strings = child_environment(options.extra_env);
  auto argv = pointers(argv_strings);
  auto envp = pointers(env_strings);

  auto in = make_stdin_channel();
  auto out = make_pipe();
  auto err = make_pipe();
  auto exec_error = make_pipe();

  const auto started = Clock::now();
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    result.spawn_error = fmt::format("fork: {}", std::strerror(errno));
    return result;
  }
  if (pid == 0) {
    exec_child(parent, in.read_end.get(), out.write_end.get(), err.write_end.get(),
               exec_error.write_end.get(), argv.data(), envp.data());
  }
  ::setpgid(pid, pid); // also in the parent, so the group exists before we might kill it
  in.read_end.reset();
  out.write_end.reset();
  err.write_end.reset();
  exec_error.write_end.reset();

  // execve closes the error pipe (CLOEXEC) on success; a failure writes errno into it.
  int exec_errno = 0;
  ssize_t got;
  do got = ::read(exec_error.read_end.get(), &exec_errno, sizeof exec_errno);
  while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    rusage usage{};
    int status = 0;
    ::wait4(pid, &status, 0, &usage);
    result.spawn_error =
        fmt::format("cannot run {}: {}", options.argv[0], std::strerror(exec_errno));
    return result;
  }

  FileDescriptor process(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  set_nonblocking(in.write_end.get());
  set_nonblocking(out.read_end.get());
  set_nonblocking(err.read_end.get());

  std::size_t written = 0;
  if (options.stdin_data.empty()) in.write_end.reset();
  const auto deadline = started + options.timeout;
  bool exited = false;
  std::optional<ChildResult::End> killed_because;
  std::optional<Clock::time_point> drain_deadline;
  char buffer[65536];

  auto kill_group = [pid] {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL); // in case it left its group
  };

  while (out.read_end.open() || err.read_end.open() || !exited) {
    const auto now = Clock::now();
    if (!killed_because && now >= deadline) {
      killed_because = ChildResult::End::timed_out;
      kill_group();
    }
    if (!killed_because && options.cancel != nullptr &&
        options.cancel->load(std::memory_order_relaxed)) {
      killed_because = ChildResult::End::cancelled;
      kill_group();
    }
    if (drain_deadline && now >= *drain_deadline) break; // a descendant outside the group
    // The child's exit is seen on its pidfd; without one (old kernels) we look every 20 ms.
    if (!exited && (!process.open() || killed_because)) {
      siginfo_t info{};
      exited = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
               info.si_pid == pid;
      if (exited) {
        kill_group();
        drain_deadline = Clock::now() + std::chrono::seconds(1);
        continue;
      }
    }

    std::vector<pollfd> fds;
    if (out.read_end.open()) fds.push_back({out.read_end.get(), POLLIN, 0});
    if (err.read_end.open()) fds.push_back({err.read_end.get(), POLLIN, 0});
    if (in.write_end.open()) fds.push_back({in.write_end.get(), POLLOUT, 0});
    if (process.open() && !exited) fds.push_back({process.get(), POLLIN, 0});
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        (drain_deadline ? std::min(deadline, *drain_deadline) : deadline) - now);
    if (!process.open() || killed_because) wait = std::min(wait, std::chrono::milliseconds(20));
    if (options.cancel != nullptr)
      wait = std::min(wait, std::chrono::milliseconds(100)); // look at the cancel flag
    const int ready =
        ::poll(fds.data(), fds.size(), static_cast<int>(std::max<std::int64_t>(wait.count(), 0)));
    if (ready < 0 && errno != EINTR) break;

    for (const auto& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == process.get()) {
        exited = true;
        kill_group(); // the leader is a zombie now, so its group id cannot have been reused
        drain_deadline = Clock::now() + std::chrono::seconds(1);
      } else if (p.fd == in.write_end.get()) {
        const auto n = ::send(p.fd, options.stdin_data.data() + written,
                              options.stdin_data.size() - written, MSG_NOSIGNAL);
        if (n > 0) written += static_cast<std::size_t>(n);
        if (n < 0 && errno != EAGAIN && errno != EINTR) written = options.stdin_data.size();
        if (written == options.stdin_data.size()) in.write_end.reset();
      } else {
        const bool is_stdout = p.fd == out.read_end.get();
        const auto n = ::read(p.fd, buffer, sizeof buffer);
        if (n > 0) {
          if (is_stdout) {
            result.stdout_text.append(buffer, static_cast<std::size_t>(n));
            if (result.stdout_text.size() > options.max_stdout_bytes && !killed_because) {
              killed_because = ChildResult::End::output_too_large;
              kill_group();
            }
          } else {
            append_tail(result.stderr_tail, buffer, static_cast<std::size_t>(n),
                        options.stderr_tail_bytes);
          }
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
          (is_stdout ? out : err).read_end.reset();
        }
      }
    }
  }
  kill_group();

  rusage usage{};
  int status = 0;
  while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  result.wall_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  result.cpu.user_seconds = to_seconds(usage.ru_utime);
  result.cpu.system_seconds = to_seconds(usage.ru_stime);
  if (killed_because) {
    result.end = *killed_because;
  } else if (WIFEXITED(status)) {
    result.end = ChildResult::End::exited;
    result.exit_status = WEXITSTATUS(status);
  } else {
    result.end = ChildResult::End::signaled;
    result.term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  return result;
}

std::string describe_end(const ChildResult& result, const ChildOptions& options) {
  switch (result.end) {
  case ChildResult::End::exited:
    return fmt::format("exit status {}", result.exit_status);
  case ChildResult::End::signaled:
    return fmt::format("killed by signal {} ({})", result.term_signal,
                       ::strsignal(result.term_signal));
  case ChildResult::End::timed_out:
    return fmt::format("timed out after {:.3g} s and was killed",
                       std::chrono::duration<double>(options.timeout).count());
  case ChildResult::End::output_too_large:
    return fmt::format("wrote more than {} bytes to stdout and was killed",
                       options.max_stdout_bytes);
  case ChildResult::End::spawn_failed:
    return result.spawn_error;
  case ChildResult::End::cancelled:
    return "stopped because the run was interrupted";
  }
  return "unknown";
}

} // namespace hcbench
