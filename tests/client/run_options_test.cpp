#include "hcbench/client/run_options.h"

#include <gtest/gtest.h>

namespace hcbench {
namespace {

TEST(RunOptions, EmbeddedWithoutBaseUrls) {
  RunOptions options;
  EXPECT_TRUE(options.embedded());
  options.matrix.https_url = "https://h:1";
  EXPECT_FALSE(options.embedded());
}

TEST(RunOptions, RecordedSettingsAreTheOptionsWithTheUrlsUsed) {
  RunOptions options;
  options.benchmark_type = "size";
  options.cell.cycles = 20;
  options.cell.warmup = 3;
  options.cell.duration_seconds = 1.5;
  options.cell.verify = VerifyMode::digest;
  options.cell.insecure = false;
  options.cell.cacert = "ca.crt";
  options.repeat = 2;
  options.seed = 7;
  options.clients = {"native"};
  options.sample_ms = 50;
  options.pin_text = "client=0";
  MatrixPlan targets{{"http"}, "http://127.0.0.1:1", "", {"/ping"}, {1, 8}};

  const RunSettings s = recorded_settings(options, targets);
  EXPECT_EQ(s.benchmark_type, "size");
  EXPECT_EQ(s.cycles, 20u);
  EXPECT_EQ(s.warmup, 3u);
  EXPECT_DOUBLE_EQ(s.duration_seconds, 1.5);
  EXPECT_EQ(s.verify, "digest");
  EXPECT_FALSE(s.insecure);
  EXPECT_EQ(s.cacert, "ca.crt");
  EXPECT_EQ(s.repeat, 2u);
  EXPECT_EQ(s.seed, 7u);
  EXPECT_EQ(s.clients, std::vector<std::string>{"native"});
  EXPECT_EQ(s.sample_ms, 50u);
  EXPECT_EQ(s.pin, "client=0");
  EXPECT_TRUE(s.embedded_server) << "no URL was given: the embedded server's are recorded";
  EXPECT_EQ(s.http_url, "http://127.0.0.1:1");
  EXPECT_EQ(s.https_url, "");
  EXPECT_EQ(s.protocols, std::vector<std::string>{"http"});
  EXPECT_EQ(s.paths, std::vector<std::string>{"/ping"});
  EXPECT_EQ(s.concurrency, (std::vector<unsigned>{1, 8}));
}

} // namespace
} // namespace hcbench
