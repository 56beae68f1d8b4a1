#include "hcbench/client/curl_runner.h"

#include "hcbench/client/measured_window.h"
#include "hcbench/client/multi_runner.h"

#include <string>

namespace hcbench {

namespace {

// The sequential loop: one perform per request, as pycurl's Curl.perform() did.
CellMeasurement run_easy(const CellSpec& spec, const CurlConfig& config) {
  CellMeasurement out;
  ResponseCheck check(spec);
  TransferSink sink{&check, nullptr};
  CurlShare share = make_tls_session_share(config);
  CurlEasy reused;
  if (!config.new_handle_per_request) reused = make_easy_handle(spec, config, &sink, share.get());

  MeasuredWindow window(spec, out);
  Clock::time_point now = Clock::now();
  while (window.want_more(now)) {
    const Phase phase = window.start_request(now);
    // The configuration decides what a request allocates: a new handle and a new body
    // buffer only for the rows that ask for them, so the reuse-handle row allocates nothing.
    CurlEasy fresh;
    std::string body;
    sink.saved = config.save_body ? &body : nullptr;
    check.begin();

    const Clock::time_point started = Clock::now();
    if (config.new_handle_per_request) fresh = make_easy_handle(spec, config, &sink, share.get());
    CURL* handle = fresh ? fresh.get() : reused.get();
    const TransferOutcome outcome =
        transfer_outcome(handle, curl_easy_perform(handle), check, spec.http_version);
    // Freeing the handle and the buffer is part of what these configurations cost, as the
    // original's timed loop closed its cStringIO.
    if (fresh) fresh.reset();
    if (config.save_body) std::string().swap(body);
    const Clock::time_point ended = Clock::now();

    window.finish_request(phase, started, ended, outcome.failure, check.body_bytes(),
                          outcome.new_connections, outcome.error_text, outcome.http2 ? 1 : 0);
    now = ended;
  }
  window.close(Clock::now());
  return out;
}

} // namespace

CellMeasurement run_curl_cell(const CellSpec& spec, const CurlConfig& config) {
  ensure_curl_initialized();
  if (spec.concurrency > 1) return run_multi(spec, config);
  return run_easy(spec, config);
}

} // namespace hcbench
