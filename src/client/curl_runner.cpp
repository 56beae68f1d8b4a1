#include "hcbench/client/curl_runner.h"

#include "hcbench/client/measured_window.h"
#include "hcbench/client/multi_runner.h"

#include <mutex>
#include <stdexcept>
#include <string>

namespace hcbench {

namespace {

std::size_t write_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<TransferSink*>(user);
  const std::size_t bytes = size * count;
  sink->check->on_body({data, bytes});
  if (sink->saved) sink->saved->append(data, bytes);
  return bytes;
}

void set(CURL* handle, CURLoption option, auto value) {
  if (curl_easy_setopt(handle, option, value) != CURLE_OK) {
    throw std::runtime_error("libcurl rejected an option");
  }
}

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
    const CURLcode code = curl_easy_perform(handle);
    std::optional<FailureKind> failure;
    long status = 0;
    if (code != CURLE_OK) {
      failure = failure_from_curl(code);
    } else {
      curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
      failure = check.finish(status);
    }
    long connects = 0;
    curl_easy_getinfo(handle, CURLINFO_NUM_CONNECTS, &connects);
    // Freeing the handle and the buffer is part of what these configurations cost, as the
    // original's timed loop closed its cStringIO.
    if (fresh) fresh.reset();
    if (config.save_body) std::string().swap(body);
    const Clock::time_point ended = Clock::now();

    window.finish_request(phase, started, ended, failure, check.body_bytes(),
                          static_cast<std::uint64_t>(connects),
                          code != CURLE_OK ? curl_easy_strerror(code) : std::string_view{});
    now = ended;
  }
  window.close(Clock::now());
  return out;
}

} // namespace

void ensure_curl_initialized() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CurlShare make_tls_session_share(const CurlConfig& config) {
  if (!config.share_tls_sessions) return {};
  CurlShare share(curl_share_init());
  if (!share) throw std::runtime_error("curl_share_init failed");
  curl_share_setopt(share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  return share;
}

CurlEasy make_easy_handle(const CellSpec& spec, const CurlConfig& config, TransferSink* sink,
                          CURLSH* share) {
  CurlEasy handle(curl_easy_init());
  if (!handle) throw std::runtime_error("curl_easy_init failed");
  CURL* h = handle.get();
  set(h, CURLOPT_URL, spec.url.c_str());
  set(h, CURLOPT_WRITEFUNCTION, write_body);
  set(h, CURLOPT_WRITEDATA, static_cast<void*>(sink));
  set(h, CURLOPT_NOSIGNAL, 1L);
  set(h, CURLOPT_TIMEOUT_MS, static_cast<long>(spec.request_timeout_seconds * 1000));
  set(h, CURLOPT_SSL_VERIFYPEER, spec.insecure ? 0L : 1L);
  set(h, CURLOPT_SSL_VERIFYHOST, spec.insecure ? 0L : 2L);
  if (!spec.insecure && !spec.cacert.empty()) set(h, CURLOPT_CAINFO, spec.cacert.c_str());
  set(h, CURLOPT_FORBID_REUSE, config.forbid_reuse ? 1L : 0L);
  set(h, CURLOPT_SSL_SESSIONID_CACHE, config.tls_session_cache ? 1L : 0L);
  if (share) set(h, CURLOPT_SHARE, share);
  return handle;
}

FailureKind failure_from_curl(CURLcode code) {
  switch (code) {
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_CONNECT:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
    return FailureKind::connect;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_SHUTDOWN_FAILED:
  case CURLE_SSL_CRL_BADFILE:
    return FailureKind::tls;
  case CURLE_OPERATION_TIMEDOUT:
    return FailureKind::timeout;
  case CURLE_PARTIAL_FILE:
  case CURLE_BAD_CONTENT_ENCODING:
    return FailureKind::length;
  case CURLE_WEIRD_SERVER_REPLY:
  case CURLE_UNSUPPORTED_PROTOCOL:
  case CURLE_HTTP2:
    return FailureKind::protocol;
  default:
    return FailureKind::other;
  }
}

CellMeasurement run_curl_cell(const CellSpec& spec, const CurlConfig& config) {
  ensure_curl_initialized();
  if (spec.concurrency > 1) return run_multi(spec, config);
  return run_easy(spec, config);
}

} // namespace hcbench
