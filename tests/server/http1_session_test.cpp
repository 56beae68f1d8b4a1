// Level 2: the HTTP/1 session fed bytes, at every chunk size, with no socket anywhere.
#include "hcbench/server/http1_session.h"
#include "hcbench/shared/endpoints.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hcbench {
namespace {

const std::string date = "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n";

struct Fixture {
  SessionConfig config;
  PayloadCache payloads{1 << 20};
  WorkerCounters counters;
  SessionServices services;
  std::uint64_t now_ms = 1000; // the loop's clock, moved by the /delay tests

  Fixture() {
    services.now_ms = [this] { return now_ms; };
    config.max_length = 1 << 20;
    config.max_body_bytes = 1000;
    services.payloads = &payloads;
    services.counters = &counters;
    services.date_line = &date;
    services.stats_json = [] { return std::string("{\"stats\":true}\n"); };
  }
};

struct Outcome {
  std::string output;
  bool closed = false;
};

std::string drain(const OutputQueue& queue) {
  std::string out;
  queue.for_each([&](std::string_view bytes) { out += bytes; });
  return out;
}

// Feeds `input` in chunks of `chunk` bytes to a fresh session.
Outcome run(Fixture& f, std::string_view input, std::size_t chunk) {
  Http1Session session(f.config, f.services);
  OutputQueue out;
  Outcome outcome;
  for (std::size_t at = 0; at < input.size() && !outcome.closed; at += chunk) {
    const auto piece = input.substr(at, chunk);
    outcome.closed = session.feed({piece.data(), piece.size()}, out) == Http1Session::Status::close;
  }
  outcome.output = drain(out);
  return outcome;
}

std::string ok_response(const Resource& resource, bool head = false,
                        std::string_view connection = "",
                        ContentTypeMode mode = ContentTypeMode::native) {
  return "HTTP/1.1 200 OK\r\nServer: hcbench\r\n" + date + std::string(connection) +
         std::string(resource.headers(mode)) + "\r\n" + (head ? std::string() : resource.body);
}

// The status codes of every response in `output`, in order.
std::vector<int> statuses(const std::string& output) {
  std::vector<int> out;
  // Bodies here never contain a status line, so every occurrence starts a response.
  for (std::size_t at = output.find("HTTP/1.1 "); at != std::string::npos;
       at = output.find("HTTP/1.1 ", at + 1)) {
    out.push_back(std::stoi(output.substr(at + 9, 3)));
  }
  return out;
}

struct Case {
  const char* name;
  std::string request;
  std::vector<int> expected_statuses;
  bool closes;
};

std::vector<Case> cases() {
  const std::string big_header(9000, 'a');
  const std::string almost_big(7000, 'a');
  return {
      {"ping", "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n", {200}, false},
      {"head", "HEAD /bigger HTTP/1.1\r\nHost: x\r\n\r\n", {200}, false},
      {"absolute_form", "GET http://x/ping HTTP/1.1\r\nHost: x\r\n\r\n", {200}, false},
      {"pipelined",
       "GET /ping HTTP/1.1\r\n\r\nGET /bigger HTTP/1.1\r\n\r\nGET /length/10 HTTP/1.1\r\n\r\n",
       {200, 200, 200},
       false},
      {"not_found_keeps_alive",
       "GET /nope HTTP/1.1\r\n\r\nGET /ping HTTP/1.1\r\n\r\n",
       {404, 200},
       false},
      {"method_not_allowed",
       "DELETE /ping HTTP/1.1\r\n\r\nGET /ping HTTP/1.1\r\n\r\n",
       {405, 200},
       false},
      {"bad_length", "GET /length/-5 HTTP/1.1\r\n\r\n", {400}, false},
      {"too_long", "GET /length/2000000 HTTP/1.1\r\n\r\n", {413}, false},
      {"connection_close_stops_pipeline",
       "GET /ping HTTP/1.1\r\nConnection: close\r\n\r\nGET /ping HTTP/1.1\r\n\r\n",
       {200},
       true},
      {"http10_closes", "GET /ping HTTP/1.0\r\n\r\n", {200}, true},
      {"http10_keep_alive",
       "GET /ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /ping HTTP/1.0\r\n\r\n",
       {200, 200},
       true},
      {"body_discarded",
       "POST /ping HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /ping HTTP/1.1\r\n\r\n",
       {405, 200},
       false},
      {"chunked_body_discarded",
       "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /ping "
       "HTTP/1.1\r\n\r\n",
       {404, 200},
       false},
      {"body_too_large", "POST /ping HTTP/1.1\r\nContent-Length: 5000\r\n\r\nxx", {413}, true},
      {"chunked_too_large",
       "POST /ping HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n" + std::string(2000, 'x') +
           "\r\n0\r\n\r\nGET /ping HTTP/1.1\r\n\r\n",
       {405},
       true},
      {"headers_too_large", "GET /ping HTTP/1.1\r\nX-Big: " + big_header + "\r\n\r\n", {431}, true},
      {"url_too_large", "GET /" + big_header + " HTTP/1.1\r\n\r\n", {431}, true},
      {"headers_under_limit",
       "GET /ping HTTP/1.1\r\nX-Big: " + almost_big + "\r\n\r\n",
       {200},
       false},
      {"garbage", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", {400}, true},
      {"bad_method", "FOO /ping HTTP/1.1\r\n\r\n", {400}, true},
      {"http09_not_supported", "GET /ping\r\n\r\n", {505}, true},
      {"space_in_target", "GET /length/1 2 HTTP/1.1\r\n\r\n", {400}, true},
      {"smuggling_both_lengths",
       "POST /ping HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       {400},
       true},
      {"header_without_colon", "GET /ping HTTP/1.1\r\nNoColonHere\r\n\r\n", {400}, true},
      {"stats", "GET /stats HTTP/1.1\r\n\r\n", {200}, false},
  };
}

class SessionCaseTest : public testing::TestWithParam<Case> {};

TEST_P(SessionCaseTest, SameResponsesAtEveryChunkSize) {
  const Case& c = GetParam();
  Fixture f;
  const Outcome whole = run(f, c.request, c.request.size());
  EXPECT_EQ(statuses(whole.output), c.expected_statuses) << whole.output.substr(0, 400);
  EXPECT_EQ(whole.closed, c.closes);
  // Chunk sizes 1..64 then a few larger ones: every split of the input gives the same bytes.
  for (std::size_t chunk = 1; chunk < c.request.size();
       chunk = chunk < 64 ? chunk + 1 : chunk * 2) {
    const Outcome split = run(f, c.request, chunk);
    ASSERT_EQ(split.output, whole.output) << "chunk " << chunk;
    ASSERT_EQ(split.closed, whole.closed) << "chunk " << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(Table, SessionCaseTest, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

TEST(Http1Session, PingResponseIsExact) {
  Fixture f;
  EXPECT_EQ(run(f, "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n", 1000).output,
            ok_response(*ping_resource()));
}

TEST(Http1Session, HeadHasLengthButNoBody) {
  Fixture f;
  const auto out = run(f, "HEAD /length/4096 HTTP/1.1\r\n\r\n", 1000).output;
  EXPECT_EQ(out, ok_response(*f.payloads.get(4096), true));
  EXPECT_NE(out.find("Content-Length: 4096\r\n"), std::string::npos);
}

TEST(Http1Session, LengthBodyIsTheDeterministicPayload) {
  Fixture f;
  const auto out = run(f, "GET /length/5000 HTTP/1.1\r\n\r\n", 1000).output;
  ASSERT_GE(out.size(), 5000u);
  EXPECT_EQ(out.substr(out.size() - 5000), generate_payload(5000));
  EXPECT_NE(out.find("Content-Type: application/octet-stream\r\n"), std::string::npos);
}

TEST(Http1Session, ZeroLengthIsAnEmptyBody) {
  Fixture f;
  const auto out = run(f, "GET /length/0 HTTP/1.1\r\n\r\n", 1000).output;
  EXPECT_NE(out.find("Content-Length: 0\r\n"), std::string::npos);
  EXPECT_TRUE(out.ends_with("\r\n\r\n"));
}

TEST(Http1Session, PipelinedResponsesInOrder) {
  Fixture f;
  const auto out =
      run(f, "GET /bigger HTTP/1.1\r\n\r\nGET /ping HTTP/1.1\r\n\r\nHEAD /ping HTTP/1.1\r\n\r\n", 7)
          .output;
  EXPECT_EQ(out, ok_response(*bigger_resource()) + ok_response(*ping_resource()) +
                     ok_response(*ping_resource(), true));
}

TEST(Http1Session, ConnectionHeaders) {
  Fixture f;
  EXPECT_EQ(run(f, "GET /ping HTTP/1.1\r\nConnection: close\r\n\r\n", 100).output,
            ok_response(*ping_resource(), false, "Connection: close\r\n"));
  EXPECT_EQ(run(f, "GET /ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 100).output,
            ok_response(*ping_resource(), false, "Connection: keep-alive\r\n"));
  EXPECT_EQ(run(f, "GET /ping HTTP/1.0\r\n\r\n", 100).output,
            ok_response(*ping_resource(), false, "Connection: close\r\n"));
}

// Whether the connection may close at once after the last response, without lingering.
TEST(Http1Session, ClientEndedCleanly) {
  struct Case {
    const char* name;
    std::string input;
    bool clean;
  };
  const std::vector<Case> cases = {
      {"connection_close", "GET /ping HTTP/1.1\r\nConnection: close\r\n\r\n", true},
      {"http10", "GET /ping HTTP/1.0\r\n\r\n", true},
      {"keep_alive", "GET /ping HTTP/1.1\r\n\r\n", false},
      {"bytes_after_close",
       "GET /ping HTTP/1.1\r\nConnection: close\r\n\r\nGET /ping HTTP/1.1\r\n\r\n", false},
      {"body_not_read",
       "POST /ping HTTP/1.1\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello", false},
      {"error", "GET /length/x HTTP/1.1\r\nConnection: close\r\n\r\n", true},
      {"malformed", "GET /ping HTTP/9.9 x\r\n\r\n", false},
  };
  for (const Case& c : cases) {
    for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, c.input.size()}) {
      Fixture f;
      Http1Session session(f.config, f.services);
      OutputQueue out;
      for (std::size_t at = 0; at < c.input.size(); at += chunk) {
        const std::string_view piece = std::string_view(c.input).substr(at, chunk);
        session.feed({piece.data(), piece.size()}, out);
      }
      EXPECT_EQ(session.client_ended_cleanly(), c.clean) << c.name << " in chunks of " << chunk;
    }
  }
  Fixture f;
  f.config.keepalive_requests = 1; // the server ends the connection: always linger
  Http1Session session(f.config, f.services);
  OutputQueue out;
  const std::string_view request = "GET /ping HTTP/1.1\r\n\r\n";
  EXPECT_EQ(session.feed({request.data(), request.size()}, out), Http1Session::Status::close);
  EXPECT_FALSE(session.client_ended_cleanly());
}

TEST(Http1Session, HeaderLimitTextSaysTheConfiguredLimit) {
  Fixture f;
  const std::string request = "GET /ping HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n";
  const Outcome by_default = run(f, request, request.size());
  EXPECT_NE(by_default.output.find("exceed 8 KiB\n"), std::string::npos) << by_default.output;
  f.config.max_head_bytes = 1000;
  const Outcome smaller = run(f, request, request.size());
  EXPECT_TRUE(smaller.output.starts_with("HTTP/1.1 431 "));
  EXPECT_NE(smaller.output.find("exceed 1000 bytes\n"), std::string::npos) << smaller.output;
  f.config.max_head_bytes = 4096;
  EXPECT_NE(run(f, request, 7).output.find("exceed 4 KiB\n"), std::string::npos);
}

TEST(Http1Session, HeaderTimeoutAnswers408AndCloses) {
  Fixture f;
  Http1Session session(f.config, f.services);
  OutputQueue out;
  session.feed(std::string_view("GET /ping HTTP/1.1\r\nHo"), out);
  ASSERT_TRUE(session.reading_head());
  session.time_out(out);
  EXPECT_TRUE(drain(out).starts_with("HTTP/1.1 408 Request Timeout\r\n"));
  EXPECT_EQ(session.feed(std::string_view("st: x\r\n\r\n"), out), Http1Session::Status::close);
  EXPECT_FALSE(session.wants_to_write()); // HTTP/1 never holds output back
}

TEST(Http1Session, LargeBodiesAreQueuedAsPayloadsForTheTransport) {
  Fixture f;
  Http1Session session(f.config, f.services);
  OutputQueue out;
  session.feed(std::string_view("GET /length/65536 HTTP/1.1\r\n\r\n"), out);
  // The session says nothing about files; the plain transport gives the body its file.
  int offered = 0;
  out.attach_files([&](const std::shared_ptr<const Resource>& resource) {
    ++offered;
    EXPECT_EQ(resource->body.size(), 65536u);
    return -1;
  });
  EXPECT_EQ(offered, 1);
}

TEST(Http1Session, KeepAliveRequestCap) {
  Fixture f;
  f.config.keepalive_requests = 2;
  const Outcome outcome = run(
      f, "GET /ping HTTP/1.1\r\n\r\nGET /ping HTTP/1.1\r\n\r\nGET /ping HTTP/1.1\r\n\r\n", 1000);
  EXPECT_EQ(outcome.output, ok_response(*ping_resource()) +
                                ok_response(*ping_resource(), false, "Connection: close\r\n"));
  EXPECT_TRUE(outcome.closed);
}

TEST(Http1Session, CompatOriginalContentType) {
  Fixture f;
  f.config.content_type = ContentTypeMode::original;
  const auto out = run(f, "GET /bigger HTTP/1.1\r\n\r\n", 1000).output;
  EXPECT_NE(out.find("Content-Type: text/html; charset=utf-8\r\n"), std::string::npos);
}

TEST(Http1Session, ErrorBodiesSayWhatWasWrong) {
  Fixture f;
  const auto out = run(f, "GET /length/12x HTTP/1.1\r\n\r\n", 1000).output;
  EXPECT_NE(out.find("Bad length"), std::string::npos);
  const auto not_allowed = run(f, "PUT /ping HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 1000).output;
  EXPECT_NE(not_allowed.find("Allow: GET, HEAD\r\n"), std::string::npos);
  const auto head_error = run(f, "HEAD /nowhere HTTP/1.1\r\n\r\n", 1000).output;
  EXPECT_TRUE(head_error.ends_with("\r\n\r\n")) << "HEAD error responses have no body";
}

TEST(Http1Session, CountsRequestsByStatus) {
  Fixture f;
  run(f, "GET /ping HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\nGET /ping HTTP/1.1\r\n\r\n", 1000);
  EXPECT_EQ(f.counters.requests.get(), 3u);
  EXPECT_EQ(f.counters.by_status[0].get(), 2u); // 200
  EXPECT_EQ(f.counters.by_status[2].get(), 1u); // 404
}

TEST(Http1Session, IgnoresBytesAfterClose) {
  Fixture f;
  Http1Session session(f.config, f.services);
  OutputQueue out;
  EXPECT_EQ(session.feed(std::string_view("GET /ping HTTP/1.0\r\n\r\n"), out),
            Http1Session::Status::close);
  const auto size = out.size();
  EXPECT_EQ(session.feed(std::string_view("GET /ping HTTP/1.1\r\n\r\n"), out),
            Http1Session::Status::close);
  EXPECT_EQ(out.size(), size);
}

TEST(Http1Session, HeadPhaseTracking) {
  Fixture f;
  Http1Session session(f.config, f.services);
  OutputQueue out;
  EXPECT_TRUE(session.idle());
  session.feed(std::string_view("GET /ping HTTP/1.1\r\nHo"), out);
  EXPECT_TRUE(session.reading_head());
  session.feed(std::string_view("st: x\r\n\r\n"), out);
  EXPECT_TRUE(session.idle());
  EXPECT_EQ(session.requests(), 1u);
}

// /delay/<ms>: the response is held until the loop's clock reaches its time, and every
// response behind it waits too, at every chunk size.
struct DelayRun {
  std::string at_once;       // written by feed()
  std::string when_due;      // written by produce() once the clock reached the time
  std::uint64_t wake_at = 0; // what the session asked for after feed()
  bool wanted_early = false; // wants_to_write() one millisecond before the time
  bool idle_while_held = true;
  bool idle_after = false;
  bool closed = false;
};

DelayRun run_delay(Fixture& f, std::string_view input, std::size_t chunk, std::uint64_t due) {
  Http1Session session(f.config, f.services);
  DelayRun r;
  OutputQueue out;
  for (std::size_t at = 0; at < input.size(); at += chunk) {
    const auto piece = input.substr(at, chunk);
    r.closed = session.feed({piece.data(), piece.size()}, out) == Http1Session::Status::close;
  }
  r.at_once = drain(out);
  out.clear();
  r.wake_at = session.wake_at_ms();
  r.idle_while_held = session.idle();
  f.now_ms = due - 1;
  r.wanted_early = session.wants_to_write();
  f.now_ms = due;
  while (session.wants_to_write()) session.produce(out, 1 << 16);
  r.when_due = drain(out);
  r.idle_after = session.idle() && session.wake_at_ms() == 0;
  return r;
}

TEST(Http1Session, DelayHoldsTheResponseAndThoseBehindItUntilDue) {
  const std::string input = "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"
                            "GET /delay/50 HTTP/1.1\r\nHost: x\r\n\r\n"
                            "GET /bigger HTTP/1.1\r\nHost: x\r\n\r\n";
  for (std::size_t chunk = 1; chunk <= input.size(); ++chunk) {
    Fixture f;
    const DelayRun r = run_delay(f, input, chunk, 1051);
    EXPECT_EQ(r.at_once, ok_response(*ping_resource())) << chunk;
    EXPECT_EQ(r.wake_at, 1051u) << chunk;
    EXPECT_FALSE(r.wanted_early) << chunk;
    EXPECT_FALSE(r.idle_while_held) << chunk;
    EXPECT_EQ(r.when_due, ok_response(*ping_resource()) + ok_response(*bigger_resource())) << chunk;
    EXPECT_TRUE(r.idle_after) << chunk;
    EXPECT_FALSE(r.closed);
  }
}

TEST(Http1Session, PipelinedDelaysLeaveInRequestOrder) {
  // The second is due first, but is answered after the first.
  Fixture f;
  Http1Session session(f.config, f.services);
  OutputQueue out;
  session.feed(std::string_view("GET /delay/100 HTTP/1.1\r\n\r\nGET /delay/10 HTTP/1.1\r\n\r\n"
                                "HEAD /delay/0 HTTP/1.1\r\n\r\n"),
               out);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(session.wake_at_ms(), 1101u); // now + delay + 1 (SessionServices::due_ms)
  f.now_ms = 1010;
  EXPECT_FALSE(session.wants_to_write());
  f.now_ms = 1101;
  ASSERT_TRUE(session.wants_to_write());
  session.produce(out, 1 << 16);
  EXPECT_EQ(drain(out), ok_response(*ping_resource()) + ok_response(*ping_resource()) +
                            ok_response(*ping_resource(), /*head=*/true));
  EXPECT_EQ(session.wake_at_ms(), 0u);
  EXPECT_FALSE(session.wants_to_write());
  EXPECT_EQ(f.counters.by_status[0].get(), 3u);
}

TEST(Http1Session, DelayedResponseThatClosesIsHeldToo) {
  Fixture f;
  Http1Session session(f.config, f.services);
  OutputQueue out;
  EXPECT_EQ(
      session.feed(std::string_view("GET /delay/5 HTTP/1.1\r\nConnection: close\r\n\r\n"), out),
      Http1Session::Status::close);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(session.wake_at_ms(), 1006u);
  f.now_ms = 1006;
  EXPECT_EQ(session.produce(out, 1 << 16), Http1Session::Status::close);
  EXPECT_EQ(drain(out), ok_response(*ping_resource(), false, "Connection: close\r\n"));
  EXPECT_TRUE(session.client_ended_cleanly());
}

TEST(Http1Session, DelayAboveTheLimitIs400AtOnce) {
  Fixture f;
  f.config.max_delay_ms = 100;
  const Outcome o = run(f, "GET /delay/101 HTTP/1.1\r\n\r\nGET /delay/x HTTP/1.1\r\n\r\n", 1000);
  EXPECT_EQ(statuses(o.output), (std::vector<int>{400, 400}));
  EXPECT_NE(o.output.find("--max-delay"), std::string::npos);
  EXPECT_FALSE(o.closed);
}

TEST(Http1Session, HeaderTimeoutWaitsBehindAHeldResponse) {
  Fixture f;
  Http1Session session(f.config, f.services);
  OutputQueue out;
  session.feed(std::string_view("GET /delay/20 HTTP/1.1\r\n\r\nGET /pi"), out);
  session.time_out(out);
  EXPECT_TRUE(out.empty());
  f.now_ms = 1021;
  session.produce(out, 1 << 16);
  EXPECT_EQ(statuses(drain(out)), (std::vector<int>{200, 408}));
}

// h2c: curl --http2 over http. Every chunk size, the rest after the head left for HTTP/2.
TEST(Http1Session, UpgradeToH2cIsSpottedAndLeftUnanswered) {
  const std::string head =
      "GET /ping?x HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\n"
      "upgrade: websocket, H2C\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n";
  const std::string input = head + "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  for (std::size_t chunk = 1; chunk <= input.size(); ++chunk) {
    Fixture f;
    Http1Session session(f.config, f.services);
    OutputQueue out;
    std::size_t at = 0;
    std::size_t rest = 0;
    for (; at < input.size(); at += chunk) {
      const auto piece = std::string_view(input).substr(at, chunk);
      ASSERT_EQ(session.feed({piece.data(), piece.size()}, out), Http1Session::Status::open);
      if (session.upgrade_requested()) {
        rest = at + session.upgrade_offset();
        break;
      }
    }
    ASSERT_TRUE(session.upgrade_requested()) << "chunk " << chunk;
    EXPECT_EQ(rest, head.size()) << "chunk " << chunk;
    EXPECT_EQ(session.http2_settings(), "AAMAAABkAAQCAAAAAAIAAAAA");
    EXPECT_EQ(session.upgrade_method(), "GET");
    EXPECT_EQ(session.upgrade_target(), "/ping?x");
    EXPECT_TRUE(out.empty()) << "the HTTP/2 session answers it";
  }
}

// Not an h2c upgrade we take: answered over HTTP/1.1, and the connection reads on.
TEST(Http1Session, OtherUpgradesAreAnsweredOverHttp1) {
  const std::string settings = "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n";
  const std::string upgrade = "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n";
  const std::vector<std::string> requests = {
      "GET /ping HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
      "GET /ping HTTP/1.1\r\n" + upgrade + "\r\n",                       // no HTTP2-Settings
      "GET /ping HTTP/1.1\r\n" + upgrade + settings + settings + "\r\n", // two
      "POST /ping HTTP/1.1\r\n" + upgrade + settings + "Content-Length: 2\r\n\r\nab",
      "GET /ping HTTP/1.0\r\nConnection: keep-alive\r\nUpgrade: h2c\r\n" + settings + "\r\n",
  };
  for (const std::string& request : requests) {
    Fixture f;
    const Outcome outcome = run(f, request + "GET /ping HTTP/1.1\r\n\r\n", 5);
    EXPECT_FALSE(outcome.closed) << request;
    std::size_t answers = 0;
    for (auto at = outcome.output.find("HTTP/1.1 "); at != std::string::npos;
         at = outcome.output.find("HTTP/1.1 ", at + 1)) {
      ++answers;
    }
    EXPECT_EQ(answers, 2u) << request << outcome.output;
  }
  Fixture off;
  off.config.http2 = false;
  const Outcome outcome =
      run(off, "GET /ping HTTP/1.1\r\n" + upgrade + settings + "\r\nGET /ping HTTP/1.1\r\n\r\n", 3);
  EXPECT_EQ(outcome.output, ok_response(*ping_resource()) + ok_response(*ping_resource()));
}

} // namespace
} // namespace hcbench
