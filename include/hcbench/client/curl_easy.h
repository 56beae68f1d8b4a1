// What both libcurl runners (curl_runner.cpp's easy loop, multi_runner.cpp's multi handle)
// build on: the row's configuration, owners of libcurl handles, an easy handle set up for a
// cell, and how a finished transfer becomes the measured window's outcome.
#pragma once

#include "hcbench/client/cell.h"
#include "hcbench/client/response_check.h"

#include <curl/curl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace hcbench {

struct CurlConfig {
  bool new_handle_per_request = false; // a fresh easy handle (fresh connection cache) per request
  bool forbid_reuse = false;           // CURLOPT_FORBID_REUSE: close the connection after each
  bool save_body = false;              // append the body to a new std::string per request
  bool tls_session_cache = true;       // CURLOPT_SSL_SESSIONID_CACHE
  bool share_tls_sessions = false;     // new handles share TLS sessions through a share handle
};

// Owners of libcurl handles.
struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct CurlMultiDeleter {
  void operator()(CURLM* handle) const { curl_multi_cleanup(handle); }
};
struct CurlShareDeleter {
  void operator()(CURLSH* handle) const { curl_share_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlMulti = std::unique_ptr<CURLM, CurlMultiDeleter>;
using CurlShare = std::unique_ptr<CURLSH, CurlShareDeleter>;

// curl_global_init, once per process (thread-safe).
void ensure_curl_initialized();

// Where a transfer's body goes: checked always, kept only when the row saves bodies.
struct TransferSink {
  ResponseCheck* check = nullptr;
  std::string* saved = nullptr; // the new buffer of this request, or null to discard
};

// CURLOPT_HTTP_VERSION for the cell: 1.1, h2 by ALPN over HTTPS, h2c prior knowledge over HTTP.
long curl_http_version(const CellSpec& spec);

// Whether this libcurl can send a second request on an h2c prior-knowledge connection.
bool curl_reuses_h2c_connections();

// A new easy handle set up for the cell and configuration: URL, verification, timeouts,
// write callback into `sink`, reuse and TLS session options, and the share handle if any.
CurlEasy make_easy_handle(const CellSpec& spec, const CurlConfig& config, TransferSink* sink,
                          CURLSH* share);

// A share handle for TLS sessions between new handles, when the configuration asks for one.
CurlShare make_tls_session_share(const CurlConfig& config);

// The failure kind of a libcurl transfer error.
FailureKind failure_from_curl(CURLcode code);

// How one finished transfer ended, read from its handle before the handle is removed or
// freed (the runner frees it inside the timed request, after this).
struct TransferOutcome {
  std::optional<FailureKind> failure; // empty: it passed every check
  std::uint64_t new_connections = 0;  // CURLINFO_NUM_CONNECTS
  bool http2 = false;                 // the response came over HTTP/2 (one stream)
  std::string_view error_text;        // libcurl's words for a transfer error; static storage
};
// A transfer that passed libcurl's and the response's checks but came over another HTTP
// version than `http_version` asked is a protocol failure.
TransferOutcome transfer_outcome(CURL* handle, CURLcode code, ResponseCheck& check,
                                 std::string_view http_version);

} // namespace hcbench
