#include "hcbench/client/child_process.h"

#include <gtest/gtest.h>

#include <atomic>

namespace hcbench {
namespace {

using namespace std::chrono_literals;

ChildOptions shell(std::string script) {
  ChildOptions options;
  options.argv = {"/bin/sh", "-c", std::move(script)};
  options.timeout = 20s;
  return options;
}

TEST(ChildProcess, StdinGoesInStdoutComesBack) {
  ChildOptions options;
  options.argv = {"/bin/cat"};
  options.stdin_data = std::string(300'000, 'x') + "end"; // more than a pipe holds at once
  const ChildResult result = run_child(options);
  EXPECT_EQ(result.end, ChildResult::End::exited) << describe_end(result, options);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.stdout_text, options.stdin_data);
}

TEST(ChildProcess, ExitStatusAndTheTailOfStderr) {
  ChildOptions options = shell("echo out; printf 'aaaaaaaaaa-the-end' >&2; exit 3");
  options.stderr_tail_bytes = 7;
  const ChildResult result = run_child(options);
  EXPECT_EQ(result.end, ChildResult::End::exited);
  EXPECT_EQ(result.exit_status, 3);
  EXPECT_EQ(result.stdout_text, "out\n");
  EXPECT_EQ(result.stderr_tail, "the-end");
  EXPECT_EQ(describe_end(result, options), "exit status 3");
}

TEST(ChildProcess, EnvironmentIsAddedTo) {
  ChildOptions options = shell("printf '%s' \"$HCBENCH_CHILD_TEST\"");
  options.extra_env = {"HCBENCH_CHILD_TEST=seen"};
  EXPECT_EQ(run_child(options).stdout_text, "seen");
}

TEST(ChildProcess, TooMuchOutputKillsIt) {
  ChildOptions options = shell("while :; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done");
  options.max_stdout_bytes = 4096;
  const ChildResult result = run_child(options);
  EXPECT_EQ(result.end, ChildResult::End::output_too_large);
}

TEST(ChildProcess, DeadlineKillsIt) {
  ChildOptions options = shell("sleep 30");
  options.timeout = 200ms;
  const ChildResult result = run_child(options);
  EXPECT_EQ(result.end, ChildResult::End::timed_out);
  EXPECT_LT(result.wall_seconds, 15) << "killed, not waited for";
}

TEST(ChildProcess, CancelKillsIt) {
  const std::atomic<bool> cancel{true};
  ChildOptions options = shell("sleep 30");
  options.cancel = &cancel;
  EXPECT_EQ(run_child(options).end, ChildResult::End::cancelled);
}

TEST(ChildProcess, SignalIsReported) {
  const ChildResult result = run_child(shell("kill -SEGV $$"));
  EXPECT_EQ(result.end, ChildResult::End::signaled);
  EXPECT_EQ(result.term_signal, SIGSEGV);
}

TEST(ChildProcess, WhatCannotStartSaysWhy) {
  ChildOptions relative;
  relative.argv = {"sh", "-c", "true"};
  const ChildResult no_path = run_child(relative);
  EXPECT_EQ(no_path.end, ChildResult::End::spawn_failed);
  EXPECT_NE(no_path.spawn_error.find("absolute path"), std::string::npos);

  ChildOptions missing;
  missing.argv = {"/nonexistent/hcbench-driver"};
  const ChildResult result = run_child(missing);
  EXPECT_EQ(result.end, ChildResult::End::spawn_failed);
  EXPECT_NE(result.spawn_error.find("/nonexistent/hcbench-driver"), std::string::npos);
  EXPECT_EQ(describe_end(result, missing), result.spawn_error);
}

} // namespace
} // namespace hcbench
