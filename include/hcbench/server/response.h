// What the server answers to a request, whatever the HTTP version: the status, the body and
// what describes it. Http1Session writes it as an HTTP/1.1 message, Http2Session as HEADERS
// and DATA frames, so both versions answer with the same bytes and the same headers.
#pragma once

#include "hcbench/server/config.h"
#include "hcbench/shared/endpoints.h"
#include "hcbench/shared/payload.h"

#include <memory>
#include <string>
#include <string_view>

namespace hcbench {

struct SessionServices;

struct Response {
  enum class Kind {
    resource, // a payload (ping, bigger, /length/<n>) with its precomputed header lines
    stats,    // the /stats document, made for this request
    error,    // a plain-text reason with an error status
  };

  Kind kind = Kind::error;
  int status = 200;
  bool head = false; // HEAD: headers with the body's length, no body
  // Kind::resource: a fixed body (ping, bigger) is referred to, not held: holding it would
  // bump a reference count that every thread shares on every request.
  const std::shared_ptr<const Resource>* fixed = nullptr;
  std::shared_ptr<const Resource> payload;  // Kind::resource: a /length/<n> payload
  std::shared_ptr<const std::string> stats; // Kind::stats
  std::string_view reason;                  // Kind::error: the body, outliving the writing

  const std::shared_ptr<const Resource>& resource() const { return fixed ? *fixed : payload; }
  // The body a GET carries (also what Content-Length counts for HEAD).
  std::string_view body() const;
  // Keeps body() alive: the resource or the stats document (null for static reasons).
  std::shared_ptr<const void> body_owner() const;
  std::string_view content_type(ContentTypeMode mode) const;
  // Repr-Digest value, empty when the response has none (stats, errors).
  std::string_view digest() const;
  bool no_store() const { return kind == Kind::stats; } // Cache-Control: no-store
  bool allow_header() const { return status == 405; }   // Allow: GET, HEAD
};

// The response to a routed request. Counts it by status in services.counters.
Response make_response(const RouteMatch& match, SessionServices& services);
// An error response outside the router (413 for a declared body too large, 431, 408...).
// Counts it by status in services.counters.
Response make_error_response(int status, std::string_view reason, bool head,
                             SessionServices& services);

// "Not Found" for 404, and so on, for the statuses the server answers with.
std::string_view status_text(int status);

inline constexpr std::string_view error_content_type = "text/plain; charset=utf-8";
inline constexpr std::string_view stats_content_type = "application/json";

} // namespace hcbench
