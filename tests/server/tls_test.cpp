// The server's TLS session over memory, against a real mbedTLS client (tests/support). Every
// test runs against both engines (mbedTLS and OpenSSL): they must behave the same.
#include "hcbench/server/tls.h"

#include "../support/memory_tls_client.h"
#include "hcbench/shared/data_dir.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace hcbench {
namespace {

using testing::ClientConfig;
using testing::ClientOptions;
using testing::MemoryClient;

std::filesystem::path cert(const char* name) {
  return data_file(std::string("certs/") + name);
}

// The engine under test is the test's parameter.
class TlsEngineTest : public ::testing::TestWithParam<TlsEngine> {
protected:
  std::unique_ptr<TlsContext> create(const std::filesystem::path& cert_file,
                                     const std::filesystem::path& key_file,
                                     std::string& error) const {
    return TlsContext::create(TlsSettings{GetParam(), cert_file, key_file, {}}, error);
  }
  std::unique_ptr<TlsContext> load(const char* base) const {
    std::string error;
    auto context = create(cert((std::string(base) + ".crt").c_str()),
                          cert((std::string(base) + ".key").c_str()), error);
    EXPECT_NE(context, nullptr) << error;
    EXPECT_EQ(error, "");
    if (context != nullptr) {
      EXPECT_EQ(context->engine(), GetParam());
    }
    return context;
  }
};
class TlsContextTest : public TlsEngineTest {};
class TlsSessionTest : public TlsEngineTest {};

std::string engine_name(const ::testing::TestParamInfo<TlsEngine>& info) {
  return std::string(tls_engine_name(info.param));
}
INSTANTIATE_TEST_SUITE_P(Engines, TlsContextTest,
                         ::testing::Values(TlsEngine::mbedtls, TlsEngine::openssl), engine_name);
INSTANTIATE_TEST_SUITE_P(Engines, TlsSessionTest,
                         ::testing::Values(TlsEngine::mbedtls, TlsEngine::openssl), engine_name);

ClientOptions verifying(const char* ca = "localhost.crt") {
  ClientOptions options;
  options.ca_file = cert(ca);
  return options;
}

// Counts the TLS records in `ciphertext` and the largest record body.
struct RecordScan {
  std::size_t records = 0;
  std::size_t largest = 0;
  bool well_formed = true;
};
RecordScan scan_records(const std::string& ciphertext) {
  RecordScan scan;
  std::size_t at = 0;
  while (at + 5 <= ciphertext.size()) {
    auto length = static_cast<std::size_t>(static_cast<unsigned char>(ciphertext[at + 3])) << 8 |
                  static_cast<unsigned char>(ciphertext[at + 4]);
    ++scan.records;
    scan.largest = std::max(scan.largest, length);
    at += 5 + length;
  }
  scan.well_formed = at == ciphertext.size();
  return scan;
}

TEST_P(TlsContextTest, LoadsTheDefaultEcdsaAndTheRsaCertificates) {
  auto ecdsa = load("localhost");
  ASSERT_NE(ecdsa, nullptr);
  EXPECT_STREQ(ecdsa->key_type(), "ECDSA");
  auto rsa = load("localhost-rsa");
  ASSERT_NE(rsa, nullptr);
  EXPECT_STREQ(rsa->key_type(), "RSA");
}

TEST_P(TlsContextTest, MissingFileGivesNullAndNamesTheFile) {
  std::string error;
  auto context = create("/nonexistent/hcbench.crt", cert("localhost.key"), error);
  EXPECT_EQ(context, nullptr);
  EXPECT_NE(error.find("reading certificate /nonexistent/hcbench.crt"), std::string::npos) << error;

  error.clear();
  context = create(cert("localhost.crt"), "/nonexistent/hcbench.key", error);
  EXPECT_EQ(context, nullptr);
  EXPECT_NE(error.find("reading private key /nonexistent/hcbench.key"), std::string::npos) << error;
}

TEST_P(TlsContextTest, InvalidFileGivesNullWithTheEnginesReason) {
  auto path = std::filesystem::temp_directory_path() / "hcbench_tls_test_invalid.pem";
  {
    std::ofstream file(path);
    file << "-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n";
  }
  std::string error;
  auto context = create(path, cert("localhost.key"), error);
  std::filesystem::remove(path);
  EXPECT_EQ(context, nullptr);
  EXPECT_NE(error.find("reading certificate"), std::string::npos) << error;
  EXPECT_NE(error.find("PEM"), std::string::npos) << error; // the engine's own text
}

TEST_P(TlsContextTest, KeyThatDoesNotMatchTheCertificateIsRefused) {
  std::string error;
  auto context = create(cert("localhost.crt"), cert("localhost-rsa.key"), error);
  EXPECT_EQ(context, nullptr);
  EXPECT_NE(error.find("does not match"), std::string::npos) << error;
}

TEST_P(TlsSessionTest, FullHandshakeWithTheEcdsaCertificate) {
  auto context = load("localhost");
  ASSERT_NE(context, nullptr);
  ClientConfig config(verifying());
  MemoryClient client(config);
  auto session = context->new_session();
  TlsSession& server = *session;
  EXPECT_EQ(server.alpn_protocol(), "");
  ASSERT_EQ(testing::handshake(client, server), "");
  EXPECT_TRUE(server.handshake_complete());
  EXPECT_FALSE(server.resumed());
  EXPECT_EQ(server.alpn_protocol(), ""); // the server offers no ALPN protocol yet
  // ChaCha20-Poly1305 first: mbedTLS 2.28 runs it faster than AES-GCM (docs/tls.md).
  EXPECT_STREQ(server.ciphersuite(), "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256");
  EXPECT_STREQ(mbedtls_ssl_get_version(client.ssl()), "TLSv1.2");
  EXPECT_EQ(mbedtls_ssl_get_verify_result(client.ssl()), 0u); // hostname and chain verified
}

TEST_P(TlsContextTest, NamesItsLibrary) {
  auto context = load("localhost");
  ASSERT_NE(context, nullptr);
  EXPECT_NE(
      context->library_version().find(GetParam() == TlsEngine::openssl ? "OpenSSL" : "mbed TLS"),
      std::string::npos)
      << context->library_version();
}

// The protocol ALPN agrees on, for a server offering `server` and a client offering `client`;
// "refused" when the handshake fails.
std::string agreed_protocol(const TlsEngineTest& test, std::vector<std::string> server,
                            std::vector<std::string> client_offer) {
  std::string error;
  auto context = TlsContext::create(
      TlsSettings{test.GetParam(), cert("localhost.crt"), cert("localhost.key"), server}, error);
  if (context == nullptr) return "context: " + error;
  ClientOptions options = verifying();
  options.alpn = std::move(client_offer);
  ClientConfig config(options);
  MemoryClient client(config);
  auto session = context->new_session();
  if (!testing::handshake(client, *session).empty()) return "refused";
  const char* client_view = mbedtls_ssl_get_alpn_protocol(client.ssl());
  EXPECT_EQ(session->alpn_protocol(), client_view != nullptr ? client_view : "");
  return std::string(session->alpn_protocol());
}

TEST_P(TlsSessionTest, AlpnPicksTheServersFirstProtocolThatTheClientOffers) {
  const std::vector<std::string> h2_first = {"h2", "http/1.1"};
  EXPECT_EQ(agreed_protocol(*this, h2_first, {"http/1.1", "h2"}), "h2"); // the server's order
  EXPECT_EQ(agreed_protocol(*this, h2_first, {"http/1.1"}), "http/1.1");
  EXPECT_EQ(agreed_protocol(*this, h2_first, {}), ""); // a client without ALPN is served
  EXPECT_EQ(agreed_protocol(*this, h2_first, {"spdy/3"}), "refused");
  EXPECT_EQ(agreed_protocol(*this, {}, {"h2", "http/1.1"}), ""); // no list: the offer is ignored
}

TEST_P(TlsSessionTest, FullHandshakeWithTheRsaCertificate) {
  auto context = load("localhost-rsa");
  ASSERT_NE(context, nullptr);
  ClientConfig config(verifying("localhost-rsa.crt"));
  MemoryClient client(config);
  auto session = context->new_session();
  TlsSession& server = *session;
  ASSERT_EQ(testing::handshake(client, server), "");
  EXPECT_FALSE(server.resumed());
  EXPECT_STREQ(server.ciphersuite(), "TLS-ECDHE-RSA-WITH-CHACHA20-POLY1305-SHA256");
  EXPECT_EQ(mbedtls_ssl_get_verify_result(client.ssl()), 0u);
}

TEST_P(TlsSessionTest, ClientWithoutChaChaGetsAesGcm) {
  auto context = load("localhost");
  ASSERT_NE(context, nullptr);
  ClientOptions options = verifying();
  options.ciphersuites = {MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                          MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256};
  ClientConfig config(options);
  MemoryClient client(config);
  auto session = context->new_session();
  TlsSession& server = *session;
  ASSERT_EQ(testing::handshake(client, server), "");
  EXPECT_STREQ(server.ciphersuite(),
               "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256"); // the server's order
}

// The named curve of the ServerKeyExchange in the server's first flight (0 if not found).
unsigned server_key_exchange_curve(const std::string& flight) {
  std::size_t at = 0;
  while (at + 5 <= flight.size()) {
    auto length = static_cast<std::size_t>(static_cast<unsigned char>(flight[at + 3])) << 8 |
                  static_cast<unsigned char>(flight[at + 4]);
    if (flight[at] == 22) { // handshake messages
      std::size_t message = at + 5, end = at + 5 + length;
      while (message + 4 <= end) {
        auto size = static_cast<std::size_t>(static_cast<unsigned char>(flight[message + 1]))
                        << 16 |
                    static_cast<std::size_t>(static_cast<unsigned char>(flight[message + 2])) << 8 |
                    static_cast<unsigned char>(flight[message + 3]);
        if (flight[message] == 12 && message + 7 <= end) { // ServerKeyExchange, named_curve
          return static_cast<unsigned>(static_cast<unsigned char>(flight[message + 5])) << 8 |
                 static_cast<unsigned char>(flight[message + 6]);
        }
        message += 4 + size;
      }
    }
    at += 5 + length;
  }
  return 0;
}

unsigned negotiated_curve(const TlsContext& context, std::vector<mbedtls_ecp_group_id> offered) {
  ClientOptions options;
  options.curves = std::move(offered);
  ClientConfig config(options);
  MemoryClient client(config);
  auto session = context.new_session();
  TlsSession& server = *session;
  EXPECT_EQ(mbedtls_ssl_handshake(client.ssl()), MBEDTLS_ERR_SSL_WANT_READ);
  server.receive(client.to_server);
  std::string plaintext;
  EXPECT_EQ(server.read(plaintext), IoStatus::again);
  return server_key_exchange_curve(server.outgoing());
}

TEST_P(TlsSessionTest, PrefersX25519ThenP256ThenP384) {
  auto context = load("localhost");
  ASSERT_NE(context, nullptr);
  constexpr unsigned x25519 = 29, secp256r1 = 23, secp384r1 = 24; // IANA group numbers
  EXPECT_EQ(negotiated_curve(*context, {MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_SECP256R1,
                                        MBEDTLS_ECP_DP_CURVE25519}),
            x25519);
  EXPECT_EQ(negotiated_curve(*context, {MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_SECP256R1}),
            secp256r1);
  auto rsa = load("localhost-rsa");
  ASSERT_NE(rsa, nullptr);
  EXPECT_EQ(negotiated_curve(*rsa, {MBEDTLS_ECP_DP_SECP384R1}), secp384r1);
}

TEST_P(TlsSessionTest, ClientWithOnlySecp256r1IsServed) {
  auto context = load("localhost");
  ASSERT_NE(context, nullptr);
  ClientOptions options = verifying();
  options.curves = {MBEDTLS_ECP_DP_SECP256R1};
  ClientConfig config(options);
  MemoryClient client(config);
  auto session = context->new_session();
  TlsSession& server = *session;
  EXPECT_EQ(testing::handshake(client, server), "");
}

TEST_P(TlsSessionTest, Tls11ClientIsRefused) {
  auto context = load("localhost");
  ASSERT_NE(context, nullptr);
  ClientOptions options = verifying();
  options.max_minor_version = MBEDTLS_SSL_MINOR_VERSION_2;
  ClientConfig config(options);
  MemoryClient client(config);
  auto session = context->new_session();
  TlsSession& server = *session;
  EXPECT_NE(testing::handshake(client, server), "");
  EXPECT_FALSE(server.handshake_complete());
  EXPECT_NE(server.error(), "");
}

TEST_P(TlsSessionTest, ApplicationDataBothWaysWithLargeWriteSplitIntoRecords) {
  auto context = load("localhost");
  ASSERT_NE(context, nullptr);
  ClientConfig config(verifying());
  MemoryClient client(config);
  auto session = context->new_session();
  TlsSession& server = *session;
  ASSERT_EQ(testing::handshake(client, server), "");

  const std::string request = "GET /length/102400 HTTP/1.1\r\nHost: localhost\r\n\r\n";
  client.write_all(request);
  std::string received;
  EXPECT_EQ(testing::deliver(client, server, received), IoStatus::ok);
  EXPECT_EQ(received, request);

  std::string body(100 * 1024, '\0');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7 + i / 251);
  ASSERT_EQ(server.write(body), IoStatus::ok);
  RecordScan scan = scan_records(server.outgoing());
  EXPECT_TRUE(scan.well_formed);
  EXPECT_EQ(scan.records, 7u); // 6 full records of 16 KiB and one of 4 KiB
  EXPECT_LE(scan.largest, 16384u + 29u);

  client.from_server = server.take_outgoing();
  EXPECT_EQ(server.outgoing().capacity(), std::string().capacity()); // nothing kept
  std::string reply;
  EXPECT_EQ(client.read_all(reply), MBEDTLS_ERR_SSL_WANT_READ);
  EXPECT_EQ(reply, body);

  // Nothing new arrived: the session says so without failing.
  std::string nothing;
  EXPECT_EQ(server.read(nothing), IoStatus::again);
  EXPECT_TRUE(nothing.empty());
}

TEST_P(TlsSessionTest, CiphertextInOneByteChunks) {
  auto context = load("localhost");
  ASSERT_NE(context, nullptr);
  ClientConfig config(verifying());
  MemoryClient client(config);
  auto session = context->new_session();
  TlsSession& server = *session;
  ASSERT_EQ(testing::handshake(client, server, 1), "");

  const std::string request = "GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n";
  client.write_all(request);
  client.write_all(request); // two records, pipelined
  std::string received;
  EXPECT_EQ(testing::deliver(client, server, received, 1), IoStatus::ok);
  EXPECT_EQ(received, request + request);
}

TEST_P(TlsSessionTest, WriteBeforeTheHandshakeIsAnError) {
  auto context = load("localhost");
  ASSERT_NE(context, nullptr);
  auto session = context->new_session();
  TlsSession& server = *session;
  EXPECT_EQ(server.write(std::string("too early")), IoStatus::error);
  EXPECT_NE(server.error(), "");
}

TEST_P(TlsSessionTest, ResumesWithATicketAndNotForAFreshClient) {
  auto context = load("localhost");
  ASSERT_NE(context, nullptr);
  ClientConfig config(verifying());

  mbedtls_ssl_session saved;
  mbedtls_ssl_session_init(&saved);
  {
    MemoryClient client(config);
    auto session = context->new_session();
    TlsSession& server = *session;
    ASSERT_EQ(testing::handshake(client, server), "");
    EXPECT_FALSE(server.resumed());
    ASSERT_EQ(mbedtls_ssl_get_session(client.ssl(), &saved), 0);
    EXPECT_NE(saved.ticket_len, 0u); // the server issued a ticket
    EXPECT_EQ(saved.ticket_lifetime, TlsContext::ticket_lifetime_seconds);
    EXPECT_EQ(saved.id_len, 0u); // and no session ID: the session is not in the cache
  }
  {
    MemoryClient client(config, &saved);
    auto session = context->new_session();
    TlsSession& server = *session;
    ASSERT_EQ(testing::handshake(client, server), "");
    EXPECT_TRUE(server.resumed());

    std::string received;
    client.write_all("after resumption");
    EXPECT_EQ(testing::deliver(client, server, received), IoStatus::ok);
    EXPECT_EQ(received, "after resumption");
  }
  {
    MemoryClient client(config);
    auto session = context->new_session();
    TlsSession& server = *session;
    ASSERT_EQ(testing::handshake(client, server), "");
    EXPECT_FALSE(server.resumed());
  }
  mbedtls_ssl_session_free(&saved);
}

TEST_P(TlsSessionTest, ResumesThroughTheSessionIdCacheWithoutTickets) {
  auto context = load("localhost");
  ASSERT_NE(context, nullptr);
  ClientOptions options = verifying();
  options.tickets = false;
  ClientConfig config(options);

  mbedtls_ssl_session saved;
  mbedtls_ssl_session_init(&saved);
  {
    MemoryClient client(config);
    auto session = context->new_session();
    TlsSession& server = *session;
    ASSERT_EQ(testing::handshake(client, server), "");
    EXPECT_FALSE(server.resumed());
    ASSERT_EQ(mbedtls_ssl_get_session(client.ssl(), &saved), 0);
    EXPECT_EQ(saved.ticket_len, 0u);
    EXPECT_EQ(saved.id_len, 32u); // a session ID the cache knows
  }
  {
    MemoryClient client(config, &saved);
    auto session = context->new_session();
    TlsSession& server = *session;
    ASSERT_EQ(testing::handshake(client, server), "");
    EXPECT_TRUE(server.resumed());
  }
  mbedtls_ssl_session_free(&saved);
}

TEST_P(TlsSessionTest, GarbageIsAnErrorNotACrash) {
  auto context = load("localhost");
  ASSERT_NE(context, nullptr);
  auto session = context->new_session();
  TlsSession& server = *session;
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage.push_back(static_cast<char>((i * 131 + 17) % 256));
  server.receive(garbage);
  std::string plaintext;
  EXPECT_EQ(server.read(plaintext), IoStatus::error);
  EXPECT_NE(server.error(), "");
  EXPECT_TRUE(plaintext.empty());
  // Still an error, and still safe, when called again.
  server.receive(garbage);
  EXPECT_EQ(server.read(plaintext), IoStatus::error);
}

TEST_P(TlsSessionTest, PlainHttpIsAnError) {
  auto context = load("localhost");
  ASSERT_NE(context, nullptr);
  auto session = context->new_session();
  TlsSession& server = *session;
  server.receive(std::string("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  std::string plaintext;
  EXPECT_EQ(server.read(plaintext), IoStatus::error);
  EXPECT_NE(server.error().find("TLS handshake"), std::string::npos) << server.error();
  EXPECT_NE(server.error().find("plain HTTP"), std::string::npos) << server.error();
}

TEST_P(TlsSessionTest, GarbageAfterTheHandshakeIsAnError) {
  auto context = load("localhost");
  ASSERT_NE(context, nullptr);
  ClientConfig config(verifying());
  MemoryClient client(config);
  auto session = context->new_session();
  TlsSession& server = *session;
  ASSERT_EQ(testing::handshake(client, server), "");
  // A well-formed application-data header whose body fails authentication.
  std::string forged = std::string("\x17\x03\x03\x00\x40", 5) + std::string(64, 'x');
  server.receive(forged);
  std::string plaintext;
  EXPECT_EQ(server.read(plaintext), IoStatus::error);
  EXPECT_NE(server.error(), "");
}

TEST_P(TlsSessionTest, ClientCloseNotifyGivesClosed) {
  auto context = load("localhost");
  ASSERT_NE(context, nullptr);
  ClientConfig config(verifying());
  MemoryClient client(config);
  auto session = context->new_session();
  TlsSession& server = *session;
  ASSERT_EQ(testing::handshake(client, server), "");
  client.write_all("last words");
  ASSERT_EQ(mbedtls_ssl_close_notify(client.ssl()), 0);
  std::string received;
  EXPECT_EQ(testing::deliver(client, server, received), IoStatus::closed);
  EXPECT_EQ(received, "last words");
}

TEST_P(TlsSessionTest, ServerCloseNotifyReachesTheClient) {
  auto context = load("localhost");
  ASSERT_NE(context, nullptr);
  ClientConfig config(verifying());
  MemoryClient client(config);
  auto session = context->new_session();
  TlsSession& server = *session;
  ASSERT_EQ(testing::handshake(client, server), "");
  server.close_notify();
  client.from_server = std::move(server.outgoing());
  std::string nothing;
  EXPECT_EQ(client.read_all(nothing), MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY);
}

} // namespace
} // namespace hcbench
