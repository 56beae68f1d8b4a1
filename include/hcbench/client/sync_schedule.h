// The shared wall-clock schedule of a synchronized run (`hcbench run --start-at T`): hosts
// started with the same options agree on it without talking to each other, because it is
// computed from the options alone. Cell k (the k-th cell run, in run order) owns the slot
// that begins at T + k x slot; its warm-up starts when the slot begins, its measured window
// opens `warmup_lead` later and lasts at most --duration, and the slot ends one tail second
// after that (last responses, the server's /stats read). A cell that ends early waits for
// the next slot; one whose warm-up overruns its lead opens its window late, as recorded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace hcbench {

// --start-at's text as Unix milliseconds: RFC 3339 ("2026-11-29T14:00:00Z", with an optional
// fraction and a Z or +HH:MM offset) or a whole number of Unix milliseconds. nullopt when it
// is neither.
std::optional<std::int64_t> parse_start_at(std::string_view text);

struct SyncSchedule {
  std::int64_t start_at_unix_ms = 0;
  std::int64_t warmup_lead_ms = 0; // from a slot's beginning to its window's opening
  std::int64_t slot_ms = 0;

  std::int64_t slot_begins_unix_ms(std::size_t k) const {
    return start_at_unix_ms + static_cast<std::int64_t>(k) * slot_ms;
  }
  std::int64_t window_opens_unix_ms(std::size_t k) const {
    return slot_begins_unix_ms(k) + warmup_lead_ms;
  }
};

// The lead is 1 s plus 1 ms per warm-up request (`warmup_requests`: the most any selected
// row warms up); the slot is the lead, the window's --duration (which a synchronized run
// requires, > 0) and a 1 s tail.
SyncSchedule sync_schedule(std::int64_t start_at_unix_ms, double duration_seconds,
                           std::uint64_t warmup_requests);

} // namespace hcbench
