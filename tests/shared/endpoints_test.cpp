#include "hcbench/shared/digest.h"
#include "hcbench/shared/endpoints.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace hcbench {
namespace {

struct RouteCase {
  const char* method;
  const char* target;
  int status;
  Endpoint endpoint = Endpoint::ping;
  std::uint64_t length = 0; // n of /length/<n>, or ms of /delay/<ms>
};

class RouterTest : public testing::TestWithParam<RouteCase> {};

TEST_P(RouterTest, MatchesTable) {
  const auto& c = GetParam();
  const RouteMatch match = match_route(c.method, c.target, 1 << 20, 10000);
  EXPECT_EQ(match.status, c.status) << c.method << " " << c.target;
  if (c.status == 200) {
    EXPECT_EQ(match.route.endpoint, c.endpoint);
    EXPECT_EQ(c.endpoint == Endpoint::delay ? match.route.delay_ms : match.route.length, c.length);
    EXPECT_EQ(match.route.head, std::string_view(c.method) == "HEAD");
    EXPECT_TRUE(match.reason.empty());
  } else {
    EXPECT_FALSE(match.reason.empty());
    EXPECT_EQ(match.route.head, std::string_view(c.method) == "HEAD");
    EXPECT_EQ(match.reason.back(), '\n');
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, RouterTest,
    testing::Values(RouteCase{"GET", "/ping", 200, Endpoint::ping},
                    RouteCase{"HEAD", "/ping", 200, Endpoint::ping},
                    RouteCase{"GET", "/ping?x=1", 200, Endpoint::ping},
                    RouteCase{"GET", "http://localhost:8080/ping", 200, Endpoint::ping},
                    RouteCase{"GET", "https://h", 404},
                    RouteCase{"GET", "/bigger", 200, Endpoint::bigger},
                    RouteCase{"GET", "/stats", 200, Endpoint::stats},
                    RouteCase{"GET", "/length/0", 200, Endpoint::length, 0},
                    RouteCase{"GET", "/length/1024", 200, Endpoint::length, 1024},
                    RouteCase{"HEAD", "/length/1024", 200, Endpoint::length, 1024},
                    RouteCase{"GET", "/length/007", 200, Endpoint::length, 7},
                    RouteCase{"GET", "/length/1048576", 200, Endpoint::length, 1048576},
                    RouteCase{"GET", "/length/1048577", 413}, RouteCase{"GET", "/length/-1", 400},
                    RouteCase{"GET", "/length/+1", 400}, RouteCase{"GET", "/length/1x", 400},
                    RouteCase{"GET", "/length/1.0", 400}, RouteCase{"GET", "/length/%31", 400},
                    RouteCase{"GET", "/length/", 400},
                    RouteCase{"GET", "/length/99999999999999999999999", 400},
                    RouteCase{"GET", "/length", 404}, RouteCase{"GET", "/", 404},
                    RouteCase{"HEAD", "/nope", 404}, RouteCase{"HEAD", "/length/x", 400},
                    RouteCase{"GET", "/ping/", 404}, RouteCase{"GET", "/PING", 404},
                    RouteCase{"POST", "/ping", 405}, RouteCase{"DELETE", "/length/1", 405},
                    RouteCase{"OPTIONS", "/bigger", 405}, RouteCase{"POST", "/nowhere", 404},
                    RouteCase{"GET", "/delay/0", 200, Endpoint::delay, 0},
                    RouteCase{"GET", "/delay/10?x", 200, Endpoint::delay, 10},
                    RouteCase{"HEAD", "/delay/250", 200, Endpoint::delay, 250},
                    RouteCase{"GET", "/delay/10000", 200, Endpoint::delay, 10000},
                    RouteCase{"GET", "/delay/10001", 400}, RouteCase{"GET", "/delay/", 400},
                    RouteCase{"GET", "/delay/1.5", 400}, RouteCase{"GET", "/delay/-1", 400},
                    RouteCase{"GET", "/delay", 404}, RouteCase{"POST", "/delay/1", 405}));

TEST(Endpoints, DelayPathRoundTrips) {
  EXPECT_EQ(endpoint_path(Endpoint::delay, 10), "/delay/10");
  EXPECT_EQ(endpoint_name(Endpoint::delay), "delay");
}

TEST(Endpoints, BiggerIsExactly585BytesOfValidJson) {
  EXPECT_EQ(bigger_document().size(), 585u);
  EXPECT_EQ(bigger_resource()->body.size(), 585u);
  EXPECT_TRUE(nlohmann::json::accept(bigger_document()));
  EXPECT_EQ(bigger_resource()->content_type, "application/json");
}

TEST(Endpoints, PingIsPong) {
  EXPECT_EQ(ping_resource()->body, "pong");
  EXPECT_EQ(ping_resource()->content_type, "text/plain");
}

TEST(Endpoints, HeaderLinesCarryLengthAndDigest) {
  const auto& ping = ping_resource();
  EXPECT_EQ(ping->headers(ContentTypeMode::native),
            "Content-Type: text/plain\r\nContent-Length: 4\r\nRepr-Digest: " + ping->digest +
                "\r\n");
  EXPECT_NE(ping->headers(ContentTypeMode::original).find("text/html; charset=utf-8"),
            std::string::npos);
}

TEST(Endpoints, PathsRoundTripThroughTheRouter) {
  for (auto endpoint : {Endpoint::ping, Endpoint::bigger, Endpoint::length, Endpoint::stats}) {
    const auto match = match_route("GET", endpoint_path(endpoint, 4096));
    EXPECT_EQ(match.status, 200);
    EXPECT_EQ(match.route.endpoint, endpoint);
  }
}

TEST(Digest, KnownSha256Vectors) {
  // FIPS 180-2 test vector and RFC 9530's example encoding.
  EXPECT_EQ(repr_digest(std::string_view("abc")),
            "sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=:");
  EXPECT_EQ(repr_digest(std::string_view("")),
            "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:");
}

TEST(Digest, StreamEqualsOneShot) {
  const std::string data(10000, 'x');
  Sha256Stream stream;
  stream.update(std::string_view(data).substr(0, 3333));
  stream.update(std::string_view(data).substr(3333));
  EXPECT_EQ(stream.finish(), sha256(data));
  stream.update(std::string_view("abc"));
  EXPECT_EQ(stream.finish(), sha256(std::string_view("abc")));
}

TEST(Base64, Padding) {
  const std::uint8_t bytes[] = {'f', 'o', 'o', 'b', 'a', 'r'};
  EXPECT_EQ(base64(std::span(bytes, 0)), "");
  EXPECT_EQ(base64(std::span(bytes, 1)), "Zg==");
  EXPECT_EQ(base64(std::span(bytes, 2)), "Zm8=");
  EXPECT_EQ(base64(std::span(bytes, 3)), "Zm9v");
  EXPECT_EQ(base64(std::span(bytes, 6)), "Zm9vYmFy");
}

} // namespace
} // namespace hcbench
