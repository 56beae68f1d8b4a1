#include "hcbench/client/multi_runner.h"

#include "hcbench/client/measured_window.h"

#include <memory>
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
  Clock::time_point started{};
  bool busy = false;
};

} // namespace

CellMeasurement run_multi(const CellSpec& spec, const CurlConfig& row_config) {
  CurlConfig config = row_config;
  // Handles in a multi share its connection pool, so a new handle would silently reuse a
  // connection; the new-handle rows promise new connections and keep that promise here.
  if (config.new_handle_per_request) config.forbid_reuse = true;

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
  CurlShare share = make_tls_session_share(config);
  std::vector<std::unique_ptr<Slot>> slots;
  for (unsigned i = 0; i < spec.concurrency; ++i) {
    slots.push_back(std::make_unique<Slot>(spec));
    if (!config.new_handle_per_request) {
      slots.back()->handle = make_easy_handle(spec, config, &slots.back()->sink, share.get());
    }
  }

  MeasuredWindow window(spec, out);
  auto start = [&](Slot& slot, Clock::time_point now) {
    slot.phase = window.start_request(now);
    slot.sink.saved = config.save_body ? &slot.body : nullptr;
    slot.check.begin();
    slot.started = Clock::now();
    if (config.new_handle_per_request) {
      slot.handle = make_easy_handle(spec, config, &slot.sink, share.get());
    }
    curl_easy_setopt(slot.handle.get(), CURLOPT_PRIVATE, static_cast<void*>(&slot));
    if (multiplex) curl_easy_setopt(slot.handle.get(), CURLOPT_PIPEWAIT, 1L);
    curl_multi_add_handle(multi.get(), slot.handle.get());
    slot.busy = true;
  };

  std::size_t busy = 0;
  for (auto& slot : slots) {
    const auto now = Clock::now();
    if (!window.want_more(now)) break;
    start(*slot, now);
    ++busy;
  }
  while (busy > 0) {
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
      if (window.want_more(ended)) {
        start(slot, ended);
        ++busy;
      }
    }
    if (busy > 0) curl_multi_poll(multi.get(), nullptr, 0, 100, nullptr);
  }
  window.close(Clock::now());
  return out;
}

} // namespace hcbench
