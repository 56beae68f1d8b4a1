#include "hcbench/cli/run_command.h"
#include "hcbench/client/driver_rows.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace hcbench {
namespace {

RunCommandLine parse(std::vector<std::string> args) {
  args.insert(args.begin(), "run");
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  return parse_run_command_line(static_cast<int>(argv.size()), argv.data());
}

TEST(RunCommandLine, DefaultsReproduceTheOriginal) {
  const auto line = parse({});
  ASSERT_TRUE(line.options) << line.error;
  const RunOptions& o = *line.options;
  EXPECT_TRUE(o.embedded());
  EXPECT_EQ(o.cell.cycles, 10000u);
  EXPECT_EQ(o.cell.warmup, 0u);
  EXPECT_EQ(o.matrix.protocols, (std::vector<std::string>{"http", "https"}));
  EXPECT_EQ(o.matrix.paths, std::vector<std::string>{"/length/1024"});
  EXPECT_EQ(o.matrix.concurrency, std::vector<unsigned>{1});
  EXPECT_EQ(o.matrix.http_versions, std::vector<std::string>{"1.1"});
  EXPECT_EQ(o.clients, default_clients("full")) << "the original's rows plus native and floor";
  EXPECT_EQ(o.cell.verify, VerifyMode::length);
  EXPECT_TRUE(o.cell.insecure);
  EXPECT_EQ(o.sample_ms, 100u);
  EXPECT_FALSE(o.pin);
}

TEST(RunCommandLine, UrlsGoBySchemeAndAPathBecomesTheEndpoint) {
  const auto line = parse({"http://127.0.0.1:8080/ping", "--https-url", "https://127.0.0.1:4443/"});
  ASSERT_TRUE(line.options) << line.error;
  EXPECT_EQ(line.options->matrix.http_url, "http://127.0.0.1:8080");
  EXPECT_EQ(line.options->matrix.https_url, "https://127.0.0.1:4443");
  EXPECT_EQ(line.options->matrix.paths, std::vector<std::string>{"/ping"});
  EXPECT_EQ(line.options->matrix.protocols, (std::vector<std::string>{"http", "https"}));
  EXPECT_EQ(parse({"https://h:1"}).options->matrix.protocols, std::vector<std::string>{"https"});
}

TEST(RunCommandLine, SizesMakeTheSizeMatrix) {
  const auto original = parse({"--benchmark-type", "size"});
  ASSERT_TRUE(original.options);
  EXPECT_EQ(original.options->matrix.paths.size(), 10u);
  EXPECT_EQ(original.options->matrix.paths.front(), "/length/4");
  EXPECT_EQ(original.options->matrix.paths.back(), "/length/131072");
  const auto custom = parse({"--sizes", "64k,1M", "--endpoints", "ping"});
  ASSERT_TRUE(custom.options);
  EXPECT_EQ(custom.options->benchmark_type, "size");
  EXPECT_EQ(custom.options->matrix.paths,
            (std::vector<std::string>{"/ping", "/length/65536", "/length/1048576"}));
}

TEST(RunCommandLine, ParsesTheRest) {
  const auto line = parse({"--cycles",      "20",     "--warmup",    "5",
                           "--repeat",      "3",      "--seed",      "9",
                           "--concurrency", "1,8",    "--pin",       "client=0,server=1",
                           "--verify",      "digest", "--cacert",    "certs/ca.crt",
                           "--json",        "r.json", "--csv",       "r.csv",
                           "--vmstat-log",  "v.log",  "--clients",   "native,floor",
                           "--duration",    "1.5",    "--sample-ms", "50",
                           "--protocols",   "https"});
  ASSERT_TRUE(line.options) << line.error;
  const RunOptions& o = *line.options;
  EXPECT_EQ(o.cell.cycles, 20u);
  EXPECT_EQ(o.cell.warmup, 5u);
  EXPECT_EQ(o.repeat, 3u);
  EXPECT_EQ(o.seed, 9u);
  EXPECT_EQ(o.matrix.concurrency, (std::vector<unsigned>{1, 8}));
  ASSERT_TRUE(o.pin);
  EXPECT_EQ(o.pin->server, CpuList{1});
  EXPECT_EQ(o.cell.verify, VerifyMode::digest);
  EXPECT_FALSE(o.cell.insecure);
  EXPECT_EQ(o.cell.cacert, "certs/ca.crt");
  EXPECT_EQ(o.clients, (std::vector<std::string>{"native", "floor"}));
  EXPECT_DOUBLE_EQ(o.cell.duration_seconds, 1.5);
  EXPECT_EQ(o.sample_ms, 50u);
  EXPECT_EQ(o.matrix.protocols, std::vector<std::string>{"https"});
}

TEST(RunCommandLine, OutputsTimeoutAndProgress) {
  const auto line = parse({"--json", "r.json", "--csv", "r.csv", "--vmstat-log", "v.log",
                           "--timeout", "0.5", "--no-progress", "--insecure"});
  ASSERT_TRUE(line.options) << line.error;
  const RunOptions& o = *line.options;
  EXPECT_EQ(o.json_path, "r.json");
  EXPECT_EQ(o.csv_path, "r.csv");
  EXPECT_EQ(o.vmstat_log_path, "v.log");
  EXPECT_DOUBLE_EQ(o.cell.request_timeout_seconds, 0.5);
  EXPECT_FALSE(o.progress);
  EXPECT_TRUE(o.cell.insecure);
  const auto defaults = parse({});
  ASSERT_TRUE(defaults.options);
  EXPECT_EQ(defaults.options->json_path, "");
  EXPECT_TRUE(defaults.options->progress);
  EXPECT_DOUBLE_EQ(defaults.options->cell.request_timeout_seconds, 30);
}

TEST(RunCommandLine, HttpVersionsAreAnAxis) {
  const auto line = parse({"--http-version", "1.1,2,2"});
  ASSERT_TRUE(line.options) << line.error;
  EXPECT_EQ(line.options->matrix.http_versions, (std::vector<std::string>{"1.1", "2"}));
  EXPECT_EQ(recorded_settings(*line.options, line.options->matrix).http_versions,
            (std::vector<std::string>{"1.1", "2"}));
  const auto two = parse({"--http-version", "2"});
  ASSERT_TRUE(two.options) << two.error;
  EXPECT_EQ(two.options->matrix.http_versions, std::vector<std::string>{"2"});
}

TEST(RunCommandLine, EachPathOnceInTheOrderGiven) {
  const auto line = parse({"--endpoints", "ping,/ping,length/1k", "--sizes", "1024,4"});
  ASSERT_TRUE(line.options) << line.error;
  EXPECT_EQ(line.options->matrix.paths,
            (std::vector<std::string>{"/ping", "/length/1024", "/length/4"}));
  const auto levels = parse({"--concurrency", "8,1,8"});
  ASSERT_TRUE(levels.options) << levels.error;
  EXPECT_EQ(levels.options->matrix.concurrency, (std::vector<unsigned>{8, 1}));
  EXPECT_TRUE(levels.options->matrix.rates.empty()) << "closed loop unless --rate";
  const auto rates =
      parse({"--rate", "5000,2000,5000,2.5", "--max-in-flight", "64", "--endpoints", "delay/10"});
  ASSERT_TRUE(rates.options) << rates.error;
  EXPECT_EQ(rates.options->matrix.rates, (std::vector<double>{5000, 2000, 2.5}));
  EXPECT_EQ(rates.options->cell.max_in_flight, 64u);
  EXPECT_EQ(rates.options->matrix.paths, std::vector<std::string>{"/delay/10"});
}

TEST(RunCommandLine, ASeedIsChosenWhenNoneIsGiven) {
  // Two random seeds could collide; eight in a row cannot, in practice.
  std::set<std::uint64_t> seeds;
  for (int i = 0; i < 8; ++i) seeds.insert(parse({}).options->seed);
  EXPECT_GT(seeds.size(), 1u);
}

struct BadOption {
  std::vector<std::string> args;
  const char* mentions;
};
class RunCommandLineRejects : public testing::TestWithParam<BadOption> {};

TEST_P(RunCommandLineRejects, WithAMessageNamingTheProblem) {
  const auto line = parse(GetParam().args);
  EXPECT_FALSE(line.options);
  EXPECT_NE(line.error.find(GetParam().mentions), std::string::npos) << line.error;
}

INSTANTIATE_TEST_SUITE_P(
    Table, RunCommandLineRejects,
    testing::Values(
        BadOption{{"--cycles", "abc"}, "--cycles"}, BadOption{{"--cycles", "0"}, "--cycles"},
        BadOption{{"--verify", "sha"}, "--verify"}, BadOption{{"--sizes", "4,x"}, "--sizes"},
        BadOption{{"--endpoints", "stats"}, "stats"}, BadOption{{"--protocols", "ftp"}, "ftp"},
        BadOption{{"--concurrency", "0"}, "--concurrency"},
        BadOption{{"--http-version", "3"}, "'3'"},
        BadOption{{"--http-version", ","}, "--http-version"},
        BadOption{{"--pin", "client=z"}, "--pin"},
        BadOption{{"--cacert", "a", "--insecure"}, "--cacert"},
        BadOption{{"ftp://host/"}, "ftp://host/"}, BadOption{{"--duration", "-1"}, "--duration"},
        BadOption{{"--sample-ms", "1"}, "--sample-ms"}, BadOption{{"--seed", "x"}, "--seed"},
        BadOption{{"--repeat", "0"}, "--repeat"}, BadOption{{"--timeout", "0"}, "--timeout"},
        BadOption{{"--benchmark-type", "big"}, "--benchmark-type"},
        BadOption{{"--https-url", "http://h"}, "--https-url"},
        BadOption{{"http://h/nope"}, "/nope"}, BadOption{{"--no-such-option"}, "no-such-option"},
        BadOption{{"--rate", "0"}, "--rate"}, BadOption{{"--rate", "fast"}, "--rate"},
        BadOption{{"--rate", "1e9"}, "--rate"},
        BadOption{{"--max-in-flight", "0"}, "--max-in-flight"},
        BadOption{{"--endpoints", "delay/x"}, "delay/x"}));

TEST(RunCommandLine, ServerOptionsAreCheckedByServesParser) {
  const auto line =
      parse({"--server-option", "--threads=2", "--server-option", "--tls-engine=openssl"});
  ASSERT_TRUE(line.options) << line.error;
  EXPECT_EQ(line.options->server_options,
            (std::vector<std::string>{"--threads=2", "--tls-engine=openssl"}));
  EXPECT_EQ(line.options->server_threads, 2u);
  const auto flag = parse({"--server-option", "--compat-original"});
  ASSERT_TRUE(flag.options) << flag.error;
  EXPECT_FALSE(flag.options->server_threads) << "serve's own default: the CPUs it may use";
  EXPECT_FALSE(parse({}).options->server_threads);

  struct Bad {
    std::vector<std::string> args;
    const char* mentions;
  };
  const Bad bad[] = {
      // serve's own messages, after the option as given
      {{"--server-option", "--tls-engine=gnutls"}, "hcbench serve: --tls-engine: 'gnutls'"},
      {{"--server-option", "--threads=x"}, "--server-option --threads=x: hcbench serve:"},
      {{"--server-option", "--no-such"}, "no-such"},
      {{"--server-option", "--max-delay=0"}, "--max-delay"},
      // the listeners are run's
      {{"--server-option", "--http-port=80"}, "sets the embedded server's listeners"},
      {{"--server-option", "--bind=0.0.0.0"}, "--bind"},
      // an external server is started elsewhere
      {{"http://127.0.0.1:8080", "--server-option", "--threads=2"}, "embedded server only"},
  };
  for (const auto& b : bad) {
    const auto rejected = parse(b.args);
    EXPECT_FALSE(rejected.options) << b.mentions;
    EXPECT_NE(rejected.error.find(b.mentions), std::string::npos) << rejected.error;
  }
}

TEST(RunCommandLine, HelpExplainsEveryOption) {
  const auto line = parse({"--help"});
  EXPECT_FALSE(line.options);
  for (const char* option :
       {"--cycles",         "--warmup",      "--duration",     "--repeat",      "--clients",
        "--endpoints",      "--sizes",       "--protocols",    "--concurrency", "--pin",
        "--sample-ms",      "--verify",      "--json",         "--csv",         "--vmstat-log",
        "--cacert",         "--insecure",    "--https-url",    "--seed",        "--timeout",
        "--benchmark-type", "--no-progress", "--http-version", "--rate",        "--max-in-flight",
        "--server-option"}) {
    EXPECT_NE(line.help.find(option), std::string::npos) << option;
  }
  EXPECT_NE(line.help.find("default: 10000"), std::string::npos);
}

std::string unix_ms_from_now(std::int64_t offset_ms) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return std::to_string(now + offset_ms);
}

TEST(RunCommandLine, StartAtInTheFutureWithADurationSchedulesTheRun) {
  const std::string at = unix_ms_from_now(60000);
  const auto line =
      parse({"--start-at", at, "--duration", "5", "--run-id", "r1", "--host-label", "client-2"});
  ASSERT_TRUE(line.options) << line.error;
  EXPECT_EQ(std::to_string(line.options->start_at_unix_ms), at);
  EXPECT_EQ(line.options->run_id, "r1");
  EXPECT_EQ(line.options->host_label, "client-2");
  EXPECT_EQ(std::to_string(line.options->seed), at) << "hosts shuffle repeats alike";
  const auto rfc = parse({"--start-at", "2999-01-01T00:00:00Z", "--duration", "1"});
  ASSERT_TRUE(rfc.options) << rfc.error;
  EXPECT_EQ(rfc.options->start_at_unix_ms, 32472144000000);
  const auto plain = parse({"--run-id", "r1"});
  ASSERT_TRUE(plain.options) << plain.error;
  EXPECT_EQ(plain.options->start_at_unix_ms, 0) << "not synchronized unless asked";
}

TEST(RunCommandLine, StartAtInThePastOrWithoutADurationIsAnError) {
  for (const std::string& past : {unix_ms_from_now(-1000), std::string("2020-01-01T00:00:00Z")}) {
    const auto line = parse({"--start-at", past, "--duration", "5"});
    EXPECT_FALSE(line.options) << past;
    EXPECT_NE(line.error.find("in the past"), std::string::npos) << line.error;
  }
  const auto no_duration = parse({"--start-at", unix_ms_from_now(60000)});
  EXPECT_FALSE(no_duration.options);
  EXPECT_NE(no_duration.error.find("--duration"), std::string::npos) << no_duration.error;
  const auto garbled = parse({"--start-at", "tomorrow", "--duration", "5"});
  EXPECT_FALSE(garbled.options);
  EXPECT_NE(garbled.error.find("RFC 3339"), std::string::npos) << garbled.error;
  const auto open_loop =
      parse({"--start-at", unix_ms_from_now(60000), "--duration", "5", "--rate", "1000"});
  EXPECT_FALSE(open_loop.options);
  EXPECT_NE(open_loop.error.find("--rate"), std::string::npos) << open_loop.error;
}

} // namespace
} // namespace hcbench
