// `hcbench run` without a URL: this same binary started as `hcbench serve` on loopback
// ephemeral ports, its ready line read, and stopped afterwards whatever happens. The child
// dies with its parent (PR_SET_PDEATHSIG) and sits in its own process group, so a terminal's
// Ctrl-C reaches only hcbench run, which then stops the server itself.
#pragma once

#include "hcbench/client/placement.h"

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace hcbench {

struct EmbeddedServerOptions {
  std::string executable = "/proc/self/exe";
  std::optional<CpuList> cpus; // affinity set in the child before exec
  // More options of `hcbench serve` (run's --server-option), after the listeners' own.
  std::vector<std::string> serve_options;
  std::chrono::milliseconds ready_timeout{10000};
};

class EmbeddedServer {
public:
  // Starts the server and waits for its ready line; throws std::runtime_error saying why not.
  explicit EmbeddedServer(const EmbeddedServerOptions& options);
  ~EmbeddedServer(); // stop()
  EmbeddedServer(const EmbeddedServer&) = delete;
  EmbeddedServer& operator=(const EmbeddedServer&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& http_url() const { return http_url_; }
  const std::string& https_url() const { return https_url_; }
  const std::string& version() const { return version_; }

  // Why the server is no longer running ("killed by signal 9", "exited with status 1"), or
  // nothing while it runs. Reaps it if it ended.
  std::optional<std::string> ended();
  // SIGTERM, then SIGKILL if it has not exited within two seconds; idempotent.
  void stop();

private:
  pid_t pid_ = -1;
  int ready_fd_ = -1;
  std::optional<std::string> end_reason_;
  std::string http_url_;
  std::string https_url_;
  std::string version_;
};

// Parses the ready line of `hcbench serve` into the two URLs; nothing if it is not one.
struct ReadyLine {
  std::string http_url;
  std::string https_url;
  std::string version;
  long pid = 0;
};
std::optional<ReadyLine> parse_ready_line(std::string_view line);

} // namespace hcbench
