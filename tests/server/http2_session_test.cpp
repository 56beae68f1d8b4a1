// Level 2: the HTTP/2 session driven by an in-memory nghttp2 client and by hand-written
// frames, with no socket anywhere; the same endpoints answer as over HTTP/1.1.
#include "hcbench/server/http1_session.h"
#include "hcbench/server/http2_session.h"
#include "hcbench/shared/endpoints.h"
#include "http2_test_client.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace hcbench {
namespace {

using test::exchange;
using test::frame;
using test::Http2Client;
using test::Http2Response;
using test::take;
using Status = Http2Session::Status;

const std::string date = "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n";

struct Fixture {
  SessionConfig config;
  PayloadCache payloads{4 << 20};
  WorkerCounters counters;
  SessionServices services;
  std::uint64_t now_ms = 1000; // the loop's clock, moved by the /delay tests

  Fixture() {
    services.now_ms = [this] { return now_ms; };
    config.max_length = 2 << 20;
    config.max_body_bytes = 1000;
    services.payloads = &payloads;
    services.counters = &counters;
    services.date_line = &date;
    services.stats_json = [] { return std::string("{\"stats\":true}\n"); };
  }
};

// The HTTP/1.1 answer to the same request, as status, lower-case headers and body.
Http2Response http1_answer(Fixture& f, const std::string& request) {
  Http1Session session(f.config, f.services);
  OutputQueue out;
  session.feed({request.data(), request.size()}, out);
  const std::string bytes = take(out);
  Http2Response answer;
  const std::size_t head_end = bytes.find("\r\n\r\n");
  answer.headers[":status"] = bytes.substr(9, 3);
  std::size_t at = bytes.find("\r\n") + 2;
  while (at < head_end) {
    const std::size_t end = bytes.find("\r\n", at);
    const std::string line = bytes.substr(at, end - at);
    const std::size_t colon = line.find(": ");
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name != "connection") answer.headers[name] = line.substr(colon + 2);
    at = end + 2;
  }
  answer.body = bytes.substr(head_end + 4);
  return answer;
}

struct Case {
  const char* name;
  std::string method;
  std::string path;
  int status;
  std::vector<std::pair<std::string, std::string>> extra = {};
  bool hold_body = false; // headers without END_STREAM, the body still to come
};

std::vector<Case> cases() {
  return {
      {"ping", "GET", "/ping", 200},
      {"head_ping", "HEAD", "/ping", 200},
      {"bigger", "GET", "/bigger", 200},
      {"head_bigger", "HEAD", "/bigger", 200},
      {"length", "GET", "/length/5000", 200},
      {"head_length", "HEAD", "/length/5000", 200},
      {"length_zero", "GET", "/length/0", 200},
      {"query_ignored", "GET", "/ping?x=1", 200},
      {"stats", "GET", "/stats", 200},
      {"not_found", "GET", "/nope", 404},
      {"head_not_found", "HEAD", "/nope", 404},
      {"method_not_allowed", "DELETE", "/ping", 405},
      {"bad_length", "GET", "/length/-5", 400},
      {"too_long", "GET", "/length/3000000", 413},
      {"declared_body_too_large", "POST", "/ping", 413, {{"content-length", "5000"}}, true},
  };
}

// Runs one request through a fresh session with the client's bytes fed in pieces of `chunk`,
// then hands the whole output to the client.
struct Scan {
  std::string output;
  Http2Response response;
};
Scan scan(Fixture& f, const Case& c, std::size_t chunk) {
  Http2Client client;
  const std::int32_t id = client.request(c.method, c.path, c.extra, {}, c.hold_body);
  const std::string input = client.pending();
  Http2Session session(f.config, f.services);
  OutputQueue out;
  for (std::size_t at = 0; at < input.size(); at += chunk) {
    const std::string_view piece = std::string_view(input).substr(at, chunk);
    EXPECT_EQ(session.feed({piece.data(), piece.size()}, out), Status::open);
  }
  Scan result;
  result.output = take(out);
  EXPECT_TRUE(client.receive(result.output));
  result.response = client.responses[id];
  return result;
}

class Http2CaseTest : public testing::TestWithParam<Case> {};

TEST_P(Http2CaseTest, SameAnswerAsHttp1AtEveryChunkSize) {
  const Case& c = GetParam();
  Fixture f;
  const Scan whole = scan(f, c, 1 << 20);
  const Http2Response& response = whole.response;
  EXPECT_EQ(response.status(), c.status);
  EXPECT_TRUE(response.closed);
  // A body still to come is stopped once the answer is complete, with no error.
  EXPECT_EQ(response.reset, c.hold_body);
  EXPECT_EQ(response.reset_code, static_cast<std::uint32_t>(NGHTTP2_NO_ERROR));

  std::string http1 = c.method + " " + c.path + " HTTP/1.1\r\nHost: x\r\n";
  for (const auto& [name, value] : c.extra) http1 += name + ": " + value + "\r\n";
  const Http2Response expected = http1_answer(f, http1 + "\r\n");
  EXPECT_EQ(response.headers, expected.headers);
  EXPECT_EQ(response.body, expected.body);

  for (std::size_t chunk = 1; chunk < 200; chunk = chunk < 40 ? chunk + 1 : chunk * 2) {
    const Scan split = scan(f, c, chunk);
    ASSERT_EQ(split.response.headers, response.headers) << "chunk " << chunk;
    ASSERT_EQ(split.response.body, response.body) << "chunk " << chunk;
  }
}

INSTANTIATE_TEST_SUITE_P(Table, Http2CaseTest, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

TEST(Http2Session, MatchesThePreface) {
  using Preface = Http2Session::Preface;
  const std::string magic = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  const auto match = [](std::string_view s) {
    return Http2Session::match_preface({s.data(), s.size()});
  };
  EXPECT_EQ(match(""), Preface::partial);
  EXPECT_EQ(match("P"), Preface::partial);
  EXPECT_EQ(match(magic.substr(0, 23)), Preface::partial);
  EXPECT_EQ(match(magic), Preface::full);
  EXPECT_EQ(match(magic + "\x00\x00"), Preface::full);
  EXPECT_EQ(match("GET / HTTP/1.1\r\n"), Preface::no);
  EXPECT_EQ(match("PRI * HTTP/1.1"), Preface::no);
  EXPECT_EQ(match("\x16\x03\x01"), Preface::no);
}

TEST(Http2Session, MultiplexedStreams) {
  Fixture f;
  Http2Client client;
  Http2Session session(f.config, f.services);
  OutputQueue out;
  std::map<std::int32_t, std::string> paths;
  for (int i = 0; i < 50; ++i) {
    const std::string path = i % 3 == 0   ? "/ping"
                             : i % 3 == 1 ? "/bigger"
                                          : "/length/" + std::to_string(100 + i * 1000);
    paths[client.request("GET", path)] = path;
  }
  EXPECT_EQ(exchange(client, session, out, 100), Status::open);
  for (const auto& [id, path] : paths) {
    const Http2Response& r = client.responses[id];
    ASSERT_EQ(r.status(), 200) << path;
    const std::string expected = path == "/ping" ? ping_resource()->body
                                 : path == "/bigger"
                                     ? std::string(bigger_document())
                                     : generate_payload(std::stoull(path.substr(8)));
    EXPECT_EQ(r.body, expected) << path;
  }
  EXPECT_EQ(session.requests(), 50u);
  EXPECT_TRUE(session.idle());
  EXPECT_EQ(f.counters.http2_requests.get(), 50u);
  EXPECT_EQ(f.counters.http2_streams.get(), 50u);
  EXPECT_EQ(f.counters.requests.get(), 50u);
  EXPECT_EQ(f.counters.http2_connections_active.get(), 1u);
}

TEST(Http2Session, CountsConnections) {
  Fixture f;
  {
    Http2Session a(f.config, f.services);
    Http2Session b(f.config, f.services);
    EXPECT_EQ(f.counters.http2_connections_active.get(), 2u);
  }
  EXPECT_EQ(f.counters.http2_connections_accepted.get(), 2u);
  EXPECT_EQ(f.counters.http2_connections_active.get(), 0u);
}

TEST(Http2Session, StatsSplitRequestsByVersion) {
  Fixture f;
  Http2Client client;
  Http2Session session(f.config, f.services);
  OutputQueue out;
  client.request("GET", "/ping");
  client.request("GET", "/nope");
  exchange(client, session, out);
  http1_answer(f, "GET /ping HTTP/1.1\r\n\r\n");
  const WorkerCounters* workers[] = {&f.counters};
  const auto stats = nlohmann::json::parse(stats_json(workers, PayloadCacheStats{}, 1));
  EXPECT_EQ(stats["requests"]["total"], 3);
  EXPECT_EQ(stats["protocols"]["http1"]["requests"], 1);
  const auto& http2 = stats["protocols"]["http2"];
  EXPECT_EQ(http2["requests"], 2);
  EXPECT_EQ(http2["streams"], 2);
  EXPECT_EQ(http2["connections"]["accepted"], 1);
  EXPECT_EQ(http2["connections"]["active"], 1);
  EXPECT_EQ(http2["resets_received"], 0);
  EXPECT_EQ(http2["goaways_sent"], 0);
}

// The client's default 64 KiB windows: the body flows as the client sends WINDOW_UPDATEs.
TEST(Http2Session, OneMebibyteUnderFlowControl) {
  Fixture f;
  Http2Client client;
  Http2Session session(f.config, f.services);
  OutputQueue out;
  const std::int32_t id = client.request("GET", "/length/1048576");
  EXPECT_EQ(exchange(client, session, out), Status::open);
  EXPECT_EQ(client.responses[id].status(), 200);
  EXPECT_EQ(client.responses[id].body, generate_payload(1 << 20));
  EXPECT_TRUE(client.responses[id].closed);
}

// DATA frames reference the cached payload: only their 9-byte headers are copied.
TEST(Http2Session, BodiesAreNotCopied) {
  Fixture f;
  Http2Client client({{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 30}});
  nghttp2_session_set_local_window_size(client.session(), NGHTTP2_FLAG_NONE, 0, 1 << 30);
  Http2Session session(f.config, f.services);
  OutputQueue out;
  const std::string preface = client.pending();
  session.feed({preface.data(), preface.size()}, out);
  client.receive(take(out));
  client.request("GET", "/length/200000");
  const std::string request = client.pending();
  session.feed({request.data(), request.size()}, out);
  const auto payload = f.payloads.get(200000);
  std::vector<iovec> iov;
  out.gather(iov);
  std::size_t referenced = 0;
  for (const iovec& v : iov) {
    const char* base = static_cast<const char*>(v.iov_base);
    if (base >= payload->body.data() && base < payload->body.data() + payload->body.size()) {
      referenced += v.iov_len;
    }
  }
  EXPECT_EQ(referenced, 200000u);
}

// A client that never opens its windows (and one that opens them but never reads): the
// session's output stays bounded however many requests come.
TEST(Http2Session, OutputBoundedForAClientThatNeverReads) {
  for (const bool windows_open : {false, true}) {
    Fixture f;
    Http2Client client({{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, windows_open ? (1u << 30) : 0u}});
    if (windows_open) {
      nghttp2_session_set_local_window_size(client.session(), NGHTTP2_FLAG_NONE, 0, 1 << 30);
    }
    Http2Session session(f.config, f.services);
    OutputQueue out;
    for (int i = 0; i < 300; ++i) client.request("GET", "/length/1048576");
    const std::string input = client.pending();
    EXPECT_EQ(session.feed({input.data(), input.size()}, out), Status::open);
    for (int i = 0; i < 10 && session.wants_write(); ++i) session.produce(out); // nothing drains
    EXPECT_LE(out.size(), Http2Session::output_high_water + 16384 + 4096) << windows_open;
    EXPECT_FALSE(session.idle());
    // Streams beyond SETTINGS_MAX_CONCURRENT_STREAMS were refused, not kept.
    EXPECT_LE(f.counters.http2_requests.get(), f.config.max_streams);
  }
}

// The client sees the rest of the bodies once it reads again: DATA held back is not lost.
TEST(Http2Session, HeldBackOutputResumes) {
  Fixture f;
  Http2Client client({{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1u << 30}});
  nghttp2_session_set_local_window_size(client.session(), NGHTTP2_FLAG_NONE, 0, 1 << 30);
  Http2Session session(f.config, f.services);
  OutputQueue out;
  std::vector<std::int32_t> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(client.request("GET", "/length/1048576"));
  const std::string input = client.pending();
  session.feed({input.data(), input.size()}, out);
  EXPECT_LE(out.size(), Http2Session::output_high_water + 16384 + 4096);
  EXPECT_TRUE(session.wants_write());
  client.receive(take(out));
  EXPECT_EQ(exchange(client, session, out), Status::open);
  for (const std::int32_t id : ids) EXPECT_EQ(client.responses[id].body, generate_payload(1 << 20));
}

TEST(Http2Session, HeaderListTooLargeGets431AndTheConnectionServesOn) {
  Fixture f;
  Http2Client client;
  Http2Session session(f.config, f.services);
  OutputQueue out;
  const std::int32_t big = client.request("GET", "/ping", {{"x-big", std::string(9000, 'a')}});
  const std::int32_t next = client.request("GET", "/ping");
  exchange(client, session, out);
  EXPECT_EQ(client.responses[big].status(), 431);
  EXPECT_EQ(client.responses[next].status(), 200);
  EXPECT_FALSE(client.goaway);
}

// HPACK bomb: one 2000-byte field indexed once, then referenced a thousand times (a byte
// each): 2 MB of headers from a 3 KB block. (Written by hand: nghttp2's client refuses to
// send it.) The session stops counting at the limit, answers 431 and serves on.
TEST(Http2Session, HpackBomb) {
  Fixture f;
  Http2Session session(f.config, f.services);
  OutputQueue out;
  std::string block = test::request_block("/ping");
  block += std::string("\x40\x06x-bomb\x7f\xd1\x0e", 11); // literal, indexed; 2000 = 127 + 1873
  block += std::string(2000, 'b');
  block += std::string(1000, '\xbe'); // dynamic table entry 62, again and again
  const std::string input =
      test::client_preface() +
      frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_STREAM | NGHTTP2_FLAG_END_HEADERS, 1, block) +
      frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_STREAM | NGHTTP2_FLAG_END_HEADERS, 3,
            test::request_block("/ping"));
  EXPECT_EQ(session.feed({input.data(), input.size()}, out), Status::open);
  const std::string output = take(out);
  auto headers = test::decode_headers(output);
  EXPECT_EQ(headers[1][":status"], "431");
  EXPECT_EQ(headers[3][":status"], "200");
  EXPECT_EQ(test::goaway_code(output), -1);
}

// Opens a stream and resets it once the server has answered its headers (the client's window
// is closed, so the stream stays open): what a rapid-reset client does.
Status open_and_reset(Http2Client& client, Http2Session& session, OutputQueue& out) {
  const std::int32_t id = client.request("GET", "/length/100000");
  Status status = exchange(client, session, out);
  if (status != Status::open) return status;
  nghttp2_submit_rst_stream(client.session(), NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
  return exchange(client, session, out);
}

// CVE-2023-44487: streams opened and reset in a loop end in GOAWAY ENHANCE_YOUR_CALM.
TEST(Http2Session, RapidResetIsCalmedDown) {
  Fixture f;
  f.config.reset_burst = 20;
  f.config.resets_per_second = 1;
  Http2Client client({{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 0}});
  Http2Session session(f.config, f.services);
  OutputQueue out;
  Status status = Status::open;
  int sent = 0;
  for (; sent < 1000 && status == Status::open && !client.goaway; ++sent) {
    status = open_and_reset(client, session, out);
  }
  EXPECT_TRUE(client.goaway);
  EXPECT_EQ(client.goaway_code, static_cast<std::uint32_t>(NGHTTP2_ENHANCE_YOUR_CALM));
  EXPECT_EQ(status, Status::close);
  EXPECT_LT(sent, 100) << "the limit applies after the burst, not after nghttp2's own";
  EXPECT_GE(f.counters.http2_resets_received.get(), 20u);
  EXPECT_GE(f.counters.http2_goaways_sent.get(), 1u);
}

TEST(Http2Session, AFewResetsAreFine) {
  Fixture f;
  Http2Client client({{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 0}});
  Http2Session session(f.config, f.services);
  OutputQueue out;
  for (int i = 0; i < 10; ++i) EXPECT_EQ(open_and_reset(client, session, out), Status::open);
  EXPECT_EQ(f.counters.http2_resets_received.get(), 10u);
  EXPECT_FALSE(client.goaway);
  EXPECT_TRUE(session.idle());
}

// Raw-frame attacks: what an nghttp2 client will not send. Each is fed at once, without
// reading the output, as a flooding client would.
struct Attack {
  const char* name;
  std::string input;
  std::uint32_t goaway; // the error code of the GOAWAY sent
};

std::vector<Attack> attacks() {
  std::vector<Attack> list;
  const std::string preface = test::client_preface();
  {
    // CVE-2024-27316: a header block that never ends, in CONTINUATION frames.
    std::string input =
        preface + frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_STREAM, 1, test::request_block("/ping"));
    for (int i = 0; i < 1000; ++i) input += frame(NGHTTP2_CONTINUATION, 0, 1, "\x40\x01x\x01y");
    list.push_back({"continuation_flood", input, NGHTTP2_ENHANCE_YOUR_CALM});
  }
  {
    std::string input = preface;
    for (int i = 0; i < 5000; ++i) input += frame(NGHTTP2_SETTINGS, 0, 0);
    list.push_back({"settings_flood", input, NGHTTP2_ENHANCE_YOUR_CALM});
  }
  {
    std::string input = preface;
    for (int i = 0; i < 5000; ++i) input += frame(NGHTTP2_PING, 0, 0, "12345678");
    list.push_back({"ping_flood", input, NGHTTP2_ENHANCE_YOUR_CALM});
  }
  {
    // The same stream id twice: the second HEADERS is on a closed stream.
    const std::string request =
        frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_STREAM | NGHTTP2_FLAG_END_HEADERS, 1,
              test::request_block("/ping"));
    list.push_back({"stream_id_reuse", preface + request + request, NGHTTP2_STREAM_CLOSED});
  }
  {
    const std::string request =
        frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_STREAM | NGHTTP2_FLAG_END_HEADERS, 2,
              test::request_block("/ping"));
    list.push_back({"even_stream_id", preface + request, NGHTTP2_PROTOCOL_ERROR});
  }
  {
    const std::string request =
        frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_STREAM | NGHTTP2_FLAG_END_HEADERS, 0,
              test::request_block("/ping"));
    list.push_back({"headers_on_stream_zero", preface + request, NGHTTP2_PROTOCOL_ERROR});
  }
  list.push_back(
      {"bad_hpack",
       preface + frame(NGHTTP2_HEADERS, NGHTTP2_FLAG_END_HEADERS, 1, "\xff\xff\xff\xff\xff\xff"),
       NGHTTP2_COMPRESSION_ERROR});
  list.push_back(
      {"settings_on_a_stream", preface + frame(NGHTTP2_SETTINGS, 0, 1), NGHTTP2_PROTOCOL_ERROR});
  list.push_back({"window_overflow",
                  preface + frame(NGHTTP2_WINDOW_UPDATE, 0, 0, std::string("\x7f\xff\xff\xff", 4)),
                  NGHTTP2_FLOW_CONTROL_ERROR});
  list.push_back({"bad_preface", "PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n" + frame(NGHTTP2_SETTINGS, 0, 0),
                  NGHTTP2_PROTOCOL_ERROR});
  list.push_back(
      {"http1_request", "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n", NGHTTP2_PROTOCOL_ERROR});
  return list;
}

class Http2AttackTest : public testing::TestWithParam<Attack> {};

TEST_P(Http2AttackTest, GoawayWithTheRightCodeAndAFreshSessionServes) {
  const Attack& attack = GetParam();
  Fixture f;
  {
    Http2Session session(f.config, f.services);
    OutputQueue out;
    Status status = session.feed({attack.input.data(), attack.input.size()}, out);
    for (int i = 0; i < 10 && status == Status::open && session.wants_write(); ++i) {
      status = session.produce(out);
    }
    EXPECT_EQ(status, Status::close);
    EXPECT_LE(out.size(), Http2Session::output_high_water + 16384);
    const std::string output = take(out);
    EXPECT_EQ(test::goaway_code(output), static_cast<std::int64_t>(attack.goaway));
    EXPECT_EQ(session.feed({attack.input.data(), 10}, out), Status::close) << "stays closed";
  }
  Http2Client client;
  Http2Session session(f.config, f.services);
  OutputQueue out;
  const std::int32_t id = client.request("GET", "/ping");
  exchange(client, session, out);
  EXPECT_EQ(client.responses[id].body, "pong");
}

INSTANTIATE_TEST_SUITE_P(Table, Http2AttackTest, testing::ValuesIn(attacks()),
                         [](const testing::TestParamInfo<Attack>& info) {
                           return std::string(info.param.name);
                         });

TEST(Http2Session, RequestBodiesAreDiscardedUpToTheLimit) {
  Fixture f;
  Http2Client client;
  Http2Session session(f.config, f.services);
  OutputQueue out;
  const std::int32_t small = client.request("POST", "/nope", {}, std::string(500, 'x'));
  const std::int32_t big = client.request("POST", "/ping", {}, std::string(5000, 'x'));
  const std::int32_t next = client.request("GET", "/ping");
  EXPECT_EQ(exchange(client, session, out), Status::open);
  EXPECT_EQ(client.responses[small].status(), 404);
  // Beyond max_body_bytes before its answer went: the stream is cancelled.
  EXPECT_TRUE(client.responses[big].reset);
  EXPECT_EQ(client.responses[big].reset_code, static_cast<std::uint32_t>(NGHTTP2_CANCEL));
  EXPECT_EQ(client.responses[next].body, "pong");
  EXPECT_FALSE(client.goaway);
  EXPECT_TRUE(session.idle());
}

// h2c: curl --http2 over http sends GET with "Upgrade: h2c" and HTTP2-Settings.
TEST(Http2Session, UpgradeAnswersStreamOneOverHttp2) {
  for (const std::string method : {"GET", "HEAD"}) {
    Fixture f;
    Http2Session session(f.config, f.services);
    OutputQueue out;
    const std::string settings = "AAMAAABkAAQCAAAAAAIAAAAA"; // what curl 7.88 sends
    ASSERT_TRUE(session.upgrade(settings, method, "/bigger", out));
    std::string bytes = take(out);
    const std::string_view switching =
        "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n";
    ASSERT_TRUE(bytes.starts_with(switching));
    bytes.erase(0, switching.size());

    Http2Client client;
    // The same settings, decoded: MAX_CONCURRENT_STREAMS 100, INITIAL_WINDOW_SIZE 32 MiB,
    // ENABLE_PUSH 0.
    const std::string payload("\x00\x03\x00\x00\x00\x64\x00\x04\x02\x00\x00\x00\x00\x02\x00"
                              "\x00\x00\x00",
                              18);
    ASSERT_EQ(nghttp2_session_upgrade2(client.session(),
                                       reinterpret_cast<const std::uint8_t*>(payload.data()),
                                       payload.size(), method == "HEAD", nullptr),
              0);
    client.responses[1];
    ASSERT_TRUE(client.receive(bytes));
    exchange(client, session, out);
    EXPECT_EQ(client.responses[1].status(), 200);
    EXPECT_EQ(client.responses[1].body, method == "HEAD" ? "" : std::string(bigger_document()));
    EXPECT_EQ(client.responses[1].headers["content-length"], "585");
    const std::int32_t next = client.request("GET", "/ping");
    exchange(client, session, out);
    EXPECT_EQ(client.responses[next].body, "pong");
  }
}

TEST(Http2Session, UpgradeWithBadSettingsIsDeclined) {
  Fixture f;
  Http2Session session(f.config, f.services);
  OutputQueue out;
  EXPECT_FALSE(session.upgrade("not base64!", "GET", "/ping", out));
  EXPECT_FALSE(session.upgrade("AAMAAABkAAQ", "GET", "/ping", out)) << "not whole entries";
  EXPECT_TRUE(out.empty());
}

// SIGTERM: GOAWAY(NO_ERROR), the stream in flight finishes, then the session ends.
TEST(Http2Session, DrainFinishesStreamsInFlight) {
  Fixture f;
  Http2Client client;
  Http2Session session(f.config, f.services);
  OutputQueue out;
  const std::int32_t id = client.request("GET", "/length/1048576");
  const std::string input = client.pending();
  session.feed({input.data(), input.size()}, out);
  client.receive(take(out)); // the first 64 KiB: the client's window is now closed
  EXPECT_FALSE(session.idle());
  EXPECT_EQ(session.begin_drain(out), Status::open);
  client.receive(take(out));
  EXPECT_TRUE(client.goaway);
  EXPECT_EQ(client.goaway_code, static_cast<std::uint32_t>(NGHTTP2_NO_ERROR));
  EXPECT_EQ(client.goaway_last_stream, id);
  EXPECT_EQ(exchange(client, session, out), Status::close);
  EXPECT_EQ(client.responses[id].body, generate_payload(1 << 20));
  EXPECT_TRUE(session.idle());
}

TEST(Http2Session, DrainWhenIdleClosesAtOnce) {
  Fixture f;
  Http2Client client;
  Http2Session session(f.config, f.services);
  OutputQueue out;
  exchange(client, session, out);
  EXPECT_EQ(session.begin_drain(out), Status::close);
  EXPECT_EQ(test::goaway_code(take(out)), NGHTTP2_NO_ERROR);
}

TEST(Http2Session, TerminateSaysGoawayAndCloses) {
  Fixture f;
  Http2Session session(f.config, f.services);
  OutputQueue out;
  const std::string preface = test::client_preface();
  session.feed({preface.data(), preface.size()}, out);
  EXPECT_EQ(session.terminate(out), Status::close);
  EXPECT_EQ(test::goaway_code(take(out)), NGHTTP2_NO_ERROR);
  EXPECT_FALSE(session.wants_write());
}

// The client says goodbye: once its streams are answered, the session is over.
TEST(Http2Session, ClientGoawayEndsTheSession) {
  Fixture f;
  Http2Client client;
  Http2Session session(f.config, f.services);
  OutputQueue out;
  const std::int32_t id = client.request("GET", "/ping");
  nghttp2_submit_goaway(client.session(), NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, nullptr, 0);
  EXPECT_EQ(exchange(client, session, out), Status::close);
  EXPECT_EQ(client.responses[id].body, "pong");
}

// GET /delay/<ms>: the stream's response is held until its time while the other streams
// are answered, and the session tells the connection when to wake it.
TEST(Http2Session, DelayedStreamIsHeldWhileOthersAreServed) {
  Fixture f;
  Http2Client client;
  Http2Session session(f.config, f.services);
  OutputQueue out;
  const std::int32_t late = client.request("GET", "/delay/50");
  const std::int32_t later = client.request("GET", "/delay/80");
  const std::int32_t ping = client.request("GET", "/ping");
  EXPECT_EQ(exchange(client, session, out), Status::open);
  EXPECT_EQ(client.responses[ping].body, "pong");
  EXPECT_EQ(client.responses[late].status(), 0) << "answered before its time";
  EXPECT_EQ(session.wake_at_ms(), 1051u); // now + delay + 1 (SessionServices::due_ms)
  EXPECT_FALSE(session.wants_write());
  EXPECT_FALSE(session.idle());

  f.now_ms = 1050;
  EXPECT_FALSE(session.wants_write());
  f.now_ms = 1051;
  EXPECT_TRUE(session.wants_write());
  EXPECT_EQ(exchange(client, session, out), Status::open);
  const Http2Response& answered = client.responses[late];
  EXPECT_EQ(answered.status(), 200);
  EXPECT_EQ(answered.body, "pong");
  EXPECT_EQ(answered.headers.at("content-type"), "text/plain");
  EXPECT_EQ(client.responses[later].status(), 0);
  EXPECT_EQ(session.wake_at_ms(), 1081u);

  f.now_ms = 2000; // late wake-ups answer everything due
  EXPECT_EQ(exchange(client, session, out), Status::open);
  EXPECT_EQ(client.responses[later].body, "pong");
  EXPECT_EQ(session.wake_at_ms(), 0u);
  EXPECT_TRUE(session.idle());
  EXPECT_EQ(f.counters.http2_requests.get(), 3u);
}

TEST(Http2Session, DelayZeroAndHeadAndAboveTheLimit) {
  Fixture f;
  f.config.max_delay_ms = 100;
  Http2Client client;
  Http2Session session(f.config, f.services);
  OutputQueue out;
  const std::int32_t zero = client.request("GET", "/delay/0");
  const std::int32_t head = client.request("HEAD", "/delay/10");
  const std::int32_t over = client.request("GET", "/delay/101");
  const std::int32_t bad = client.request("GET", "/delay/1x");
  exchange(client, session, out);
  EXPECT_EQ(client.responses[zero].body, "pong");
  EXPECT_EQ(client.responses[over].status(), 400);
  EXPECT_EQ(client.responses[bad].status(), 400);
  EXPECT_EQ(client.responses[head].status(), 0);
  f.now_ms = 1011;
  exchange(client, session, out);
  EXPECT_EQ(client.responses[head].status(), 200);
  EXPECT_EQ(client.responses[head].body, "");
  EXPECT_EQ(client.responses[head].headers.at("content-length"), "4");
}

// A client that gives up on a delayed stream: its held response is forgotten, not submitted
// later for a stream that is gone (ASan would see the use after free).
TEST(Http2Session, ResetOfADelayedStreamForgetsItsResponse) {
  Fixture f;
  Http2Client client;
  Http2Session session(f.config, f.services);
  OutputQueue out;
  const std::int32_t reset = client.request("GET", "/delay/50");
  const std::int32_t kept = client.request("GET", "/delay/60");
  exchange(client, session, out);
  EXPECT_EQ(session.wake_at_ms(), 1051u);
  nghttp2_submit_rst_stream(client.session(), NGHTTP2_FLAG_NONE, reset, NGHTTP2_CANCEL);
  exchange(client, session, out);
  EXPECT_EQ(session.wake_at_ms(), 1061u);
  f.now_ms = 1100;
  EXPECT_EQ(exchange(client, session, out), Status::open);
  EXPECT_EQ(client.responses[reset].status(), 0) << "a response for a reset stream";
  EXPECT_EQ(client.responses[kept].body, "pong");
  EXPECT_TRUE(session.idle());
}

// Streams still waiting when the session ends: a drain waits for them, a terminate or the
// session's end (the connection closed) drops them.
TEST(Http2Session, DrainWaitsForDelayedStreamsAndTerminateDropsThem) {
  Fixture f;
  {
    Http2Client client;
    Http2Session session(f.config, f.services);
    OutputQueue out;
    const std::int32_t id = client.request("GET", "/delay/30");
    exchange(client, session, out);
    EXPECT_EQ(session.begin_drain(out), Status::open);
    client.receive(take(out));
    EXPECT_EQ(client.goaway_last_stream, id);
    EXPECT_EQ(session.wake_at_ms(), 1031u);
    f.now_ms = 1031;
    EXPECT_EQ(exchange(client, session, out), Status::close);
    EXPECT_EQ(client.responses[id].body, "pong");
  }
  {
    Http2Client client;
    Http2Session session(f.config, f.services);
    OutputQueue out;
    client.request("GET", "/delay/30");
    exchange(client, session, out);
    EXPECT_EQ(session.terminate(out), Status::close);
    EXPECT_EQ(session.wake_at_ms(), 0u);
    f.now_ms = 5000;
    EXPECT_FALSE(session.wants_write());
  }
  {
    Http2Client client;
    auto session = std::make_unique<Http2Session>(f.config, f.services);
    OutputQueue out;
    client.request("GET", "/delay/30");
    exchange(client, *session, out);
    session.reset(); // the connection closed with the stream waiting
  }
}

} // namespace
} // namespace hcbench
