// The native libcurl rows: one easy handle reused or a new one per request, connection reuse
// allowed or forbidden, the body discarded or saved into a new buffer per request, and the
// TLS session cache on, off or shared between new handles. Sequential cells use
// curl_easy_perform, as the original did through pycurl; cells with concurrency > 1 run the
// same configuration through the multi interface (multi_runner.h).
#pragma once

#include "hcbench/client/cell.h"
#include "hcbench/client/response_check.h"

#include <curl/curl.h>

#include <memory>
#include <string>

namespace hcbench {

struct CurlConfig {
  bool new_handle_per_request = false; // a fresh easy handle (fresh connection cache) per request
  bool forbid_reuse = false;           // CURLOPT_FORBID_REUSE: close the connection after each
  bool save_body = false;              // append the body to a new std::string per request
  bool tls_session_cache = true;       // CURLOPT_SSL_SESSIONID_CACHE
  bool share_tls_sessions = false;     // new handles share TLS sessions through a share handle
};

// Runs one cell: curl_easy_perform in a loop when spec.concurrency is 1, the multi
// interface otherwise.
CellMeasurement run_curl_cell(const CellSpec& spec, const CurlConfig& config);

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

// A new easy handle set up for the cell and configuration: URL, verification, timeouts,
// write callback into `sink`, reuse and TLS session options, and the share handle if any.
CurlEasy make_easy_handle(const CellSpec& spec, const CurlConfig& config, TransferSink* sink,
                          CURLSH* share);

// A share handle for TLS sessions between new handles, when the configuration asks for one.
CurlShare make_tls_session_share(const CurlConfig& config);

// The failure kind of a libcurl transfer error.
FailureKind failure_from_curl(CURLcode code);

} // namespace hcbench
