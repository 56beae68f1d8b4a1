#include "hcbench/client/curl_easy.h"

#include <mutex>
#include <stdexcept>

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

long curl_http_version(const CellSpec& spec) {
  // HTTP/1.1 is asked for explicitly: libcurl's default over HTTPS is to offer h2 by ALPN,
  // which would turn the HTTP/1.1 rows into HTTP/2 ones against a server that speaks both.
  if (spec.http_version != "2") return CURL_HTTP_VERSION_1_1;
  return spec.url.rfind("https://", 0) == 0 ? CURL_HTTP_VERSION_2TLS
                                            : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
}

bool curl_reuses_h2c_connections() {
  // curl issue 10634: before 8.0.0 a reused h2c prior-knowledge connection fails its next
  // request with "Error in the HTTP2 framing layer" (Debian 12's 7.88.1 does, checked by
  // hand against nghttpd).
  return curl_version_info(CURLVERSION_NOW)->version_num >= 0x080000;
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
  set(h, CURLOPT_HTTP_VERSION, curl_http_version(spec));
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

TransferOutcome transfer_outcome(CURL* handle, CURLcode code, ResponseCheck& check,
                                 std::string_view http_version) {
  TransferOutcome out;
  long version = 0;
  curl_easy_getinfo(handle, CURLINFO_HTTP_VERSION, &version);
  out.http2 = version == CURL_HTTP_VERSION_2_0;
  if (code != CURLE_OK) {
    out.failure = failure_from_curl(code);
    out.error_text = curl_easy_strerror(code);
  } else if ((http_version == "2") != out.http2) {
    // A response over the other version is not what the cell measures: a server without
    // h2 in its ALPN answers HTTP/1.1 to CURL_HTTP_VERSION_2TLS.
    out.failure = FailureKind::protocol;
    out.error_text = http_version == "2" ? "the server answered over HTTP/1.1, not HTTP/2"
                                         : "the server answered over HTTP/2, not HTTP/1.1";
  } else {
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    out.failure = check.finish(status);
  }
  long connects = 0;
  curl_easy_getinfo(handle, CURLINFO_NUM_CONNECTS, &connects);
  out.new_connections = static_cast<std::uint64_t>(connects);
  return out;
}

} // namespace hcbench
