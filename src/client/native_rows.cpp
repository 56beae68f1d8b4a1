#include "hcbench/client/native_rows.h"

#include "hcbench/client/curl_runner.h"
#include "hcbench/client/driver_rows.h"
#include "hcbench/client/floor_client.h"
#include "hcbench/client/floor_http2.h"

namespace hcbench {

namespace {

ClientRow curl_row(std::string id, bool reuse_connections, std::string options, CurlConfig config,
                   bool https_only = false) {
  ClientRow row;
  row.id = std::move(id);
  row.group = "native";
  row.library = "libcurl";
  row.reuse_connections = reuse_connections;
  row.options = std::move(options);
  row.supports_concurrency = true;
  row.http_versions = {"1.1", "2"};
  // A row that reuses connections multiplexes over HTTP/2 (multi_runner.cpp); one that
  // forbids reuse opens a connection per request whatever the version.
  if (!config.forbid_reuse && !config.new_handle_per_request)
    row.http2_concurrency_model = "multi handle, N streams on one connection";
  row.not_applicable = [https_only, reuse_connections](std::string_view protocol,
                                                       std::string_view version, unsigned) {
    if (https_only && protocol != "https") return std::string("a TLS session option: HTTPS only");
    if (reuse_connections && protocol == "http" && version == "2" && !curl_reuses_h2c_connections())
      return std::string("this libcurl cannot reuse an h2c prior-knowledge connection "
                         "(curl issue 10634, fixed in 8.0.0)");
    return std::string();
  };
  row.supports_rate = true;
  row.run = [config](const CellSpec& spec) { return run_curl_cell(spec, config); };
  return row;
}

} // namespace

std::vector<ClientRow> native_rows() {
  constexpr bool tls_only = true;
  return {
      curl_row("curl.reuse-handle.discard-body", true, "Reuse handle, don't save body",
               CurlConfig{}),
      curl_row("curl.reuse-handle.save-body", true, "Reuse handle, save response to new buffer",
               CurlConfig{.save_body = true}),
      curl_row("curl.forbid-reuse.save-body", false, "Reuse handle, save response to new buffer",
               CurlConfig{.forbid_reuse = true, .save_body = true}),
      curl_row("curl.new-handle.save-body", false, "New handle, save response to new buffer",
               CurlConfig{.new_handle_per_request = true, .save_body = true}),
      curl_row("curl.forbid-reuse.save-body.no-tls-session", false,
               "Reuse handle, save response to new buffer, no TLS session reuse",
               CurlConfig{.forbid_reuse = true, .save_body = true, .tls_session_cache = false},
               tls_only),
      curl_row(
          "curl.new-handle.save-body.shared-tls-session", false,
          "New handle, save response to new buffer, TLS sessions shared",
          CurlConfig{.new_handle_per_request = true, .save_body = true, .share_tls_sessions = true},
          tls_only),
  };
}

std::vector<ClientRow> floor_rows() {
  ClientRow row;
  row.id = "floor.raw-socket";
  row.group = "floor";
  row.library = "raw socket";
  row.reuse_connections = true;
  row.options = "Floor: keep-alive HTTP/1.1, blocking socket, no library";
  row.supports_concurrency = true;
  row.supports_rate = true;
  row.concurrency_model = "N non-blocking connections on epoll";
  row.run = run_floor_cell;

  ClientRow http2;
  http2.id = "floor.nghttp2";
  http2.group = "floor";
  http2.library = "nghttp2 session";
  http2.reuse_connections = true;
  http2.options = "Floor: h2c prior knowledge or h2 by ALPN over OpenSSL, blocking socket, nothing "
                  "above nghttp2";
  http2.supports_concurrency = true;
  http2.http_versions = {"2"};
  http2.http2_concurrency_model = "N streams on one connection";
  http2.run = run_floor_http2_cell;
  return {row, http2};
}

std::vector<ClientRow> all_rows() {
  // The original's rows first, in its order (the Python drivers), then Node.js, then ours.
  std::vector<ClientRow> rows = driver_rows();
  for (auto& row : native_rows()) rows.push_back(std::move(row));
  for (auto& row : floor_rows()) rows.push_back(std::move(row));
  return rows;
}

} // namespace hcbench
