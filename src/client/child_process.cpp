#include "hcbench/client/child_process.h"

#include "hcbench/client/unique_fd.h"

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

struct Pipe {
  UniqueFd read_end;
  UniqueFd write_end;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw std::system_error(errno, std::generic_category(), "pipe2");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// stdin is a socket pair, not a pipe, so that writing to a child that already exited
// fails with EPIPE (MSG_NOSIGNAL) instead of raising SIGPIPE in hcbench.
Pipe make_stdin_channel() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    throw std::system_error(errno, std::generic_category(), "socketpair");
  }
  ::shutdown(fds[0], SHUT_WR); // the child's end only reads
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
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

void kill_group(pid_t pid) {
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL); // in case it left its group
}

// A started child: its process id and pidfd, and the parent's ends of its standard streams.
struct Spawned {
  pid_t pid = -1;
  UniqueFd process; // pidfd; closed on kernels without pidfd_open
  UniqueFd stdin_end;
  UniqueFd stdout_end;
  UniqueFd stderr_end;
  Clock::time_point started;
};

// Forks and execs the child with its standard streams on fresh pipes; nothing, with
// result.spawn_error saying why, when it could not start.
std::optional<Spawned> spawn(const ChildOptions& options, ChildResult& result) {
  if (options.argv.empty() || !options.argv[0].starts_with('/')) {
    result.spawn_error = "the command must start with an absolute path";
    return std::nullopt;
  }
  auto argv_strings = options.argv;
  auto env_strings = child_environment(options.extra_env);
  auto argv = pointers(argv_strings);
  auto envp = pointers(env_strings);

  auto in = make_stdin_channel();
  auto out = make_pipe();
  auto err = make_pipe();
  auto exec_error = make_pipe();

  Spawned child;
  child.started = Clock::now();
  const pid_t parent = ::getpid();
  child.pid = ::fork();
  if (child.pid < 0) {
    result.spawn_error = fmt::format("fork: {}", std::strerror(errno));
    return std::nullopt;
  }
  if (child.pid == 0) {
    exec_child(parent, in.read_end.get(), out.write_end.get(), err.write_end.get(),
               exec_error.write_end.get(), argv.data(), envp.data());
  }
  ::setpgid(child.pid,
            child.pid); // also in the parent, so the group exists before we might kill it
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
    ::wait4(child.pid, &status, 0, &usage);
    result.spawn_error =
        fmt::format("cannot run {}: {}", options.argv[0], std::strerror(exec_errno));
    return std::nullopt;
  }

  child.process = UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, child.pid, 0)));
  child.stdin_end = std::move(in.write_end);
  child.stdout_end = std::move(out.read_end);
  child.stderr_end = std::move(err.read_end);
  set_nonblocking(child.stdin_end.get());
  set_nonblocking(child.stdout_end.get());
  set_nonblocking(child.stderr_end.get());
  if (options.stdin_data.empty()) child.stdin_end.reset();
  return child;
}

// Moves the bytes between hcbench and a running child: writes its stdin, collects its
// stdout and the tail of its stderr, until it exited and its output is drained. Kills its
// group at the deadline, on cancel, or when it writes too much, and remembers why.
class ChildPump {
public:
  ChildPump(Spawned& child, const ChildOptions& options, ChildResult& result)
      : child_(child), options_(options), result_(result),
        deadline_(child.started + options.timeout) {}

  // Runs until the child is gone; says why hcbench killed it, if it did.
  std::optional<ChildResult::End> run() {
    while (child_.stdout_end || child_.stderr_end || !exited_) {
      const auto now = Clock::now();
      enforce_limits(now);
      if (drain_deadline_ && now >= *drain_deadline_) break; // a descendant outside the group
      if (poll_exit()) continue;
      if (!poll_once(now)) break;
    }
    return killed_because_;
  }

private:
  void kill_for(ChildResult::End reason) {
    if (killed_because_) return;
    killed_because_ = reason;
    kill_group(child_.pid);
  }

  void enforce_limits(Clock::time_point now) {
    if (now >= deadline_) kill_for(ChildResult::End::timed_out);
    if (options_.cancel != nullptr && options_.cancel->load(std::memory_order_relaxed))
      kill_for(ChildResult::End::cancelled);
  }

  // The leader is a zombie now, so its group id cannot have been reused: kill what it left
  // running, and give its output a second to drain.
  void on_exit() {
    exited_ = true;
    kill_group(child_.pid);
    drain_deadline_ = Clock::now() + std::chrono::seconds(1);
  }

  // Without a pidfd (old kernels), or once killed, the child's exit is looked for here.
  bool poll_exit() {
    if (exited_ || (child_.process && !killed_because_)) return false;
    siginfo_t info{};
    const bool gone =
        ::waitid(P_PID, static_cast<id_t>(child_.pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
        info.si_pid == child_.pid;
    if (gone) on_exit();
    return gone;
  }

  // One poll over the open streams and the pidfd; false on a poll error.
  bool poll_once(Clock::time_point now) {
    std::vector<pollfd> fds;
    if (child_.stdout_end) fds.push_back({child_.stdout_end.get(), POLLIN, 0});
    if (child_.stderr_end) fds.push_back({child_.stderr_end.get(), POLLIN, 0});
    if (child_.stdin_end) fds.push_back({child_.stdin_end.get(), POLLOUT, 0});
    if (child_.process && !exited_) fds.push_back({child_.process.get(), POLLIN, 0});
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        (drain_deadline_ ? std::min(deadline_, *drain_deadline_) : deadline_) - now);
    // Without a pidfd, or once killed, the exit is polled for every 20 ms.
    if (!child_.process || killed_because_) wait = std::min(wait, std::chrono::milliseconds(20));
    if (options_.cancel != nullptr)
      wait = std::min(wait, std::chrono::milliseconds(100)); // look at the cancel flag
    const int ready =
        ::poll(fds.data(), fds.size(), static_cast<int>(std::max<std::int64_t>(wait.count(), 0)));
    if (ready < 0 && errno != EINTR) return false;

    for (const auto& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == child_.process.get()) {
        on_exit();
      } else if (p.fd == child_.stdin_end.get()) {
        write_stdin();
      } else {
        read_output(p.fd == child_.stdout_end.get() ? child_.stdout_end : child_.stderr_end);
      }
    }
    return true;
  }

  void write_stdin() {
    const std::string& data = options_.stdin_data;
    const auto n = ::send(child_.stdin_end.get(), data.data() + written_, data.size() - written_,
                          MSG_NOSIGNAL);
    if (n > 0) written_ += static_cast<std::size_t>(n);
    if (n < 0 && errno != EAGAIN && errno != EINTR) written_ = data.size(); // it stopped reading
    if (written_ == data.size()) child_.stdin_end.reset();
  }

  void read_output(UniqueFd& stream) {
    const bool is_stdout = &stream == &child_.stdout_end;
    const auto n = ::read(stream.get(), buffer_, sizeof buffer_);
    if (n > 0) {
      if (is_stdout) {
        result_.stdout_text.append(buffer_, static_cast<std::size_t>(n));
        if (result_.stdout_text.size() > options_.max_stdout_bytes)
          kill_for(ChildResult::End::output_too_large);
      } else {
        append_tail(result_.stderr_tail, buffer_, static_cast<std::size_t>(n),
                    options_.stderr_tail_bytes);
      }
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
      stream.reset();
    }
  }

  Spawned& child_;
  const ChildOptions& options_;
  ChildResult& result_;
  const Clock::time_point deadline_;
  std::size_t written_ = 0; // bytes of stdin_data sent
  bool exited_ = false;
  std::optional<ChildResult::End> killed_because_;
  std::optional<Clock::time_point> drain_deadline_;
  char buffer_[65536];
};

// Kills whatever is left of the child's group, waits for the child and records how it ended
// and what it cost.
void reap(const Spawned& child, std::optional<ChildResult::End> killed_because,
          ChildResult& result) {
  kill_group(child.pid);
  rusage usage{};
  int status = 0;
  while (::wait4(child.pid, &status, 0, &usage) < 0 && errno == EINTR) {
  }
  result.wall_seconds = std::chrono::duration<double>(Clock::now() - child.started).count();
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
}

} // namespace

ChildResult run_child(const ChildOptions& options) {
  ChildResult result;
  std::optional<Spawned> child = spawn(options, result);
  if (!child) return result;
  const auto killed_because = ChildPump(*child, options, result).run();
  reap(*child, killed_because, result);
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
