#include "hcbench/client/multi_runner.h"

#include "hcbench/client/measured_window.h"
#include "hcbench/client/rate_schedule.h"

#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hcbench {

namespace {

// One transfer in flight: its handle, its checks and its body buffer.
struct Slot {
  explicit Slot(const CellSpec& spec) : check(spec) { sink.check = &check; }
  CurlEasy handle;
  ResponseCheck check;
  TransferSink sink;
  std::string body;
  Phase phase = Phase::warmup;
  Clock::time_point started{}; // latency origin: the start, or the due time (open loop)
  bool busy = false;
};

} // namespace

CellMeasurement run_multi(const CellSpec& spec, const CurlConfig& row_config) {
  CurlConfig config = row_config;
  // Handles in a multi share its connection pool, so a new handle would silently reuse a
  // connection; the new-handle rows promise new connections and keep that promise here.
  if (config.new_handle_per_request) config.forbid_reuse = true;
  const bool open_loop = spec.rate > 0;

  CellMeasurement out;
  CurlMulti multi(curl_multi_init());
  if (!multi) throw std::runtime_error("curl_multi_init failed");
  // Over HTTP/2 a row that reuses connections runs its N transfers as N streams on ONE
  // connection: at most one connection to the host, and each new transfer waits for it
  // (PIPEWAIT) instead of opening its own while the first is still connecting. A row that
  // forbids reuse opens a connection per transfer, as over HTTP/1.1: without
  // CURLPIPE_NOTHING libcurl would multiplex a new transfer onto another's connection while
  // that one is still open (checked by hand: 130 connections for 200 requests at 8).
  const bool multiplex = spec.http_version == "2" && !config.forbid_reuse;
  if (multiplex) {
    curl_multi_setopt(multi.get(), CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, 1L);
  } else if (spec.http_version == "2") {
    curl_multi_setopt(multi.get(), CURLMOPT_PIPELINING, CURLPIPE_NOTHING);
  }
  if (open_loop && !multiplex) {
    // Concurrency is the transfers (so connections) at most. Requests due beyond them wait
    // in our queue, not libcurl's: a backlog of handles pending in libcurl for a connection
    // was measured to cap a row near 1,000 requests/s, whatever the server could do. (A
    // multiplexed row keeps its one connection: its transfers are streams.)
    curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS,
                      static_cast<long>(spec.concurrency));
    curl_multi_setopt(multi.get(), CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      static_cast<long>(spec.concurrency));
  }
  CurlShare share = make_tls_session_share(config);
  // One slot per transfer in flight: made up front (closed loop) or as requests fall due
  // (open loop), then reused once free.
  std::vector<std::unique_ptr<Slot>> slots;
  std::vector<Slot*> free_slots;
  auto new_slot = [&]() -> Slot& {
    slots.push_back(std::make_unique<Slot>(spec));
    if (!config.new_handle_per_request) {
      slots.back()->handle = make_easy_handle(spec, config, &slots.back()->sink, share.get());
    }
    return *slots.back();
  };
  if (!open_loop) {
    for (unsigned i = 0; i < spec.concurrency; ++i) free_slots.push_back(&new_slot());
  }

  MeasuredWindow window(spec, out);
  // `origin` is where the request's latency counts from: now, or its due time.
  auto start = [&](Slot& slot, Phase phase, Clock::time_point origin) {
    slot.phase = phase;
    slot.sink.saved = config.save_body ? &slot.body : nullptr;
    slot.check.begin();
    slot.started = origin;
    if (config.new_handle_per_request) {
      slot.handle = make_easy_handle(spec, config, &slot.sink, share.get());
    }
    curl_easy_setopt(slot.handle.get(), CURLOPT_PRIVATE, static_cast<void*>(&slot));
    if (multiplex) curl_easy_setopt(slot.handle.get(), CURLOPT_PIPEWAIT, 1L);
    curl_multi_add_handle(multi.get(), slot.handle.get());
    slot.busy = true;
  };

  std::size_t busy = 0;
  // Open loop: started (due) requests waiting for a free transfer slot, oldest first.
  struct Waiting {
    Phase phase;
    Clock::time_point due;
  };
  std::deque<Waiting> waiting;
  Clock::time_point now = Clock::now();
  std::optional<RateSchedule> schedule;
  std::optional<DueTimer> timer;
  curl_waitfd timer_wait{};
  if (open_loop) {
    schedule.emplace(spec.rate, now);
    timer.emplace();
    timer_wait.fd = timer->fd();
    timer_wait.events = CURL_WAIT_POLLIN;
  } else {
    while (!free_slots.empty() && window.want_more(now)) {
      Slot& slot = *free_slots.back();
      free_slots.pop_back();
      start(slot, window.start_request(now), Clock::now());
      ++busy;
      now = Clock::now();
    }
  }
  for (;;) {
    if (open_loop) {
      // Every request due by now starts, whatever is still in flight (up to the limit), and
      // goes to a transfer slot as soon as one of the `concurrency` is free.
      now = Clock::now();
      while (window.want_more(now) && busy + waiting.size() < spec.max_in_flight &&
             schedule->next_due() <= now) {
        const Clock::time_point due = schedule->next_due();
        waiting.push_back({window.start_request(now, due), due});
        schedule->advance();
      }
      while (!waiting.empty() && busy < spec.concurrency) {
        Slot& slot = free_slots.empty() ? new_slot() : *free_slots.back();
        if (!free_slots.empty()) free_slots.pop_back();
        start(slot, waiting.front().phase, waiting.front().due);
        waiting.pop_front();
        ++busy;
      }
      if (busy == 0 && waiting.empty() && !window.want_more(now)) break;
    } else if (busy == 0) {
      break;
    }
    int running = 0;
    curl_multi_perform(multi.get(), &running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi.get(), &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* handle = message->easy_handle;
      const CURLcode code = message->data.result; // read before the handle is removed
      void* private_data = nullptr;
      curl_easy_getinfo(handle, CURLINFO_PRIVATE, &private_data);
      Slot& slot = *static_cast<Slot*>(private_data);
      const TransferOutcome outcome = transfer_outcome(handle, code, slot.check, spec.http_version);
      curl_multi_remove_handle(multi.get(), handle);
      // A new buffer per request: this one is freed inside the timed request.
      if (config.save_body) std::string().swap(slot.body);
      if (config.new_handle_per_request) slot.handle.reset();
      const Clock::time_point ended = Clock::now();
      window.finish_request(slot.phase, slot.started, ended, outcome.failure,
                            slot.check.body_bytes(), outcome.new_connections, outcome.error_text,
                            outcome.http2 ? 1 : 0);
      slot.busy = false;
      --busy;
      if (!open_loop && window.want_more(ended)) {
        start(slot, window.start_request(ended), Clock::now());
        ++busy;
      } else {
        free_slots.push_back(&slot);
      }
    }
    if (open_loop) {
      now = Clock::now();
      const bool more = window.want_more(now) && busy + waiting.size() < spec.max_in_flight;
      if (more) timer->arm(schedule->next_due());
      if (busy > 0 || more) {
        curl_multi_poll(multi.get(), more ? &timer_wait : nullptr, more ? 1 : 0, 100, nullptr);
      }
      timer->clear();
    } else if (busy > 0) {
      curl_multi_poll(multi.get(), nullptr, 0, 100, nullptr);
    }
  }
  window.close(Clock::now());
  return out;
}

} // namespace hcbench
