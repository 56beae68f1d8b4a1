// Level 3: the real `hcbench serve` on 127.0.0.1, driven with libcurl and raw bytes.
#include "memory_tls_client.h"
#include "server_process.h"

#include "hcbench/server/config.h"
#include "hcbench/shared/digest.h"
#include "hcbench/shared/endpoints.h"
#include "hcbench/shared/payload.h"

#include <curl/curl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <poll.h>
#include <sys/resource.h>

#include <cctype>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <thread>

namespace hcbench {
namespace {

using namespace std::chrono_literals;
using test::curl_get;
using test::CurlResult;
using test::RawConnection;
using test::response_statuses;
using test::ServerProcess;

// Case-insensitive: libcurl negotiates HTTP/2 over HTTPS by ALPN, whose names are lower case.
std::string header_value(const std::string& headers, const std::string& name) {
  const auto lower = [](std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
  };
  const std::string folded = lower(headers);
  const auto at = folded.find(lower(name) + ": ");
  if (at == std::string::npos) return {};
  const auto start = at + name.size() + 2;
  return headers.substr(start, headers.find("\r\n", start) - start);
}

std::string source_file(const std::string& relative) {
  const char* root = std::getenv("HCBENCH_SOURCE_DIR");
  return std::string(root ? root : ".") + "/" + relative;
}

// Every test ends by checking that the server still serves. A few tries: connections the test
// just closed count against --max-connections until the server has read their FIN.
void expect_serving(const ServerProcess& server) {
  std::string body;
  for (int attempt = 0; attempt < 20 && body != "pong"; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(50ms);
    body = curl_get(server.http_url("/ping")).body;
  }
  EXPECT_EQ(body, "pong") << "the server stopped serving";
}

class ServeTest : public ::testing::Test {
protected:
  void TearDown() override {
    if (server_ && server_->ready()) expect_serving(*server_);
  }
  ServerProcess& start(std::vector<std::string> args = {}) {
    server_ = std::make_unique<ServerProcess>(std::move(args));
    EXPECT_TRUE(server_->ready());
    return *server_;
  }
  std::unique_ptr<ServerProcess> server_;
};

// The HTTPS tests run against each TLS engine of the server (--tls-engine).
class ServeTlsTest : public ServeTest, public ::testing::WithParamInterface<TlsEngine> {
protected:
  ServerProcess& start(std::vector<std::string> args = {}) {
    args.push_back("--tls-engine");
    args.emplace_back(tls_engine_name(GetParam()));
    return ServeTest::start(std::move(args));
  }
};
INSTANTIATE_TEST_SUITE_P(Engines, ServeTlsTest,
                         ::testing::Values(TlsEngine::mbedtls, TlsEngine::openssl),
                         [](const ::testing::TestParamInfo<TlsEngine>& info) {
                           return std::string(tls_engine_name(info.param));
                         });

TEST_P(ServeTlsTest, EveryEndpointOverHttpAndHttps) {
  auto& server = start();
  for (const bool https : {false, true}) {
    const auto url = [&](std::string_view path) {
      return https ? server.https_url(path) : server.http_url(path);
    };
    const CurlResult ping = curl_get(url("/ping"));
    EXPECT_EQ(ping.status, 200) << ping.error;
    EXPECT_EQ(ping.body, "pong");
    EXPECT_EQ(header_value(ping.headers, "Content-Type"), "text/plain");

    const CurlResult bigger = curl_get(url("/bigger"));
    EXPECT_EQ(bigger.status, 200);
    EXPECT_EQ(bigger.body, bigger_document());
    EXPECT_EQ(header_value(bigger.headers, "Content-Type"), "application/json");

    for (const std::uint64_t n : {0, 1, 1024, 131072, 1 << 20}) {
      const CurlResult length = curl_get(url("/length/" + std::to_string(n)));
      EXPECT_EQ(length.status, 200);
      EXPECT_EQ(length.body.size(), n);
      EXPECT_TRUE(length.body == generate_payload(n)) << "n=" << n << " https=" << https;
      EXPECT_EQ(header_value(length.headers, "Repr-Digest"), repr_digest(length.body));
      EXPECT_EQ(header_value(length.headers, "Content-Type"), "application/octet-stream");
    }
    const CurlResult head = curl_get(url("/length/5000"), true);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.body, "");
    EXPECT_EQ(header_value(head.headers, "Content-Length"), "5000");
  }
}

TEST_P(ServeTlsTest, HttpsVerifiesAgainstTheProjectCertificate) {
  auto& server = start();
  const CurlResult verified =
      curl_get(server.https_url("/ping"), false, source_file("certs/ca.crt"));
  EXPECT_EQ(verified.status, 200) << verified.error;
  EXPECT_EQ(verified.body, "pong");
}

TEST_F(ServeTest, ErrorStatuses) {
  auto& server = start({"--max-length", "1M"});
  EXPECT_EQ(curl_get(server.http_url("/nope")).status, 404);
  EXPECT_EQ(curl_get(server.http_url("/length/abc")).status, 400);
  EXPECT_EQ(curl_get(server.http_url("/length/-1")).status, 400);
  EXPECT_EQ(curl_get(server.http_url("/length/99999999999999999999999")).status, 400);
  EXPECT_EQ(curl_get(server.http_url("/length/1048577")).status, 413);
  EXPECT_EQ(curl_get(server.https_url("/length/1048577")).status, 413);
  RawConnection c(server.http_port());
  c.send("POST /ping HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
  const auto response = c.read_responses(1);
  EXPECT_EQ(response_statuses(response), std::vector<int>{405});
  EXPECT_NE(response.find("Allow: GET, HEAD\r\n"), std::string::npos);
}

TEST_F(ServeTest, KeepAliveReusesOneConnection) {
  auto& server = start();
  CURL* curl = curl_easy_init();
  std::string body;
  curl_easy_setopt(curl, CURLOPT_URL, server.http_url("/ping").c_str());
  curl_easy_setopt(
      curl, CURLOPT_WRITEFUNCTION,
      +[](char*, std::size_t s, std::size_t n, void*) { return s * n; });
  long connects = -1;
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(curl_easy_perform(curl), CURLE_OK);
    curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &connects);
    EXPECT_EQ(connects, i == 0 ? 1 : 0) << "request " << i;
  }
  curl_easy_cleanup(curl);
}

TEST_F(ServeTest, RawKeepAliveCloseAndHttp10) {
  auto& server = start();
  {
    RawConnection c(server.http_port());
    c.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\nGET /bigger HTTP/1.1\r\nHost: x\r\n\r\nGET "
           "/length/3 HTTP/1.1\r\n\r\n");
    const auto out = c.read_responses(3);
    EXPECT_EQ(response_statuses(out), (std::vector<int>{200, 200, 200}));
    c.send("GET /ping HTTP/1.1\r\nConnection: close\r\n\r\n");
    const auto last = c.read_all();
    EXPECT_EQ(response_statuses(last), std::vector<int>{200});
    EXPECT_NE(last.find("Connection: close"), std::string::npos);
  }
  {
    RawConnection c(server.http_port());
    c.send("GET /ping HTTP/1.0\r\n\r\n");
    EXPECT_TRUE(c.read_all().ends_with("pong")); // and then closed
  }
  {
    RawConnection c(server.http_port());
    c.send("GET /ping HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    EXPECT_NE(c.read_responses(1).find("Connection: keep-alive"), std::string::npos);
    c.send("GET /ping HTTP/1.0\r\n\r\n");
    EXPECT_TRUE(c.read_all().ends_with("pong"));
  }
  {
    // A half-closed client (as `nc` does) still gets its answer.
    RawConnection c(server.http_port());
    c.send("GET /ping HTTP/1.1\r\n\r\n");
    c.shutdown_write();
    EXPECT_TRUE(c.read_all().ends_with("pong"));
  }
}

TEST_F(ServeTest, DelayAnswersLaterWithoutBlockingTheLoop) {
  auto& server = start({"--max-delay", "5"});
  // One connection waits for a long delay while another is answered meanwhile: the delay is
  // a timer on the loop, not a sleep in it.
  RawConnection waiting(server.http_port());
  ASSERT_TRUE(waiting.send("GET /delay/1500 HTTP/1.1\r\nHost: x\r\n\r\n"));
  const auto sent = std::chrono::steady_clock::now();
  EXPECT_EQ(curl_get(server.http_url("/ping")).body, "pong");
  pollfd ready{waiting.fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&ready, 1, 0), 0) << "the delayed response came before /ping's";
  const std::string delayed = waiting.read_responses(1);
  EXPECT_GE(std::chrono::steady_clock::now() - sent, 1500ms);
  EXPECT_EQ(response_statuses(delayed), std::vector<int>{200});
  EXPECT_TRUE(delayed.ends_with("pong"));

  // Pipelined behind a delay, a /ping waits for it: responses leave in request order.
  RawConnection pipelined(server.http_port());
  pipelined.send("GET /delay/200 HTTP/1.1\r\n\r\nGET /length/3 HTTP/1.1\r\n\r\n"
                 "GET /delay/1 HTTP/1.1\r\nConnection: close\r\n\r\n");
  const std::string three = pipelined.read_all();
  EXPECT_EQ(response_statuses(three), (std::vector<int>{200, 200, 200}));
  EXPECT_LT(three.find("pong"), three.find("Content-Length: 3"));
  EXPECT_TRUE(three.ends_with("pong")); // and then closed

  // A half-closed client still gets its delayed answer.
  RawConnection half(server.http_port());
  half.send("GET /delay/100 HTTP/1.1\r\n\r\n");
  half.shutdown_write();
  EXPECT_TRUE(half.read_all().ends_with("pong"));

  // Over HTTPS libcurl negotiates HTTP/2, whose session holds the stream's response for its
  // time as HTTP/1.1 does (h2c and streams served meanwhile: tests/loopback/http2_test.cpp).
  // HEAD; above --max-delay, 400.
  const auto h2_sent = std::chrono::steady_clock::now();
  const auto over_h2 = curl_get(server.https_url("/delay/50"));
  EXPECT_GE(std::chrono::steady_clock::now() - h2_sent, 50ms);
  EXPECT_EQ(over_h2.status, 200);
  EXPECT_EQ(over_h2.body, "pong");
  EXPECT_EQ(curl_get(server.https_url("/delay/5001")).status, 400);
  EXPECT_EQ(curl_get(server.http_url("/delay/20"), /*head=*/true).status, 200);
  EXPECT_EQ(curl_get(server.http_url("/delay/5001")).status, 400);
}

TEST_F(ServeTest, MalformedAndOversizedRequestsCloseTheConnection) {
  auto& server = start();
  const std::vector<std::pair<std::string, int>> cases = {
      {"GARBAGE\r\n\r\n", 400},
      {"GET /ping HTTP/1.1\r\nX: " + std::string(9000, 'a') + "\r\n\r\n", 431},
      {"GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n", 431},
      {"POST /ping HTTP/1.1\r\nContent-Length: 5000000\r\n\r\n", 413},
      {"GET /ping HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
  };
  for (const auto& [request, status] : cases) {
    RawConnection c(server.http_port());
    c.send(request);
    const auto out = c.read_all();
    EXPECT_EQ(response_statuses(out), std::vector<int>{status}) << request.substr(0, 60);
  }
}

TEST_F(ServeTest, SlowHeadersGet408AndClose) {
  auto& server = start({"--header-timeout", "1"});
  RawConnection c(server.http_port(), 5s);
  c.send("GET /ping HTTP/1.1\r\nHost: x\r\n");
  const auto start_time = std::chrono::steady_clock::now();
  const auto out = c.read_all();
  const auto waited = std::chrono::steady_clock::now() - start_time;
  EXPECT_EQ(response_statuses(out), std::vector<int>{408});
  EXPECT_GE(waited, 800ms);
}

TEST_P(ServeTlsTest, StalledTlsHandshakeIsClosedAfterTheHeaderTimeout) {
  auto& server = start({"--header-timeout", "1"});
  RawConnection c(server.https_port(), 5s);
  c.send(std::string_view("\x16\x03\x01\x00\x80", 5)); // a ClientHello that never comes
  EXPECT_TRUE(c.closed_by_peer()); // within 5 s, long before the 65 s idle timeout
}

TEST_F(ServeTest, IdleKeepAliveIsClosed) {
  auto& server = start({"--idle-timeout", "1"});
  RawConnection c(server.http_port(), 5s);
  c.send("GET /ping HTTP/1.1\r\n\r\n");
  c.read_responses(1);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(ServeTest, MaxConnectionsClosesTheExtraOnes) {
  auto& server = start({"--max-connections", "2"});
  RawConnection a(server.http_port()), b(server.http_port());
  a.send("GET /ping HTTP/1.1\r\n\r\n");
  b.send("GET /ping HTTP/1.1\r\n\r\n");
  EXPECT_EQ(response_statuses(a.read_responses(1)), std::vector<int>{200});
  EXPECT_EQ(response_statuses(b.read_responses(1)), std::vector<int>{200});
  RawConnection extra(server.http_port(), 3s);
  extra.send("GET /ping HTTP/1.1\r\n\r\n");
  EXPECT_TRUE(extra.closed_by_peer());
  a.send("GET /stats HTTP/1.1\r\n\r\n");
  const auto response = a.read_responses(1);
  const auto stats = nlohmann::json::parse(response.substr(response.find("\r\n\r\n") + 4));
  EXPECT_EQ(stats["connections"]["rejected"].get<int>(), 1);
}

int open_descriptors(pid_t pid) {
  int count = 0;
  if (DIR* dir = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (const dirent* entry = ::readdir(dir)) count += entry->d_name[0] != '.';
    ::closedir(dir);
  }
  return count;
}

// User + system CPU time of a process, in clock ticks.
long cpu_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip; // state .. cmajflt
  long utime = 0, stime = 0;
  fields >> utime >> stime;
  return utime + stime;
}

TEST_F(ServeTest, OutOfDescriptorsPausesAcceptingThenServesTheRest) {
  // Room for a few connections only. (The server raises its own soft limit to the hard one
  // when it starts, so the limit is set from outside, once it runs.)
  auto& server = start();
  const int room = 8;
  const rlimit low{static_cast<rlim_t>(open_descriptors(server.pid()) + room),
                   static_cast<rlim_t>(open_descriptors(server.pid()) + room)};
  ASSERT_EQ(::prlimit(server.pid(), RLIMIT_NOFILE, &low, nullptr), 0);

  // More connections than the server has descriptors for: the last ones wait in the
  // listen backlog.
  std::vector<std::unique_ptr<RawConnection>> connections;
  for (int i = 0; i < room + 10; ++i) {
    connections.push_back(std::make_unique<RawConnection>(server.http_port()));
    connections.back()->send("GET /ping HTTP/1.1\r\n\r\n");
  }
  std::this_thread::sleep_for(100ms);
  const long ticks_before = cpu_ticks(server.pid());
  std::this_thread::sleep_for(1s);
  // A loop spinning on a listener it cannot accept from would burn the whole second.
  EXPECT_LT(cpu_ticks(server.pid()) - ticks_before, ::sysconf(_SC_CLK_TCK) / 4);

  // Connections are accepted in order; each one closed makes room for the next.
  for (auto& c : connections) {
    EXPECT_EQ(response_statuses(c->read_responses(1)), std::vector<int>{200});
    c.reset();
  }
}

TEST_F(ServeTest, ClientThatDoesNotReadCannotGrowTheServer) {
  auto& server = start();
  ASSERT_EQ(curl_get(server.http_url("/length/4194304")).status, 200); // cache it first
  const long rss_before = server.rss_kib();
  RawConnection c(server.http_port());
  std::string requests;
  for (int i = 0; i < 200; ++i) requests += "GET /length/4194304 HTTP/1.1\r\n\r\n";
  // 200 x 4 MiB = 800 MiB of responses that nobody reads.
  c.send(requests);
  std::this_thread::sleep_for(500ms);
  const long rss_after = server.rss_kib();
  EXPECT_LT(rss_after - rss_before, 64 * 1024)
      << "RSS grew from " << rss_before << " to " << rss_after << " KiB";
  expect_serving(server);
}

TEST_P(ServeTlsTest, HttpsClientThatDoesNotReadCannotGrowTheServer) {
  // The server encrypts only a window ahead of the socket: 200 pipelined 4 MiB responses
  // stay references to one cached payload, not 800 MiB of ciphertext.
  auto& server = start();
  ASSERT_EQ(curl_get(server.https_url("/length/4194304")).status, 200);
  const long rss_before = server.rss_kib();
  hcbench::testing::ClientConfig config({});
  hcbench::testing::MemoryClient client(config);
  RawConnection c(server.https_port());
  // The handshake over the socket: send what the client wrote, feed it what arrives.
  for (int round = 0; round < 20; ++round) {
    const int code = mbedtls_ssl_handshake(client.ssl());
    c.send(client.to_server);
    client.to_server.clear();
    if (code == 0) break;
    ASSERT_EQ(code, MBEDTLS_ERR_SSL_WANT_READ) << hcbench::testing::mbedtls_message(code);
    char buffer[16384];
    const ssize_t n = ::recv(c.fd(), buffer, sizeof buffer, 0);
    ASSERT_GT(n, 0);
    client.from_server.append(buffer, static_cast<std::size_t>(n));
  }
  std::string requests;
  for (int i = 0; i < 200; ++i) requests += "GET /length/4194304 HTTP/1.1\r\n\r\n";
  client.write_all(requests);
  c.send(client.to_server);
  std::this_thread::sleep_for(500ms);
  const long rss_after = server.rss_kib();
  EXPECT_LT(rss_after - rss_before, 64 * 1024)
      << "RSS grew from " << rss_before << " to " << rss_after << " KiB";
  EXPECT_EQ(curl_get(server.https_url("/ping")).body, "pong");
}

TEST_P(ServeTlsTest, TlsGarbageAndPlainHttpOnTheHttpsPortCloseOnlyThatConnection) {
  auto& server = start();
  {
    RawConnection c(server.https_port());
    c.send(std::string("\x16\x03\x01\x00\x05garbagegarbage", 19));
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    RawConnection c(server.https_port());
    c.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(c.closed_by_peer());
  }
  EXPECT_EQ(curl_get(server.https_url("/ping")).body, "pong");
  const auto stats = nlohmann::json::parse(test::fetch_stats(server.http_port()));
  EXPECT_GE(stats["tls"]["handshake_failures"].get<int>(), 2);
}

TEST_P(ServeTlsTest, ADelayedAnswerToARequestThatAskedToCloseArrivesBeforeTheClose) {
  // The close_notify follows the last response, and a /delay response is held back after its
  // request ended the connection's requests: it must not overtake it.
  auto& server = start({"--http2", "off"});
  for (const char* path : {"/delay/20", "/ping"}) {
    CURL* curl = curl_easy_init();
    curl_slist* headers = curl_slist_append(nullptr, "Connection: close");
    std::string body;
    curl_easy_setopt(curl, CURLOPT_URL, server.https_url(path).c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(
        curl, CURLOPT_WRITEFUNCTION, +[](char* data, std::size_t s, std::size_t n, void* out) {
          static_cast<std::string*>(out)->append(data, s * n);
          return s * n;
        });
    EXPECT_EQ(curl_easy_perform(curl), CURLE_OK) << path;
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    EXPECT_EQ(status, 200) << path;
    EXPECT_EQ(body, "pong") << path;
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
  }
}

TEST_P(ServeTlsTest, TlsSessionsResume) {
  auto& server = start();
  // Two easy handles share curl's TLS session cache; FORBID_REUSE makes each request a new
  // connection, so the second one resumes.
  CURLSH* share = curl_share_init();
  curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  for (int i = 0; i < 3; ++i) {
    CURL* curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, server.https_url("/ping").c_str());
    curl_easy_setopt(curl, CURLOPT_SHARE, share);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(curl, CURLOPT_FORBID_REUSE, 1L);
    // HTTP/1.1, as this test was written for: with h2 agreed by ALPN, curl 7.88 resumed none
    // of the three sessions (openssl s_client -alpn h2 -sess_in does resume).
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(
        curl, CURLOPT_WRITEFUNCTION,
        +[](char*, std::size_t s, std::size_t n, void*) { return s * n; });
    EXPECT_EQ(curl_easy_perform(curl), CURLE_OK);
    curl_easy_cleanup(curl);
  }
  curl_share_cleanup(share);
  const auto stats = nlohmann::json::parse(test::fetch_stats(server.http_port()));
  EXPECT_EQ(stats["tls"]["handshakes_full"].get<int>(), 1);
  EXPECT_EQ(stats["tls"]["handshakes_resumed"].get<int>(), 2);
}

TEST_F(ServeTest, StatsCountRequests) {
  auto& server = start();
  for (int i = 0; i < 3; ++i) curl_get(server.http_url("/ping"));
  curl_get(server.http_url("/nope"));
  const auto stats = nlohmann::json::parse(test::fetch_stats(server.http_port()));
  EXPECT_EQ(stats["requests"]["by_status"]["200"].get<int>(), 4); // 3 pings and this /stats
  EXPECT_EQ(stats["requests"]["by_status"]["404"].get<int>(), 1);
  EXPECT_EQ(stats["requests"]["total"].get<int>(), 5);
  EXPECT_EQ(stats["connections"]["accepted"].get<int>(), 5);
}

TEST_F(ServeTest, CompatOriginal) {
  auto& server = start({"--compat-original"});
  const auto bigger = curl_get(server.http_url("/bigger"));
  EXPECT_EQ(header_value(bigger.headers, "Content-Type"), "text/html; charset=utf-8");
  RawConnection c(server.http_port());
  std::string requests;
  for (int i = 0; i < 150; ++i) requests += "GET /ping HTTP/1.1\r\n\r\n";
  c.send(requests);
  EXPECT_EQ(response_statuses(c.read_all()).size(), 100u)
      << "the original's nginx closed after 100 requests";
}

TEST(ServeLifecycle, SigtermExitsZeroWithinASecond) {
  ServerProcess server;
  ASSERT_TRUE(server.ready());
  RawConnection idle(server.http_port());
  idle.send("GET /ping HTTP/1.1\r\n\r\n");
  idle.read_responses(1);
  std::chrono::milliseconds took{};
  EXPECT_EQ(server.stop(&took), 0);
  EXPECT_LT(took, 1500ms);
}

TEST(ServeLifecycle, BadOptionsAreClearErrors) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--http-port", "70000"},
        {"--max-length", "12q"},
        {"--threads", "0"},
        {"--bind", "not-an-address"},
        {"--cert", "/nonexistent.crt", "--key", "/nonexistent.key"},
        {"--http-port", "off", "--https-port", "off"},
        {"--http2", "maybe"},
        {"--max-streams", "0"},
        {"--max-streams", "many"},
        {"--tls-engine", "gnutls"},
        {"--tls-engine", "openssl", "--cert", "/nonexistent.crt", "--key", "/nonexistent.key"},
        {"unexpected"}}) {
    std::string command = test::hcbench_binary() + " serve --http-port 0 --https-port 0";
    for (const auto& a : args) command += " " + a;
    command += " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char buffer[512] = {};
    const std::size_t n = std::fread(buffer, 1, sizeof buffer - 1, pipe);
    const int status = ::pclose(pipe);
    EXPECT_NE(WEXITSTATUS(status), 0) << command;
    EXPECT_NE(std::string(buffer, n).find("hcbench serve: "), std::string::npos)
        << command << ": " << buffer;
  }
}

TEST(ServeLifecycle, PortInUseIsAnError) {
  ServerProcess first;
  ASSERT_TRUE(first.ready());
  const std::string command = test::hcbench_binary() +
                              " serve --bind 127.0.0.1 --https-port off --http-port " +
                              std::to_string(first.http_port()) + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  char buffer[512] = {};
  const std::size_t n = std::fread(buffer, 1, sizeof buffer - 1, pipe);
  EXPECT_NE(WEXITSTATUS(::pclose(pipe)), 0);
  EXPECT_NE(std::string(buffer, n).find("cannot bind"), std::string::npos) << buffer;
}

} // namespace
} // namespace hcbench
