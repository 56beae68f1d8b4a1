#include "hcbench/client/floor_client.h"
#include "hcbench/client/response_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace hcbench {
namespace {

struct Parsed {
  ResponseParser::State state;
  int status = 0;
  std::string body;
  std::size_t consumed = 0;
  bool closes = false;
};

// Feeds `bytes` in pieces of `chunk` bytes, as reads from a socket would deliver them.
Parsed parse_in_chunks(const std::string& bytes, std::size_t chunk) {
  ResponseParser parser;
  Parsed out;
  std::size_t at = 0;
  while (at < bytes.size() && parser.state() != ResponseParser::State::complete &&
         parser.state() != ResponseParser::State::error) {
    std::span<const char> piece(bytes.data() + at, std::min(chunk, bytes.size() - at));
    while (!piece.empty() && parser.state() != ResponseParser::State::complete &&
           parser.state() != ResponseParser::State::error) {
      const auto progress = parser.feed(piece);
      out.body.append(progress.body.data(), progress.body.size());
      out.consumed += progress.consumed;
      at += progress.consumed;
      piece = piece.subspan(progress.consumed);
    }
  }
  out.state = parser.state();
  out.status = parser.status();
  out.closes = parser.closes_connection();
  return out;
}

const std::string ok_response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                                "content-length: 4\r\nRepr-Digest: x\r\n\r\npong";

TEST(ResponseParser, ParsesAResponseAtEveryChunkSize) {
  for (std::size_t chunk = 1; chunk <= ok_response.size(); ++chunk) {
    const Parsed p = parse_in_chunks(ok_response, chunk);
    EXPECT_EQ(p.state, ResponseParser::State::complete) << chunk;
    EXPECT_EQ(p.status, 200);
    EXPECT_EQ(p.body, "pong");
    EXPECT_EQ(p.consumed, ok_response.size());
    EXPECT_FALSE(p.closes);
  }
}

TEST(ResponseParser, StopsAtTheEndOfTheResponse) {
  const std::string two = ok_response + ok_response;
  const Parsed p = parse_in_chunks(two, two.size());
  EXPECT_EQ(p.state, ResponseParser::State::complete);
  EXPECT_EQ(p.consumed, ok_response.size());
}

TEST(ResponseParser, ReadsStatusAndConnectionClose) {
  const Parsed p = parse_in_chunks(
      "HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 9\r\n\r\nnot found", 7);
  EXPECT_EQ(p.state, ResponseParser::State::complete);
  EXPECT_EQ(p.status, 404);
  EXPECT_EQ(p.body, "not found");
  EXPECT_TRUE(p.closes);
  EXPECT_TRUE(parse_in_chunks("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", 64).closes);
  EXPECT_FALSE(
      parse_in_chunks("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", 64)
          .closes);
}

TEST(ResponseParser, EmptyBodyCompletesAtTheHead) {
  const Parsed p = parse_in_chunks("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 3);
  EXPECT_EQ(p.state, ResponseParser::State::complete);
  EXPECT_EQ(p.body, "");
}

struct BadCase {
  const char* bytes;
};
class ResponseParserRejects : public testing::TestWithParam<BadCase> {};

TEST_P(ResponseParserRejects, Malformed) {
  EXPECT_EQ(parse_in_chunks(GetParam().bytes, 5).state, ResponseParser::State::error)
      << GetParam().bytes;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ResponseParserRejects,
    testing::Values(BadCase{"HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n"},
                    BadCase{"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n"},
                    BadCase{"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"},
                    BadCase{"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"},
                    BadCase{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"},
                    BadCase{"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"},
                    BadCase{"HTTP/1.1 200 OK\r\nServer: x\r\n\r\n"}));

TEST(ResponseParser, RefusesEndlessHeaders) {
  std::string bytes = "HTTP/1.1 200 OK\r\n";
  while (bytes.size() <= ResponseParser::max_header_bytes)
    bytes += "X-Filler: aaaaaaaaaaaaaaaa\r\n";
  EXPECT_EQ(parse_in_chunks(bytes, 1000).state, ResponseParser::State::error);
}

TEST(HttpUrl, ParsesWhatTheFloorClientNeeds) {
  const auto url = parse_http_url("http://127.0.0.1:8080/length/1024");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->path, "/length/1024");
  EXPECT_EQ(url->authority, "127.0.0.1:8080");
  EXPECT_EQ(floor_request(*url),
            "GET /length/1024 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAccept: */*\r\n\r\n");
  const auto v6 = parse_http_url("http://[::1]:81");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 81);
  EXPECT_EQ(v6->path, "/");
  EXPECT_EQ(parse_http_url("http://localhost")->port, 80);
  EXPECT_FALSE(parse_http_url("https://127.0.0.1:4443/ping"));
  EXPECT_FALSE(parse_http_url("http://:80/"));
  EXPECT_FALSE(parse_http_url("http://host:99999/"));
}

TEST(HttpUrl, HttpsForTheHttp2Floor) {
  const auto url = parse_url("https://127.0.0.1:4443/ping");
  ASSERT_TRUE(url);
  EXPECT_TRUE(url->https);
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 4443);
  EXPECT_EQ(url->path, "/ping");
  EXPECT_EQ(parse_url("https://localhost")->port, 443);
  EXPECT_FALSE(parse_url("http://localhost")->https);
  EXPECT_FALSE(parse_url("ftp://localhost/"));
  EXPECT_FALSE(parse_url("https://:443/"));
}

} // namespace
} // namespace hcbench
