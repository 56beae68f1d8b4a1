// Every external driver row (Python, Node.js) runs a few cycles against the real
// `hcbench serve` over HTTP and HTTPS, checking the body's digest, with zero failures.
#include "hcbench/client/driver.h"
#include "hcbench/shared/digest.h"
#include "hcbench/shared/payload.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace hcbench {
namespace {

// `hcbench serve` on ephemeral loopback ports, stopped (SIGTERM) when the test ends.
class ServerProcess {
public:
  ServerProcess() {
    const char* binary = std::getenv("HCBENCH_BINARY");
    if (binary == nullptr) throw std::runtime_error("HCBENCH_BINARY is not set");
    int out[2];
    if (::pipe(out) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    std::vector<std::string> args = {binary, "serve", "--bind", "127.0.0.1", "--http-port", "0",
                                     "--https-port", "0"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int spawned = posix_spawn(&pid_, binary, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (spawned != 0) throw std::runtime_error("cannot start hcbench serve");
    stdout_ = ::fdopen(out[0], "r");
    char line[4096];
    if (stdout_ == nullptr || std::fgets(line, sizeof line, stdout_) == nullptr) {
      throw std::runtime_error("hcbench serve printed no ready line");
    }
    ready_ = nlohmann::json::parse(line);
  }
  ~ServerProcess() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    if (stdout_ != nullptr) std::fclose(stdout_);
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::string url(const char* scheme) const { return ready_[scheme]["url"].get<std::string>(); }

private:
  pid_t pid_ = -1;
  std::FILE* stdout_ = nullptr;
  nlohmann::json ready_;
};

class DriverRowsLoopback : public testing::Test {
protected:
  static void SetUpTestSuite() { server_ = new ServerProcess(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static ServerProcess* server_;
};
ServerProcess* DriverRowsLoopback::server_ = nullptr;

TEST_F(DriverRowsLoopback, EveryRowOverHttpAndHttpsWithZeroFailures) {
  constexpr std::uint64_t length = 1024;
  const auto payload = generate_payload(length);
  for (const auto& row : driver_rows()) {
    for (const char* scheme : {"http", "https"}) {
      CellSpec spec;
      spec.url = server_->url(scheme) + "/length/" + std::to_string(length);
      spec.cycles = 4;
      spec.warmup = 1;
      spec.verify = VerifyMode::digest;
      spec.expected_length = length;
      spec.expected_digest = repr_digest(payload);
      const auto m = row.run(spec);
      SCOPED_TRACE(row.id + " " + spec.url);
      if (!m.skipped.empty()) {
        ADD_FAILURE() << "skipped: " << m.skipped << " (tools/setup.sh installs every client)";
        continue;
      }
      EXPECT_EQ(m.error, "");
      EXPECT_EQ(m.requests, 4u);
      EXPECT_EQ(m.failures.total(), 0u);
      EXPECT_EQ(m.latency.count(), 4u);
      EXPECT_EQ(m.body_bytes, 4 * length);
      EXPECT_GT(m.wall_seconds, 0.0);
      EXPECT_GE(m.process_cpu.total(), m.cpu.total()) << "start-up is in process_cpu only";
    }
  }
}

TEST_F(DriverRowsLoopback, WrongDigestAndStatusAreFailuresNotSuccesses) {
  for (const auto& row : driver_rows()) {
    if (row.id != "python.requests.session" && row.id != "node.http.keep-alive") continue;
    SCOPED_TRACE(row.id);
    CellSpec spec;
    spec.url = server_->url("http") + "/length/16";
    spec.cycles = 2;
    spec.verify = VerifyMode::digest;
    spec.expected_length = 16;
    spec.expected_digest = repr_digest(std::string(16, 'x'));
    auto m = row.run(spec);
    EXPECT_EQ(m.error, "");
    EXPECT_EQ(m.failures[FailureKind::digest], 2u);
    EXPECT_EQ(m.requests, 0u);

    spec.url = server_->url("http") + "/no-such-endpoint";
    m = row.run(spec);
    EXPECT_EQ(m.failures[FailureKind::status], 2u);
  }
}

} // namespace
} // namespace hcbench
