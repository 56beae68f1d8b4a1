// Which side was the limit: the verdict from each side's CPU against the CPUs it may use.
#include "hcbench/results/limit.h"

#include <gtest/gtest.h>

namespace hcbench {
namespace {

struct Case {
  const char* what;
  LimitInputs inputs;
  Limit expected;
};

TEST(Limit, JudgesEachSideAgainstItsOwnCpus) {
  const Case cases[] = {
      {"a client busy on its one CPU", {95, 1, 40.0, 1}, Limit::client},
      {"a server busy on its one CPU", {60, 1, 97.0, 1}, Limit::server},
      {"both busy", {92, 1, 99.0, 1}, Limit::both},
      // A sequential round trip: each side waits on the other, neither is busy.
      {"a round-trip-bound sequential cell", {45, 1, 38.0, 1}, Limit::neither},
      {"a 2-thread client busy on its 2 CPUs", {185, 2, 50.0, 1}, Limit::client},
      {"a 2-thread client at one CPU's worth of 2", {100, 2, 50.0, 1}, Limit::neither},
      {"a server with 2 loops at one CPU's worth", {50, 1, 120.0, 2}, Limit::neither},
      {"a server with 2 loops busy on both", {50, 1, 185.0, 2}, Limit::server},
      {"an external server is never judged", {50, 1, std::nullopt, 1}, Limit::neither},
      {"just at the threshold", {90, 1, 89.9, 1}, Limit::client},
  };
  for (const auto& c : cases) {
    const LimitVerdict v = judge_limit(c.inputs);
    EXPECT_EQ(v.limit, c.expected) << c.what << ": " << limit_name(v.limit);
    EXPECT_EQ(v.inputs.client_cpu, c.inputs.client_cpu) << c.what;
  }
}

TEST(Limit, RunsCombineBySideWithTheBusiestFigures) {
  const LimitVerdict client = judge_limit({95, 1, 30.0, 1});
  const LimitVerdict server = judge_limit({50, 1, 96.0, 1});
  const LimitVerdict both = combine_limits(client, server);
  EXPECT_EQ(both.limit, Limit::both);
  EXPECT_EQ(both.inputs.client_cpu, 95);
  EXPECT_EQ(both.inputs.server_cpu, 96.0);
  const LimitVerdict calm = judge_limit({40, 1, 30.0, 1});
  EXPECT_EQ(combine_limits(calm, calm).limit, Limit::neither);
  EXPECT_EQ(combine_limits(calm, client).limit, Limit::client);
}

TEST(Limit, NamesRoundTrip) {
  for (Limit l : {Limit::neither, Limit::client, Limit::server, Limit::both})
    EXPECT_EQ(parse_limit(limit_name(l)), l);
  EXPECT_EQ(limit_name(Limit::neither), "neither");
  EXPECT_FALSE(parse_limit("latency"));
}

} // namespace
} // namespace hcbench
