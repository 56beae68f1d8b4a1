#include "hcbench/server/response.h"

#include "hcbench/server/session_services.h"

namespace hcbench {

std::string_view Response::body() const {
  switch (kind) {
  case Kind::resource:
    return resource()->body;
  case Kind::stats:
    return *stats;
  case Kind::error:
    return reason;
  }
  return {};
}

std::shared_ptr<const void> Response::body_owner() const {
  if (kind == Kind::resource) return resource();
  if (kind == Kind::stats) return stats;
  return nullptr;
}

std::string_view Response::content_type(ContentTypeMode mode) const {
  switch (kind) {
  case Kind::resource:
    return resource()->content_type_for(mode);
  case Kind::stats:
    return stats_content_type;
  case Kind::error:
    return error_content_type;
  }
  return {};
}

std::string_view Response::digest() const {
  return kind == Kind::resource ? std::string_view(resource()->digest) : std::string_view();
}

Response make_response(const RouteMatch& match, SessionServices& services) {
  if (match.status != 200) {
    return make_error_response(match.status, match.reason, match.route.head, services);
  }
  services.counters->count_status(200);
  Response response;
  response.status = 200;
  response.head = match.route.head;
  const Route& route = match.route;
  if (route.endpoint == Endpoint::stats) {
    response.kind = Response::Kind::stats;
    response.stats = std::make_shared<const std::string>(services.stats_json());
    return response;
  }
  response.kind = Response::Kind::resource;
  if (route.endpoint == Endpoint::ping) {
    response.fixed = &ping_resource();
  } else if (route.endpoint == Endpoint::bigger) {
    response.fixed = &bigger_resource();
  } else {
    response.payload = services.payloads->get(route.length);
  }
  return response;
}

Response make_error_response(int status, std::string_view reason, bool head,
                             SessionServices& services) {
  services.counters->count_status(status);
  Response response;
  response.kind = Response::Kind::error;
  response.status = status;
  response.head = head;
  response.reason = reason;
  return response;
}

std::string_view status_text(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 400:
    return "Bad Request";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 413:
    return "Content Too Large";
  case 431:
    return "Request Header Fields Too Large";
  case 505:
    return "HTTP Version Not Supported";
  default:
    return "Internal Server Error";
  }
}

} // namespace hcbench
