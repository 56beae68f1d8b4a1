#include "hcbench/client/driver_protocol.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>

namespace hcbench {
namespace {

CellSpec three_cycles() {
  CellSpec spec;
  spec.url = "http://127.0.0.1:8080/length/1024";
  spec.cycles = 3;
  spec.expected_length = 1024;
  return spec;
}

constexpr const char* good_report =
    R"({"protocol":1,"status":"ok","requests":2,"failures":{"status":1},"wall_seconds":0.5,)"
    R"("cpu":{"user_seconds":0.25,"system_seconds":0.125},"latencies_ns":[1000,3000],)"
    R"("body_bytes":2048,"client":{"name":"x","version":"1"}})";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  return text;
}

TEST(DriverProtocol, InputCarriesTheCellSettings) {
  auto spec = three_cycles();
  spec.warmup = 7;
  spec.verify = VerifyMode::digest;
  spec.expected_digest = "sha-256=:abc=:";
  spec.insecure = false;
  spec.cacert = "/tmp/ca.crt";
  const auto input = nlohmann::json::parse(driver_input_json(spec, "requests.session"));
  EXPECT_EQ(input["protocol"], driver_protocol_version);
  EXPECT_EQ(input["client"], "requests.session");
  EXPECT_EQ(input["url"], spec.url);
  EXPECT_EQ(input["cycles"], 3);
  EXPECT_EQ(input["warmup"], 7);
  EXPECT_EQ(input["verify"], "digest");
  EXPECT_EQ(input["expected_status"], 200);
  EXPECT_EQ(input["expected_length"], 1024);
  EXPECT_EQ(input["expected_digest"], "sha-256=:abc=:");
  EXPECT_EQ(input["insecure"], false);
  EXPECT_EQ(input["cacert"], "/tmp/ca.crt");
  EXPECT_EQ(input["concurrency"], 1);
  EXPECT_EQ(input["http_version"], "1.1");
  EXPECT_DOUBLE_EQ(input["request_timeout_seconds"].get<double>(), 30);
}

TEST(DriverProtocol, GoodReportBecomesAMeasurement) {
  const auto m =
      parse_driver_report(std::string("chatter\n") + good_report + "\n\n", three_cycles());
  ASSERT_EQ(m.error, "");
  EXPECT_EQ(m.requests, 2u);
  EXPECT_EQ(m.failures[FailureKind::status], 1u);
  EXPECT_EQ(m.failures.total(), 1u);
  EXPECT_DOUBLE_EQ(m.wall_seconds, 0.5);
  EXPECT_DOUBLE_EQ(m.cpu.user_seconds, 0.25);
  EXPECT_DOUBLE_EQ(m.cpu.system_seconds, 0.125);
  EXPECT_EQ(m.latency.count(), 2u);
  EXPECT_EQ(m.latency.min(), 1000u);
  EXPECT_EQ(m.body_bytes, 2048u);
}

TEST(DriverProtocol, OpenLoopFieldsOnlyForARate) {
  auto spec = three_cycles();
  auto input = nlohmann::json::parse(driver_input_json(spec, "x"));
  EXPECT_FALSE(input.contains("rate"));
  EXPECT_FALSE(input.contains("max_in_flight"));
  EXPECT_EQ(parse_driver_report(good_report, spec).offered_rate, 0);
  spec.rate = 250;
  spec.max_in_flight = 9;
  input = nlohmann::json::parse(driver_input_json(spec, "x"));
  EXPECT_EQ(input["rate"], 250.0);
  EXPECT_EQ(input["max_in_flight"], 9);
  std::string report = good_report;
  report.insert(report.size() - 1, R"(,"late_starts":1,"max_start_lag_ns":2500000)");
  const auto m = parse_driver_report(report, spec);
  ASSERT_EQ(m.error, "");
  EXPECT_EQ(m.offered_rate, 250);
  EXPECT_EQ(m.late_starts, 1u);
  EXPECT_EQ(m.max_start_lag_ns, 2500000u);
}

TEST(DriverProtocol, HistogramFormIsAccepted) {
  const auto m = parse_driver_report(
      R"({"protocol":1,"status":"ok","requests":3,"wall_seconds":1,"cpu":{"user_seconds":0,)"
      R"("system_seconds":0},"latency_histogram_ns":[[50000,2],[90000,1]]})",
      three_cycles());
  ASSERT_EQ(m.error, "");
  EXPECT_EQ(m.latency.count(), 3u);
  EXPECT_EQ(m.failures.total(), 0u);
}

TEST(DriverProtocol, LatenciesInOrderGiveTheWindowsSlices) {
  // 100 requests, the second half three times slower: the slices show it.
  nlohmann::json report = {{"protocol", 1},
                           {"status", "ok"},
                           {"requests", 100},
                           {"wall_seconds", 0.02},
                           {"cpu", {{"user_seconds", 0}, {"system_seconds", 0}}}};
  auto& latencies = report["latencies_ns"] = nlohmann::json::array();
  for (int i = 0; i < 100; ++i) latencies.push_back(i < 50 ? 100'000 : 300'000);
  auto spec = three_cycles();
  spec.cycles = 100;
  const auto m = parse_driver_report(report.dump(), spec);
  ASSERT_EQ(m.error, "");
  ASSERT_EQ(m.slice_rps.size(), 5u) << "100 requests: 5 slices of 20";
  EXPECT_NEAR(m.slice_rps.front(), 10'000, 1e-6);
  EXPECT_NEAR(m.slice_rps.back(), 10'000.0 / 3, 1e-6);
  // An open loop's latencies run from due times, queueing included: they do not say when
  // the requests ended, so its cells are not sliced.
  spec.rate = 1000;
  const auto open = parse_driver_report(report.dump(), spec);
  ASSERT_EQ(open.error, "");
  EXPECT_TRUE(open.slice_rps.empty());
  // The histogram form has no order, so no slices.
  EXPECT_TRUE(parse_driver_report(R"({"protocol":1,"status":"ok","requests":3,"wall_seconds":1,)"
                                  R"("cpu":{"user_seconds":0,"system_seconds":0},)"
                                  R"("latency_histogram_ns":[[50000,3]]})",
                                  three_cycles())
                  .slice_rps.empty());
}

TEST(DriverProtocol, SkippedAndErrorStatusesCarryTheReason) {
  const auto skipped = parse_driver_report(
      R"({"protocol":1,"status":"skipped","reason":"module httpx missing"})", three_cycles());
  EXPECT_EQ(skipped.skipped, "module httpx missing");
  EXPECT_EQ(skipped.error, "");
  const auto failed =
      parse_driver_report(R"({"protocol":1,"status":"error","reason":"bad url"})", three_cycles());
  EXPECT_EQ(failed.error, "bad url");
}

TEST(DriverProtocol, AnHttp2CellNeedsTheDriversWordThatItSpokeHttp2) {
  auto spec = three_cycles();
  spec.http_version = "2";
  EXPECT_EQ(nlohmann::json::parse(driver_input_json(spec, "httpx.client"))["http_version"], "2");
  const auto silent = parse_driver_report(good_report, spec);
  EXPECT_NE(silent.error.find("did not confirm HTTP/2"), std::string::npos) << silent.error;
  EXPECT_EQ(silent.requests, 0u);
  const auto other = parse_driver_report(
      replaced(good_report, R"("body_bytes")", R"("http_version":"1.1","body_bytes")"), spec);
  EXPECT_NE(other.error.find("did not confirm HTTP/2"), std::string::npos) << other.error;
  const auto confirmed = parse_driver_report(
      replaced(good_report, R"("body_bytes")", R"("http_version":"2","body_bytes")"), spec);
  ASSERT_EQ(confirmed.error, "");
  EXPECT_EQ(confirmed.streams_opened, 3u) << "one stream per request, failed ones included";
}

struct RejectedCase {
  const char* name;
  std::string report;
  const char* reason_contains;
};

class RejectedReport : public testing::TestWithParam<RejectedCase> {};

TEST_P(RejectedReport, IsAnErrorWithAClearReason) {
  const auto m = parse_driver_report(GetParam().report, three_cycles());
  EXPECT_NE(m.error.find(GetParam().reason_contains), std::string::npos) << m.error;
  EXPECT_EQ(m.requests, 0u) << "a rejected report must not leave partial counts";
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RejectedReport,
    testing::Values(
        RejectedCase{"empty", "", "printed no report"},
        RejectedCase{"blank", "\n  \n", "printed no report"},
        RejectedCase{"garbage", "hello world", "not a JSON report"},
        RejectedCase{"truncated", std::string(good_report).substr(0, 40), "not a JSON report"},
        RejectedCase{"not_object", "[1,2,3]", "not a JSON object"},
        RejectedCase{"wrong_version", replaced(good_report, R"("protocol":1)", R"("protocol":2)"),
                     "protocol 2"},
        RejectedCase{"unknown_status", replaced(good_report, R"("ok")", R"("fine")"),
                     "unknown status"},
        RejectedCase{"too_many", replaced(good_report, R"("requests":2)", R"("requests":3)"),
                     "counts do not add up"},
        RejectedCase{"too_few", replaced(good_report, R"({"status":1})", "{}"),
                     "counts do not add up"},
        RejectedCase{"latency_count", replaced(good_report, "[1000,3000]", "[1000,3000,5000]"),
                     "3 latencies reported for 2"},
        RejectedCase{"unknown_kind", replaced(good_report, R"("status":1)", R"("oops":1)"),
                     "unknown failure kind"},
        RejectedCase{"negative", replaced(good_report, R"("requests":2)", R"("requests":-2)"),
                     "non-negative"},
        RejectedCase{"missing_cpu", replaced(good_report, R"("cpu")", R"("cpux")"), "no \"cpu\""},
        RejectedCase{"missing_latencies", replaced(good_report, R"("latencies_ns")", R"("lat")"),
                     "neither"},
        RejectedCase{"negative_wall",
                     replaced(good_report, R"("wall_seconds":0.5)", R"("wall_seconds":-1)"),
                     "wall_seconds"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(DriverProtocol, DurationBoundCellsMayEndEarlyButNotOverrun) {
  auto spec = three_cycles();
  spec.cycles = 10;
  spec.duration_seconds = 1;
  EXPECT_EQ(parse_driver_report(good_report, spec).error, "");
  spec.cycles = 2;
  EXPECT_NE(parse_driver_report(good_report, spec).error, "");
}

TEST(DriverProtocol, LastLine) {
  EXPECT_EQ(last_line("a\nb\n"), "b");
  EXPECT_EQ(last_line("only"), "only");
  EXPECT_EQ(last_line("a\r\n  \n"), "a");
  EXPECT_FALSE(last_line("\n\n").has_value());
  EXPECT_FALSE(last_line("").has_value());
}

} // namespace
} // namespace hcbench
