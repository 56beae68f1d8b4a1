// The driver runner against a fake driver (tests/data/fake_driver.sh) that reports, lies,
// crashes, hangs, prints garbage, fails or skips: every way a driver can end is one cell's
// clear result, and nothing it started outlives it.
#include "hcbench/client/driver_rows.h"
#include "hcbench/client/driver_runner.h"
#include "hcbench/client/matrix.h"

#include "hcbench/client/run_control.h"
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

namespace hcbench {
namespace {

using namespace std::chrono_literals;

DriverProgram fake(std::string mode, std::vector<std::string> env = {}) {
  env.push_back("FAKE_MODE=" + mode);
  return {{"/bin/sh", std::string(HCBENCH_TEST_DATA_DIR) + "/fake_driver.sh"}, env};
}

CellSpec cell(std::uint64_t cycles = 5) {
  CellSpec spec;
  spec.url = "http://127.0.0.1:9/length/1024";
  spec.cycles = cycles;
  spec.expected_length = 1024;
  return spec;
}

std::filesystem::path temp_file(const char* stem) {
  return std::filesystem::temp_directory_path() /
         (std::string(stem) + "." + std::to_string(::getpid()));
}

bool process_gone(pid_t pid) {
  // A killed process may stay a zombie for a moment until its new parent reaps it.
  for (int i = 0; i < 200; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!stat || !std::getline(stat, text)) return true;
    const auto state = text.find(") ");
    if (state != std::string::npos && text[state + 2] == 'Z') return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

TEST(DriverRunner, ReportIsTakenWithTheChildsRusage) {
  const auto m = run_driver(fake("report"), "fake", cell(5));
  ASSERT_EQ(m.error, "");
  EXPECT_TRUE(m.ok());
  EXPECT_EQ(m.requests, 5u);
  EXPECT_EQ(m.latency.count(), 5u);
  EXPECT_EQ(m.latency.max(), 5000u);
  EXPECT_DOUBLE_EQ(m.cpu.total(), 0.375);
  EXPECT_GT(m.process_cpu.total(), 0.0) << "the shell and its sed spent some CPU";
}

TEST(DriverRunner, FailuresAreCountedNotErrors) {
  const auto m = run_driver(fake("failures"), "fake", cell(4));
  EXPECT_EQ(m.error, "");
  EXPECT_EQ(m.requests, 3u);
  EXPECT_EQ(m.failures[FailureKind::status], 1u);
  EXPECT_FALSE(m.ok());
}

TEST(DriverRunner, InputReachesTheDriver) {
  const auto input_file = temp_file("hcbench-fake-input");
  auto spec = cell(2);
  spec.warmup = 3;
  const auto m =
      run_driver(fake("echo", {"FAKE_INPUT_FILE=" + input_file.string()}), "some.client", spec);
  ASSERT_EQ(m.error, "");
  std::ifstream in(input_file);
  const auto input = nlohmann::json::parse(in);
  std::filesystem::remove(input_file);
  EXPECT_EQ(input["client"], "some.client");
  EXPECT_EQ(input["warmup"], 3);
  EXPECT_EQ(input["url"], spec.url);
}

TEST(DriverRunner, LyingCountIsRejected) {
  const auto m = run_driver(fake("lie"), "fake", cell(5));
  EXPECT_NE(m.error.find("counts do not add up: 6 requests + 0 failures != 5 cycles"),
            std::string::npos)
      << m.error;
  EXPECT_EQ(m.requests, 0u);
}

TEST(DriverRunner, CrashNamesTheSignalAndStderr) {
  const auto m = run_driver(fake("crash"), "fake", cell());
  EXPECT_NE(m.error.find("crashed"), std::string::npos) << m.error;
  EXPECT_NE(m.error.find("signal " + std::to_string(SIGSEGV)), std::string::npos) << m.error;
  EXPECT_NE(m.error.find("about to crash"), std::string::npos) << m.error;
}

TEST(DriverRunner, HangIsKilledWithEverythingItStarted) {
  const auto pid_file = temp_file("hcbench-fake-pid");
  const auto started = std::chrono::steady_clock::now();
  const auto m =
      run_driver(fake("hang", {"FAKE_PID_FILE=" + pid_file.string()}), "fake", cell(), 300ms);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_NE(m.error.find("timed out"), std::string::npos) << m.error;
  std::ifstream in(pid_file);
  pid_t grandchild = 0;
  ASSERT_TRUE(in >> grandchild) << "the fake driver did not start its child";
  std::filesystem::remove(pid_file);
  EXPECT_TRUE(process_gone(grandchild)) << "the driver's own child survived it";
}

TEST(DriverRunner, InterruptingTheRunStopsARunningDriver) {
  // Ctrl-C on `hcbench run` sets the run's stop flag; the driver, in its own process group,
  // must be stopped at once rather than at its timeout.
  const auto pid_file = temp_file("hcbench-fake-pid-cancel");
  std::thread interrupt([] {
    std::this_thread::sleep_for(300ms);
    run_control().stop.store(true);
  });
  const auto started = std::chrono::steady_clock::now();
  const auto m =
      run_driver(fake("hang", {"FAKE_PID_FILE=" + pid_file.string()}), "fake", cell(), 60s);
  interrupt.join();
  run_control().stop.store(false);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_NE(m.error.find("interrupted"), std::string::npos) << m.error;
  std::ifstream in(pid_file);
  pid_t grandchild = 0;
  if (in >> grandchild) {
    EXPECT_TRUE(process_gone(grandchild));
  }
  std::filesystem::remove(pid_file);
}

TEST(DriverRunner, GarbageIsRejected) {
  const auto m = run_driver(fake("garbage"), "fake", cell());
  EXPECT_NE(m.error.find("not a JSON report"), std::string::npos) << m.error;
}

TEST(DriverRunner, SilenceIsRejected) {
  const auto m = run_driver(fake("silent"), "fake", cell());
  EXPECT_NE(m.error.find("no report"), std::string::npos) << m.error;
}

TEST(DriverRunner, NonZeroExitShowsTheEndOfStderr) {
  const auto m = run_driver(fake("fail"), "fake", cell());
  EXPECT_NE(m.error.find("exit status 3"), std::string::npos) << m.error;
  EXPECT_NE(m.error.find("ZeroDivisionError"), std::string::npos) << m.error;
}

TEST(DriverRunner, SkipIsNotAnError) {
  const auto m = run_driver(fake("skip"), "fake", cell());
  EXPECT_EQ(m.error, "");
  EXPECT_EQ(m.skipped, "module fake is not installed");
}

TEST(DriverRunner, MissingInterpreterSkipsMissingScriptFails) {
  const auto skipped = run_driver({{"/nonexistent/python9", "/tmp/x.py"}, {}}, "x", cell());
  EXPECT_NE(skipped.skipped.find("/nonexistent/python9 is not installed"), std::string::npos);
  const auto failed = run_driver({{"/bin/sh", "/nonexistent/driver.sh"}, {}}, "x", cell());
  EXPECT_NE(failed.error.find("not found"), std::string::npos) << failed.error;
}

TEST(DriverRunner, AProgramThatCannotRunHereSkipsWithoutStarting) {
  // The interpreter exists, so only the program's own reason can make this a skip.
  DriverProgram program = fake("report");
  program.skipped = "the Java driver is not built";
  const auto m = run_driver(program, "fake", cell());
  EXPECT_EQ(m.skipped, "the Java driver is not built");
  EXPECT_EQ(m.error, "");
  EXPECT_EQ(m.process_cpu.total(), 0.0) << "nothing was started";
}

TEST(DriverRunner, DefaultTimeoutGrowsWithTheCell) {
  EXPECT_LT(default_driver_timeout(cell(10)), default_driver_timeout(cell(10000)));
  EXPECT_GE(default_driver_timeout(cell(1)), 10s) << "interpreters need time to start";
}

TEST(DriverRows, OriginalFullMatrixOrderAndLabels) {
  const auto rows = driver_rows();
  ASSERT_GE(rows.size(), 10u);
  const std::vector<std::tuple<std::string, std::string, bool, std::string>> original = {
      {"python.requests.no-reuse", "requests", false, "Default"},
      {"python.requests.session", "requests", true, "Default"},
      {"python.pycurl.reuse-handle.discard-body", "pycurl", true, "Reuse handle, don't save body"},
      {"python.pycurl.reuse-handle.save-body", "pycurl", true,
       "Reuse handle, save response to new cStringIO buffer"},
      {"python.pycurl.forbid-reuse.save-body", "pycurl", false,
       "Reuse handle, save response to new cStringIO buffer"},
      {"python.pycurl.new-handle.save-body", "pycurl", false,
       "New handle, save response to new cStringIO buffer"},
      {"python.urllib3.pool", "urllib3", true, "Default"},
      {"python.urllib", "urllib", false, "Default"},
  };
  for (std::size_t i = 0; i < original.size(); ++i) {
    const auto& [id, library, reuse, options] = original[i];
    EXPECT_EQ(rows[i].id, id);
    EXPECT_EQ(rows[i].group, "python");
    EXPECT_EQ(rows[i].library, library);
    EXPECT_EQ(rows[i].reuse_connections, reuse) << id;
    EXPECT_EQ(rows[i].options, options);
    EXPECT_TRUE(rows[i].run);
  }
  std::vector<std::string> full_ids;
  for (const auto& o : original) full_ids.push_back(std::get<0>(o));
  EXPECT_EQ(original_full_row_ids(), full_ids);
  for (const auto& id : original_size_row_ids()) {
    EXPECT_NE(std::find(full_ids.begin(), full_ids.end(), id), full_ids.end()) << id;
  }
  int node_rows = 0;
  for (const auto& row : rows) node_rows += row.group == "node";
  EXPECT_GE(node_rows, 2);
}

TEST(DriverRows, EveryPythonRowRunsConcurrentlyAndItsLabelSaysHow) {
  std::vector<ClientRow> python;
  for (const auto& row : driver_rows()) {
    if (row.group == "python") python.push_back(row);
  }
  ASSERT_GE(python.size(), 11u);
  const auto cells = plan_cells(python, MatrixPlan{{"http"}, "http://h", "", {"/ping"}, {1, 8}});
  ASSERT_EQ(cells.size(), 2 * python.size());
  for (std::size_t i = 0; i < python.size(); ++i) {
    const auto& row = python[i];
    SCOPED_TRACE(row.id);
    EXPECT_TRUE(row.supports_concurrency);
    EXPECT_FALSE(row.concurrency_model.empty());
    const auto& sequential = cells[i];
    const auto& concurrent = cells[python.size() + i];
    ASSERT_EQ(concurrent.concurrency, 8u);
    EXPECT_EQ(concurrent.not_applicable, "");
    // At 1 the label is the row's own (the original's for its rows); above 1 it says how.
    EXPECT_EQ(sequential.options, row.options);
    EXPECT_EQ(sequential.display_name, row.display_name());
    EXPECT_EQ(concurrent.options, row.options + "; " + row.concurrency_model);
    EXPECT_NE(concurrent.display_name.find(row.concurrency_model), std::string::npos);
  }
  EXPECT_EQ(python[1].display_name(8),
            "requests, reuse cnxns: True,  options: Default; N threads, one Session each");
}

} // namespace
} // namespace hcbench
