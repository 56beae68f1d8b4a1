// Level 3: the noise flags on the real `hcbench run`. A CPU-burning process (bounded in time
// and killed by the test) shares the client's CPU: the cell must be flagged for foreign load
// and the look before the run must warn. A quiet cell must not be flagged: since other work
// may share this machine while the test runs, that test checks the flag against the foreign
// load the run measured, and skips when the look before the run says the machine is busy.
#include "server_process.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hcbench {
namespace {

using nlohmann::json;

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A temporary directory of this test binary, removed when it ends.
struct TempDir {
  std::filesystem::path path =
      std::filesystem::path(testing::TempDir()) / ("hcbench-noise-" + std::to_string(getpid()));
  TempDir() { std::filesystem::create_directories(path); }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

// A process that spins on one CPU for at most `limit` (alarm), killed by the destructor.
class CpuBurner {
public:
  CpuBurner(int cpu, unsigned limit_seconds) {
    pid_ = fork();
    if (pid_ == 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      sched_setaffinity(0, sizeof set, &set);
      alarm(limit_seconds); // SIGALRM ends it even if the test never does
      volatile unsigned long spin = 0;
      for (;;) spin = spin + 1;
    }
  }
  ~CpuBurner() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  CpuBurner(const CpuBurner&) = delete;
  CpuBurner& operator=(const CpuBurner&) = delete;
  bool started() const { return pid_ > 0; }

private:
  pid_t pid_ = -1;
};

struct RunOutput {
  int status = -1;
  std::string out, err;
  json results;
};

// One sequential libcurl cell over HTTP for about two seconds, client on CPU 0 and the
// embedded server on CPU 1; the process is bounded by timeout(1).
RunOutput run_one_cell(const TempDir& dir, const std::string& name) {
  const auto json_path = dir.path / (name + ".json");
  const auto out_path = dir.path / (name + ".out");
  const auto err_path = dir.path / (name + ".err");
  const std::string command =
      "timeout -s KILL 60 " + test::hcbench_binary() +
      " run --clients curl.reuse-handle.discard-body --protocols http --endpoints ping"
      " --cycles 1000000 --duration 2 --pin client=0,server=1 --no-progress --json " +
      json_path.string() + " >" + out_path.string() + " 2>" + err_path.string();
  RunOutput output;
  const int status = std::system(command.c_str());
  output.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  output.out = read_text(out_path);
  output.err = read_text(err_path);
  output.results = json::parse(read_text(json_path), nullptr, false);
  return output;
}

bool two_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  return sched_getaffinity(0, sizeof set, &set) == 0 && CPU_ISSET(0, &set) && CPU_ISSET(1, &set);
}

TEST(NoiseFlags, ACpuBurnerOnTheClientsCpuFlagsTheCell) {
  if (!two_cpus()) GTEST_SKIP() << "needs CPUs 0 and 1 to pin the client and the server apart";
  TempDir dir;
  CpuBurner burner(0, 30);
  ASSERT_TRUE(burner.started());
  const RunOutput run = run_one_cell(dir, "burner");
  ASSERT_EQ(run.status, 0) << run.err;
  ASSERT_FALSE(run.results.is_discarded()) << run.err;
  // The look before the first cell saw the burner spinning.
  EXPECT_NE(run.err.find("the machine is not quiet"), std::string::npos) << run.err;
  EXPECT_EQ(run.results["machine_check"]["quiet"], false);
  const json& summary = run.results["cells"][0]["summary"];
  EXPECT_EQ(summary["foreign_load"], true) << summary.dump();
  EXPECT_GE(summary["foreign_cpu_percent"].get<double>(), 10) << summary.dump();
  EXPECT_NE(run.out.find("◆"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("◆ foreign load"), std::string::npos) << run.out;
}

TEST(NoiseFlags, AQuietCellIsNotFlagged) {
  if (!two_cpus()) GTEST_SKIP() << "needs CPUs 0 and 1 to pin the client and the server apart";
  TempDir dir;
  const RunOutput run = run_one_cell(dir, "quiet");
  ASSERT_EQ(run.status, 0) << run.err;
  ASSERT_FALSE(run.results.is_discarded()) << run.err;
  const json& summary = run.results["cells"][0]["summary"];
  const double foreign = summary["foreign_cpu_percent"].get<double>();
  // Whatever the machine did, the flag follows the load measured during the cell.
  EXPECT_EQ(summary["foreign_load"].get<bool>(), foreign >= 10) << summary.dump();
  if (run.results["machine_check"]["quiet"] != true || foreign >= 10) {
    GTEST_SKIP() << "the machine is busy with other work (" << foreign
                 << "% of a CPU during the cell): a quiet cell cannot be checked now";
  }
  EXPECT_EQ(summary["foreign_load"], false);
  EXPECT_EQ(run.out.find("◆"), std::string::npos) << run.out;
  EXPECT_EQ(run.err.find("not quiet"), std::string::npos) << run.err;
}

} // namespace
} // namespace hcbench
