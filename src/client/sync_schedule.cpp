#include "hcbench/client/sync_schedule.h"

#include <charconv>
#include <chrono>
#include <cmath>

namespace hcbench {

namespace {

// Reads exactly `digits` decimal digits at `pos`, advancing it.
std::optional<int> digits_at(std::string_view text, std::size_t& pos, std::size_t digits) {
  if (pos + digits > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += digits;
  return value;
}

bool expect(std::string_view text, std::size_t& pos, std::string_view one_of) {
  if (pos >= text.size() || one_of.find(text[pos]) == std::string_view::npos) return false;
  ++pos;
  return true;
}

std::optional<std::int64_t> parse_rfc3339(std::string_view text) {
  std::size_t pos = 0;
  const auto year = digits_at(text, pos, 4);
  if (!year || !expect(text, pos, "-")) return std::nullopt;
  const auto month = digits_at(text, pos, 2);
  if (!month || !expect(text, pos, "-")) return std::nullopt;
  const auto day = digits_at(text, pos, 2);
  if (!day || !expect(text, pos, "Tt ")) return std::nullopt;
  const auto hour = digits_at(text, pos, 2);
  if (!hour || !expect(text, pos, ":")) return std::nullopt;
  const auto minute = digits_at(text, pos, 2);
  if (!minute || !expect(text, pos, ":")) return std::nullopt;
  const auto second = digits_at(text, pos, 2);
  if (!second || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  std::int64_t millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t first = pos;
    std::int64_t scale = 100;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      millis += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == first) return std::nullopt;
  }
  std::int64_t offset_minutes = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    const auto offset_hours = digits_at(text, pos, 2);
    if (!offset_hours || !expect(text, pos, ":")) return std::nullopt;
    const auto offset_mins = digits_at(text, pos, 2);
    if (!offset_mins || *offset_hours > 23 || *offset_mins > 59) return std::nullopt;
    offset_minutes = sign * (*offset_hours * 60 + *offset_mins);
  } else {
    return std::nullopt; // RFC 3339 requires the offset: a time without one is ambiguous
  }
  if (pos != text.size()) return std::nullopt;
  namespace chrono = std::chrono;
  const chrono::year_month_day date{chrono::year{*year},
                                    chrono::month{static_cast<unsigned>(*month)},
                                    chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok()) return std::nullopt;
  const auto midnight = chrono::sys_days{date}.time_since_epoch();
  const auto ms = chrono::duration_cast<chrono::milliseconds>(midnight).count() +
                  ((*hour * 60 + *minute - offset_minutes) * 60 + *second) * 1000 + millis;
  return ms;
}

} // namespace

std::optional<std::int64_t> parse_start_at(std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    std::int64_t ms = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return ms;
  }
  return parse_rfc3339(text);
}

SyncSchedule sync_schedule(std::int64_t start_at_unix_ms, double duration_seconds,
                           std::uint64_t warmup_requests) {
  constexpr std::int64_t base_lead_ms = 1000;
  constexpr std::int64_t tail_ms = 1000;
  SyncSchedule schedule;
  schedule.start_at_unix_ms = start_at_unix_ms;
  schedule.warmup_lead_ms = base_lead_ms + static_cast<std::int64_t>(warmup_requests);
  schedule.slot_ms = schedule.warmup_lead_ms +
                     static_cast<std::int64_t>(std::ceil(duration_seconds * 1000)) + tail_ms;
  return schedule;
}

} // namespace hcbench
