#include "hcbench/client/server_stats.h"

#include "hcbench/client/curl_easy.h"

#include <nlohmann/json.hpp>

#include <string>

namespace hcbench {

namespace {

std::size_t append_text(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

std::uint64_t counter(const nlohmann::json& json, std::initializer_list<const char*> path) {
  const nlohmann::json* node = &json;
  for (const char* key : path) {
    if (!node->is_object()) return 0;
    const auto it = node->find(key);
    if (it == node->end()) return 0;
    node = &*it;
  }
  return node->is_number_unsigned() || node->is_number_integer() ? node->get<std::uint64_t>() : 0;
}

std::uint64_t minus(std::uint64_t after, std::uint64_t before, std::uint64_t reading) {
  return after >= before + reading ? after - before - reading : 0;
}

} // namespace

std::optional<ServerCounters> parse_server_stats(std::string_view text) {
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object() || !json.contains("requests")) return std::nullopt;
  ServerCounters c;
  c.requests = counter(json, {"requests", "total"});
  c.requests_ok = counter(json, {"requests", "by_status", "200"});
  c.connections = counter(json, {"connections", "accepted"});
  // HTTP/2 counters, from a server that speaks it (docs/endpoints.md, /stats "protocols").
  c.http2_connections = counter(json, {"protocols", "http2", "connections", "accepted"});
  c.http2_streams = counter(json, {"protocols", "http2", "streams"});
  c.tls_full = counter(json, {"tls", "handshakes_full"});
  c.tls_resumed = counter(json, {"tls", "handshakes_resumed"});
  c.tls_failures = counter(json, {"tls", "handshake_failures"});
  return c;
}

std::optional<ServerCounters> fetch_server_stats(const std::string& base) {
  ensure_curl_initialized();
  CurlEasy handle(curl_easy_init());
  if (!handle) return std::nullopt;
  std::string body;
  const std::string url = base + "/stats";
  curl_easy_setopt(handle.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle.get(), CURLOPT_WRITEFUNCTION, append_text);
  curl_easy_setopt(handle.get(), CURLOPT_WRITEDATA, static_cast<void*>(&body));
  curl_easy_setopt(handle.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle.get(), CURLOPT_TIMEOUT_MS, 5000L);
  if (curl_easy_perform(handle.get()) != CURLE_OK) return std::nullopt;
  long status = 0;
  curl_easy_getinfo(handle.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) return std::nullopt;
  return parse_server_stats(body);
}

ServerCounters server_delta(const ServerCounters& before, const ServerCounters& after) {
  // Whether the server counts a request when it arrives or when it is answered, the
  // interval holds exactly one /stats request and one /stats connection of our own.
  return {
      minus(after.requests, before.requests, 1),
      minus(after.requests_ok, before.requests_ok, 1),
      minus(after.connections, before.connections, 1),
      // The /stats reads speak HTTP/1.1: nothing of ours to take off.
      minus(after.http2_connections, before.http2_connections, 0),
      minus(after.http2_streams, before.http2_streams, 0),
      minus(after.tls_full, before.tls_full, 0),
      minus(after.tls_resumed, before.tls_resumed, 0),
      minus(after.tls_failures, before.tls_failures, 0),
  };
}

std::optional<std::string> probe_unreachable(const std::string& url, bool insecure,
                                             const std::string& cacert) {
  ensure_curl_initialized();
  CurlEasy handle(curl_easy_init());
  if (!handle) return "curl_easy_init failed";
  char error[CURL_ERROR_SIZE] = {};
  CURL* h = handle.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, insecure ? 0L : 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, insecure ? 0L : 2L);
  if (!insecure && !cacert.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, cacert.c_str());
  const CURLcode code = curl_easy_perform(h);
  if (code == CURLE_OK) return std::nullopt;
  return error[0] ? std::string(error) : std::string(curl_easy_strerror(code));
}

} // namespace hcbench
