#include "hcbench/client/sync_schedule.h"

#include <gtest/gtest.h>

#include <string>

namespace hcbench {
namespace {

TEST(ParseStartAt, ReadsRfc3339AndUnixMilliseconds) {
  struct Case {
    const char* text;
    std::int64_t unix_ms;
  };
  const Case cases[] = {
      {"2026-11-29T14:00:00Z", 1795960800000},
      {"2026-11-29t14:00:00z", 1795960800000},
      {"2026-11-29 14:00:00Z", 1795960800000},
      {"2026-11-29T14:00:00.250Z", 1795960800250},
      {"2026-11-29T14:00:00.5Z", 1795960800500},
      {"2026-11-29T15:30:00+01:30", 1795960800000},
      {"2026-11-29T09:00:00-05:00", 1795960800000},
      {"2000-02-29T23:59:59Z", 951868799000}, // a leap day
      {"1795960800000", 1795960800000},
      {"0", 0},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_start_at(c.text);
    ASSERT_TRUE(parsed) << c.text;
    EXPECT_EQ(*parsed, c.unix_ms) << c.text;
  }
}

TEST(ParseStartAt, RejectsWhatIsNeither) {
  for (const char* text :
       {"", "now", "2026-11-29", "2026-11-29T14:00:00", "2026-11-29T14:00Z", "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z", "2026-11-29T24:00:00Z", "2026-11-29T14:00:00.Z",
        "2026-11-29T14:00:00Z ", "2026-11-29T14:00:00+0100", "-1795960800000", "1.5e12",
        "99999999999999999999999"}) {
    EXPECT_FALSE(parse_start_at(text)) << text;
  }
}

TEST(SyncSchedule, SlotsFollowFromTheOptionsAlone) {
  const SyncSchedule s = sync_schedule(1795960800000, 5, 0);
  EXPECT_EQ(s.warmup_lead_ms, 1000);
  EXPECT_EQ(s.slot_ms, 1000 + 5000 + 1000);
  EXPECT_EQ(s.slot_begins_unix_ms(0), 1795960800000);
  EXPECT_EQ(s.window_opens_unix_ms(0), 1795960801000);
  EXPECT_EQ(s.slot_begins_unix_ms(3), 1795960800000 + 3 * 7000);
  EXPECT_EQ(s.window_opens_unix_ms(3), 1795960800000 + 3 * 7000 + 1000);
  // Each window ends (after at most --duration) before the next slot begins.
  EXPECT_LE(s.window_opens_unix_ms(2) + 5000, s.slot_begins_unix_ms(3));
}

TEST(SyncSchedule, WarmUpLengthensTheLeadAndAFractionOfASecondRoundsUp) {
  const SyncSchedule s = sync_schedule(1000, 2.0004, 5000);
  EXPECT_EQ(s.warmup_lead_ms, 1000 + 5000);
  EXPECT_EQ(s.slot_ms, 6000 + 2001 + 1000);
  EXPECT_EQ(s.window_opens_unix_ms(1), 1000 + 9001 + 6000);
  // Two hosts given the same options compute the same schedule.
  const SyncSchedule other = sync_schedule(1000, 2.0004, 5000);
  EXPECT_EQ(other.window_opens_unix_ms(7), s.window_opens_unix_ms(7));
}

} // namespace
} // namespace hcbench
