// Level 3: HTTP/2 through the real `hcbench serve` on 127.0.0.1: h2 by ALPN over HTTPS, h2c
// by prior knowledge and by Upgrade over HTTP, driven with libcurl and raw frames. The session
// itself (every chunk size, floods, limits) is covered by tests/server/http2_session_test.cpp;
// these check what only the connection does: choosing the protocol, switching on Upgrade,
// writing as the socket drains, counting, and draining on SIGTERM.
#include "server_process.h"

#include "hcbench/shared/digest.h"
#include "hcbench/shared/endpoints.h"
#include "hcbench/shared/payload.h"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <thread>

namespace hcbench {
namespace {

using namespace std::chrono_literals;
using test::RawConnection;
using test::ServerProcess;

enum class Mode {
  http1,         // HTTP/1.1 over plain TCP, the reference
  prior,         // h2c with prior knowledge
  upgrade,       // h2c by HTTP/1.1 Upgrade, as `curl --http2 http://` does
  https_http1,   // HTTPS offering only http/1.1 by ALPN
  https_h2,      // HTTPS offering h2 and http/1.1 by ALPN, as `curl --http2 https://` does
  https_no_alpn, // HTTPS offering no ALPN at all
};

struct Fetched {
  long status = 0;
  long version = 0; // CURL_HTTP_VERSION_1_1 or CURL_HTTP_VERSION_2_0
  std::string body;
  std::string headers;
  std::string error;
};

std::size_t append_to(char* data, std::size_t size, std::size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
}

using Easy = std::unique_ptr<CURL, void (*)(CURL*)>;

Easy make_easy(const ServerProcess& server, Mode mode, const std::string& path, Fetched& out) {
  Easy curl(curl_easy_init(), curl_easy_cleanup);
  const bool https =
      mode == Mode::https_http1 || mode == Mode::https_h2 || mode == Mode::https_no_alpn;
  const std::string url = https ? server.https_url(path) : server.http_url(path);
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append_to);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, append_to);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &out.headers);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 20L);
  curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYHOST, 0L);
  long version = CURL_HTTP_VERSION_1_1;
  if (mode == Mode::prior) version = CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
  if (mode == Mode::upgrade) version = CURL_HTTP_VERSION_2_0;
  if (mode == Mode::https_h2) version = CURL_HTTP_VERSION_2TLS;
  if (mode == Mode::https_no_alpn) curl_easy_setopt(curl.get(), CURLOPT_SSL_ENABLE_ALPN, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_HTTP_VERSION, version);
  return curl;
}

void finish(CURL* curl, CURLcode code, Fetched& out) {
  if (code != CURLE_OK) out.error = curl_easy_strerror(code);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
  curl_easy_getinfo(curl, CURLINFO_HTTP_VERSION, &out.version);
}

Fetched fetch(const ServerProcess& server, Mode mode, const std::string& path,
              const char* method = nullptr) {
  Fetched out;
  Easy curl = make_easy(server, mode, path, out);
  if (method != nullptr && std::string_view(method) == "HEAD") {
    curl_easy_setopt(curl.get(), CURLOPT_NOBODY, 1L);
  } else if (method != nullptr) {
    curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method);
  }
  finish(curl.get(), curl_easy_perform(curl.get()), out);
  return out;
}

// A header's value from curl's header lines, of either version (HTTP/2 names are lower case).
std::string header(const std::string& headers, std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  std::size_t start = 0;
  while (start < headers.size()) {
    const std::size_t end = headers.find("\r\n", start);
    std::string line = headers.substr(start, end - start);
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string field = line.substr(0, colon);
      std::transform(field.begin(), field.end(), field.begin(), ::tolower);
      if (field == name) return line.substr(colon + 2);
    }
    if (end == std::string::npos) break;
    start = end + 2;
  }
  return {};
}

nlohmann::json stats(const ServerProcess& server) {
  return nlohmann::json::parse(test::fetch_stats(server.http_port()));
}

class Http2Test : public ::testing::Test {
protected:
  ServerProcess& start(std::vector<std::string> args = {}) {
    server_ = std::make_unique<ServerProcess>(std::move(args));
    EXPECT_TRUE(server_->ready());
    return *server_;
  }
  void TearDown() override {
    if (server_ && server_->ready()) {
      EXPECT_EQ(fetch(*server_, Mode::prior, "/ping").body, "pong") << "the server stopped";
      EXPECT_EQ(server_->stop(), 0);
    }
  }
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(Http2Test, EveryWayToHttp2AnswersWithTheBytesAndHeadersOfHttp1) {
  auto& server = start();
  for (const std::string path :
       {"/ping", "/bigger", "/length/0", "/length/1024", "/length/1048576", "/stats/none"}) {
    const Fetched reference = fetch(server, Mode::http1, path);
    ASSERT_EQ(reference.version, CURL_HTTP_VERSION_1_1);
    for (const Mode mode : {Mode::prior, Mode::upgrade, Mode::https_h2}) {
      SCOPED_TRACE(path + " mode " + std::to_string(static_cast<int>(mode)));
      const Fetched got = fetch(server, mode, path);
      EXPECT_EQ(got.error, "");
      EXPECT_EQ(got.version, CURL_HTTP_VERSION_2_0);
      EXPECT_EQ(got.status, reference.status);
      EXPECT_TRUE(got.body == reference.body) << got.body.size() << " bytes";
      for (const char* name : {"content-type", "content-length", "repr-digest", "server"}) {
        EXPECT_EQ(header(got.headers, name), header(reference.headers, name)) << name;
      }
    }
  }
  EXPECT_EQ(fetch(server, Mode::prior, "/length/1048576").body, generate_payload(1 << 20));
}

TEST_F(Http2Test, HeadAndErrorStatusesOverHttp2) {
  auto& server = start({"--max-length", "1M"});
  for (const Mode mode : {Mode::prior, Mode::upgrade, Mode::https_h2}) {
    SCOPED_TRACE(static_cast<int>(mode));
    if (mode != Mode::upgrade) { // curl does not upgrade a HEAD request
      const Fetched head = fetch(server, mode, "/length/5000", "HEAD");
      EXPECT_EQ(head.version, CURL_HTTP_VERSION_2_0);
      EXPECT_EQ(head.status, 200);
      EXPECT_EQ(head.body, "");
      EXPECT_EQ(header(head.headers, "content-length"), "5000");
      EXPECT_EQ(header(head.headers, "repr-digest"), repr_digest(generate_payload(5000)));
    }
    const Fetched missing = fetch(server, mode, "/nope");
    EXPECT_EQ(missing.version, CURL_HTTP_VERSION_2_0);
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(fetch(server, mode, "/length/abc").status, 400);
    EXPECT_EQ(fetch(server, mode, "/length/1048577").status, 413);
    const Fetched post = fetch(server, mode, "/ping", "POST");
    EXPECT_EQ(post.status, 405);
    EXPECT_EQ(header(post.headers, "allow"), "GET, HEAD");
  }
}

TEST_F(Http2Test, ClientsWithoutH2InAlpnGetHttp1) {
  auto& server = start();
  for (const Mode mode : {Mode::https_http1, Mode::https_no_alpn}) {
    const Fetched got = fetch(server, mode, "/bigger");
    EXPECT_EQ(got.error, "");
    EXPECT_EQ(got.version, CURL_HTTP_VERSION_1_1);
    EXPECT_EQ(got.body, bigger_document());
  }
}

TEST_F(Http2Test, Http2OffGivesHttp1Everywhere) {
  auto& server = start({"--http2", "off"});
  for (const Mode mode : {Mode::upgrade, Mode::https_h2}) {
    const Fetched got = fetch(server, mode, "/ping");
    EXPECT_EQ(got.version, CURL_HTTP_VERSION_1_1);
    EXPECT_EQ(got.body, "pong");
  }
  // The preface is then only a malformed HTTP/1 request.
  RawConnection c(server.http_port());
  c.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  const std::string answer = c.read_all();
  EXPECT_EQ(answer.rfind("HTTP/1.1 ", 0), 0u) << answer;
  EXPECT_EQ(stats(server)["protocols"]["http2"]["connections"]["accepted"].get<int>(), 0);
  // TearDown's prior-knowledge check cannot work with HTTP/2 off.
  EXPECT_EQ(server.stop(), 0);
  server_.reset();
}

// Runs every easy handle in `handles` to completion on one multi handle that multiplexes
// them on one connection; at most `seconds` in all. `between` runs on every loop turn.
void run_multiplexed(
    std::vector<CURL*> handles, int seconds, const std::function<void()>& between = [] {}) {
  CURLM* multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 1L);
  for (CURL* easy : handles) {
    curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L);
    curl_multi_add_handle(multi, easy);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  int running = 1;
  while (running > 0 && std::chrono::steady_clock::now() < deadline) {
    curl_multi_perform(multi, &running);
    between();
    if (running > 0) curl_multi_poll(multi, nullptr, 0, 100, nullptr);
  }
  for (CURL* easy : handles) curl_multi_remove_handle(multi, easy);
  curl_multi_cleanup(multi);
}

TEST_F(Http2Test, StreamsAreMultiplexedOnOneTlsConnection) {
  auto& server = start();
  constexpr int count = 24;
  std::vector<Fetched> results(count);
  std::vector<Easy> easies;
  std::vector<CURL*> handles;
  for (int i = 0; i < count; ++i) {
    const std::string path = i % 2 == 0 ? "/length/131072" : "/bigger";
    easies.push_back(make_easy(server, Mode::https_h2, path, results[i]));
    handles.push_back(easies.back().get());
  }
  run_multiplexed(handles, 30);
  for (int i = 0; i < count; ++i) {
    finish(handles[i], CURLE_OK, results[i]);
    EXPECT_EQ(results[i].version, CURL_HTTP_VERSION_2_0);
    EXPECT_EQ(results[i].status, 200);
    EXPECT_TRUE(results[i].body ==
                (i % 2 == 0 ? generate_payload(131072) : std::string(bigger_document())));
  }
  const auto doc = stats(server);
  EXPECT_EQ(doc["protocols"]["http2"]["connections"]["accepted"].get<int>(), 1);
  EXPECT_EQ(doc["protocols"]["http2"]["streams"].get<int>(), count);
  EXPECT_EQ(doc["protocols"]["http2"]["requests"].get<int>(), count);
}

TEST_F(Http2Test, StatsCountPerProtocolVersion) {
  auto& server = start();
  fetch(server, Mode::http1, "/ping");
  fetch(server, Mode::https_http1, "/ping");
  fetch(server, Mode::prior, "/ping");
  fetch(server, Mode::upgrade, "/ping");
  fetch(server, Mode::https_h2, "/ping");
  fetch(server, Mode::https_h2, "/nope");
  const auto doc = stats(server); // itself an HTTP/1.1 request on a 7th connection
  EXPECT_EQ(doc["connections"]["accepted"].get<int>(), 7);
  EXPECT_EQ(doc["protocols"]["http1"]["requests"].get<int>(), 3);
  // HTTP/1 sessions: one plain, one HTTPS, the one upgraded to h2c, and this /stats.
  EXPECT_EQ(doc["protocols"]["http1"]["connections"]["accepted"].get<int>(), 4);
  EXPECT_EQ(doc["protocols"]["http2"]["connections"]["accepted"].get<int>(), 4);
  EXPECT_EQ(doc["protocols"]["http2"]["requests"].get<int>(), 4);
  EXPECT_EQ(doc["protocols"]["http2"]["streams"].get<int>(), 4);
  EXPECT_EQ(doc["requests"]["total"].get<int>(), 7);
  EXPECT_EQ(doc["requests"]["by_status"]["404"].get<int>(), 1);
}

TEST(Http2Lifecycle, SigtermFinishesTheStreamsInFlightThenExitsZero) {
  ServerProcess server;
  ASSERT_TRUE(server.ready());
  constexpr int count = 4;
  constexpr std::size_t size = 4 << 20;
  std::vector<Fetched> results(count);
  std::vector<Easy> easies;
  std::vector<CURL*> handles;
  for (int i = 0; i < count; ++i) {
    easies.push_back(make_easy(server, Mode::https_h2, "/length/4194304", results[i]));
    handles.push_back(easies.back().get());
  }
  bool signalled = false;
  run_multiplexed(handles, 30, [&] {
    // Once every stream has begun answering, and before they are done.
    if (signalled) return;
    const bool all_started = std::all_of(results.begin(), results.end(),
                                         [](const Fetched& r) { return !r.body.empty(); });
    if (all_started) {
      ::kill(server.pid(), SIGTERM);
      signalled = true;
    }
  });
  EXPECT_TRUE(signalled);
  for (int i = 0; i < count; ++i) {
    finish(handles[i], CURLE_OK, results[i]);
    EXPECT_EQ(results[i].status, 200);
    EXPECT_EQ(results[i].body.size(), size) << "stream " << i << " was cut short";
  }
  EXPECT_EQ(server.stop(), 0);
}

// Raw HTTP/2 frames, for what a well-behaved client never sends.
constexpr std::string_view preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

std::string frame(std::uint8_t type, std::uint8_t flags, std::uint32_t stream,
                  std::string_view payload = {}) {
  std::string f;
  const auto length = static_cast<std::uint32_t>(payload.size());
  f += static_cast<char>(length >> 16);
  f += static_cast<char>(length >> 8);
  f += static_cast<char>(length);
  f += static_cast<char>(type);
  f += static_cast<char>(flags);
  for (int shift = 24; shift >= 0; shift -= 8) f += static_cast<char>(stream >> shift);
  f += payload;
  return f;
}

struct Frame {
  std::uint8_t type;
  std::uint32_t stream;
  std::string payload;
};

std::vector<Frame> parse_frames(std::string_view bytes) {
  std::vector<Frame> frames;
  while (bytes.size() >= 9) {
    const auto u = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); };
    const std::size_t length = (u(0) << 16) | (u(1) << 8) | u(2);
    if (bytes.size() < 9 + length) break;
    const std::uint32_t stream = ((u(5) & 0x7f) << 24) | (u(6) << 16) | (u(7) << 8) | u(8);
    frames.push_back({u(3), stream, std::string(bytes.substr(9, length))});
    bytes.remove_prefix(9 + length);
  }
  return frames;
}

// The error code of the GOAWAY among `frames`; -1 when there is none.
long goaway_code(const std::vector<Frame>& frames) {
  for (const Frame& f : frames) {
    if (f.type == 7 && f.payload.size() >= 8) {
      const auto u = [&](std::size_t i) { return static_cast<std::uint8_t>(f.payload[i]); };
      return (static_cast<long>(u(4)) << 24) | (u(5) << 16) | (u(6) << 8) | u(7);
    }
  }
  return -1;
}

constexpr std::uint8_t headers_type = 1;
constexpr std::uint8_t rst_stream_type = 3;
constexpr std::uint8_t settings_type = 4;
constexpr std::uint8_t ping_type = 6;
constexpr std::uint8_t end_stream_and_headers = 0x5;
// :method GET, :scheme http, :path / from HPACK's static table, and ":authority: a" (nghttp2
// resets a request without one).
constexpr std::string_view get_root = "\x82\x86\x84\x01\x01"
                                      "a";

TEST_F(Http2Test, PrefaceSplitIntoSingleBytesIsRecognised) {
  auto& server = start();
  RawConnection c(server.http_port());
  const int one = 1;
  setsockopt(c.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  for (const char byte : preface) {
    c.send({&byte, 1});
    std::this_thread::sleep_for(2ms);
  }
  c.send(frame(settings_type, 0, 0) + frame(headers_type, end_stream_and_headers, 1, get_root));
  c.shutdown_write();
  const auto frames = parse_frames(c.read_all());
  const bool answered = std::any_of(frames.begin(), frames.end(), [](const Frame& f) {
    return f.type == headers_type && f.stream == 1;
  });
  std::string seen;
  for (const Frame& f : frames)
    seen += std::to_string(f.type) + "/" + std::to_string(f.stream) + " ";
  EXPECT_TRUE(answered) << "frames (type/stream): " << seen;
}

TEST_F(Http2Test, BadPrefaceGetsGoawayAndOnlyThatConnectionCloses) {
  auto& server = start();
  // The preface, then a PING where SETTINGS must come: PROTOCOL_ERROR (1).
  RawConnection c(server.http_port());
  c.send(std::string(preface) + frame(ping_type, 0, 0, std::string(8, 'x')));
  EXPECT_EQ(goaway_code(parse_frames(c.read_all())), 1);
  // Almost the preface: an HTTP/1 request, answered as one.
  RawConnection almost(server.http_port());
  almost.send("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n");
  EXPECT_EQ(almost.read_all().rfind("HTTP/1.1 ", 0), 0u);
}

TEST_F(Http2Test, RapidResetGetsEnhanceYourCalm) {
  auto& server = start();
  RawConnection c(server.http_port());
  std::string burst = std::string(preface) + frame(settings_type, 0, 0);
  // Far past the allowed burst of resets (200), each stream opened and cancelled at once.
  for (std::uint32_t id = 1; id < 2 * 1000; id += 2) {
    burst += frame(headers_type, 0x4, id, get_root); // END_HEADERS, the stream stays open
    burst += frame(rst_stream_type, 0, id, std::string("\0\0\0\x8", 4)); // CANCEL
  }
  c.send(burst);
  const auto frames = parse_frames(c.read_all());
  EXPECT_EQ(goaway_code(frames), 0xb) << "ENHANCE_YOUR_CALM";
  EXPECT_GE(stats(server)["protocols"]["http2"]["resets_received"].get<int>(), 200);
}

// A client that opens every window and then reads nothing: the server's memory stays bounded
// (at most 256 KiB produced ahead of the socket), and the idle timeout, which counts progress
// rather than open streams, closes it.
TEST_F(Http2Test, ClientThatNeverReadsIsBoundedAndTimesOut) {
  auto& server = start({"--idle-timeout", "1"});
  const long rss_before = server.rss_kib();
  RawConnection c(server.http_port());
  const std::string big_window("\x00\x04\x7f\xff\xff\xff", 6); // INITIAL_WINDOW_SIZE 2^31-1
  std::string requests = std::string(preface) + frame(settings_type, 0, 0, big_window) +
                         frame(8, 0, 0, std::string("\x7f\xff\x00\x00", 4)); // WINDOW_UPDATE
  // :method GET, :scheme http, :path /length/1048576, :authority a.
  const std::string get_mebibyte = std::string("\x82\x86\x04\x0f/length/1048576\x01\x01"
                                               "a");
  for (std::uint32_t id = 1; id < 2 * 100; id += 2) {
    requests += frame(headers_type, end_stream_and_headers, id, get_mebibyte);
  }
  ASSERT_TRUE(c.send(requests));
  std::this_thread::sleep_for(2500ms); // the idle timeout, plus the sweep's 250 ms, and more
  EXPECT_LT(server.rss_kib() - rss_before, 32 * 1024) << "100 MiB asked for, never read";
  const auto doc = stats(server);
  EXPECT_EQ(doc["connections"]["active"].get<int>(), 1) << "only this /stats connection";
  EXPECT_EQ(doc["protocols"]["http2"]["connections"]["active"].get<int>(), 0);
}

TEST_F(Http2Test, MaxStreamsIsAnnouncedInTheServerSettings) {
  auto& server = start({"--max-streams", "7"});
  RawConnection c(server.http_port());
  c.send(std::string(preface) + frame(settings_type, 0, 0));
  c.shutdown_write();
  const auto frames = parse_frames(c.read_all());
  ASSERT_FALSE(frames.empty());
  ASSERT_EQ(frames.front().type, settings_type);
  const std::string& entries = frames.front().payload;
  long max_streams = -1;
  for (std::size_t at = 0; at + 6 <= entries.size(); at += 6) {
    const auto u = [&](std::size_t i) { return static_cast<std::uint8_t>(entries[at + i]); };
    if (u(0) == 0 && u(1) == 3) max_streams = (u(2) << 24) | (u(3) << 16) | (u(4) << 8) | u(5);
  }
  EXPECT_EQ(max_streams, 7);
}

// :method GET, :scheme http, :path <path> (a literal), :authority a.
std::string get_block(std::string_view path) {
  return std::string("\x82\x86\x04", 3) + static_cast<char>(path.size()) + std::string(path) +
         "\x01\x01"
         "a";
}

// GET /delay/<ms> over every way to HTTP/2: the answer comes after its time, and two delayed
// streams on one connection wait side by side, not one after the other (600 ms or more).
TEST_F(Http2Test, DelayedStreamsWaitSideBySideOnOneConnection) {
  auto& server = start();
  for (const Mode mode : {Mode::prior, Mode::upgrade, Mode::https_h2}) {
    const auto sent = std::chrono::steady_clock::now();
    const Fetched one = fetch(server, mode, "/delay/50");
    EXPECT_GE(std::chrono::steady_clock::now() - sent, 50ms);
    EXPECT_EQ(one.version, CURL_HTTP_VERSION_2_0) << one.error;
    EXPECT_EQ(one.status, 200);
    EXPECT_EQ(one.body, "pong");
  }
  // h2 by ALPN: libcurl multiplexes both transfers on one connection.
  const auto before = stats(server)["protocols"]["http2"]["connections"]["accepted"].get<int>();
  std::vector<Fetched> results(2);
  std::vector<Easy> easies;
  std::vector<CURL*> handles;
  for (Fetched& result : results) {
    easies.push_back(make_easy(server, Mode::https_h2, "/delay/300", result));
    handles.push_back(easies.back().get());
  }
  auto sent = std::chrono::steady_clock::now();
  run_multiplexed(handles, 20);
  auto took = std::chrono::steady_clock::now() - sent;
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 600ms) << "h2: the second stream waited for the first";
  for (std::size_t i = 0; i < handles.size(); ++i) {
    finish(handles[i], CURLE_OK, results[i]);
    EXPECT_EQ(results[i].version, CURL_HTTP_VERSION_2_0) << results[i].error;
    EXPECT_EQ(results[i].status, 200);
    EXPECT_EQ(results[i].body, "pong");
  }
  const auto after = stats(server)["protocols"]["http2"]["connections"]["accepted"].get<int>();
  EXPECT_EQ(after - before, 1) << "both streams on one connection";

  // h2c: two streams in raw frames on one connection (libcurl 7.88 does not multiplex h2c).
  RawConnection c(server.http_port());
  sent = std::chrono::steady_clock::now();
  ASSERT_TRUE(c.send(std::string(preface) + frame(settings_type, 0, 0) +
                     frame(headers_type, end_stream_and_headers, 1, get_block("/delay/300")) +
                     frame(headers_type, end_stream_and_headers, 3, get_block("/delay/300"))));
  std::string received;
  std::vector<std::uint32_t> answered;
  while (answered.size() < 2 && std::chrono::steady_clock::now() - sent < 5s) {
    char buffer[4096];
    const ssize_t got = ::recv(c.fd(), buffer, sizeof buffer, 0);
    if (got <= 0) break;
    received.append(buffer, static_cast<std::size_t>(got));
    answered.clear();
    for (const Frame& f : parse_frames(received)) {
      if (f.type == headers_type) answered.push_back(f.stream);
    }
  }
  took = std::chrono::steady_clock::now() - sent;
  EXPECT_EQ(answered.size(), 2u);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 600ms) << "h2c: the second stream waited for the first";
}

// A client that resets a delayed stream, and one that closes its connection while streams
// wait: the held responses are forgotten (under ASan, a response submitted for a stream or a
// session that is gone would be a use after free), and the server serves on.
TEST_F(Http2Test, ResetOrClosedWhileDelayedStreamsWait) {
  auto& server = start();
  {
    RawConnection c(server.http_port());
    ASSERT_TRUE(c.send(std::string(preface) + frame(settings_type, 0, 0) +
                       frame(headers_type, end_stream_and_headers, 1, get_block("/delay/150")) +
                       frame(headers_type, end_stream_and_headers, 3, get_block("/delay/150")) +
                       frame(rst_stream_type, 0, 1, std::string("\0\0\0\x8", 4)) + // CANCEL
                       frame(headers_type, end_stream_and_headers, 5, get_block("/ping"))));
    std::this_thread::sleep_for(400ms); // past the delays
    c.shutdown_write();
    std::vector<std::uint32_t> answered;
    for (const Frame& f : parse_frames(c.read_all())) {
      if (f.type == headers_type) answered.push_back(f.stream);
    }
    EXPECT_EQ(answered, (std::vector<std::uint32_t>{5, 3})) << "/ping at once, then stream 3";
  }
  {
    RawConnection c(server.http_port());
    std::string requests = std::string(preface) + frame(settings_type, 0, 0);
    for (std::uint32_t id = 1; id < 2 * 20; id += 2) {
      requests += frame(headers_type, end_stream_and_headers, id, get_block("/delay/100"));
    }
    ASSERT_TRUE(c.send(requests));
    std::this_thread::sleep_for(30ms); // the server has read them
  }                                    // closed with 20 streams waiting
  std::this_thread::sleep_for(300ms);  // past their time: the wake-up finds nothing
  const auto doc = stats(server);
  EXPECT_EQ(doc["protocols"]["http2"]["connections"]["active"].get<int>(), 0);
  EXPECT_EQ(doc["protocols"]["http2"]["requests"].get<int>(), 23);
}

} // namespace
} // namespace hcbench
