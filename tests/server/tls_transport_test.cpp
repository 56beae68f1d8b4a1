// The TLS transport over memory, against a real mbedTLS client (tests/support): handshake
// counting, plaintext in, sealing a window ahead of the socket, close_notify at the end; with
// each TLS engine.
#include "hcbench/server/tls_transport.h"

#include "../support/memory_tls_client.h"
#include "hcbench/shared/data_dir.h"

#include <gtest/gtest.h>

#include <string>

namespace hcbench {
namespace {

using testing::ClientConfig;
using testing::ClientOptions;
using testing::MemoryClient;

class TlsTransportTest : public ::testing::TestWithParam<TlsEngine> {
protected:
  std::unique_ptr<TlsContext> load_default() const {
    std::string error;
    auto context = TlsContext::create(
        TlsSettings{
            GetParam(), data_file("certs/localhost.crt"), data_file("certs/localhost.key"), {}},
        error);
    EXPECT_NE(context, nullptr) << error;
    return context;
  }
};
INSTANTIATE_TEST_SUITE_P(Engines, TlsTransportTest,
                         ::testing::Values(TlsEngine::mbedtls, TlsEngine::openssl),
                         [](const ::testing::TestParamInfo<TlsEngine>& info) {
                           return std::string(tls_engine_name(info.param));
                         });

// Hands the client what the transport sealed into `wire`.
void to_client(OutputQueue& wire, MemoryClient& client) {
  wire.for_each([&](std::string_view bytes) { client.from_server += bytes; });
  wire.clear();
}

// Runs the handshake through the transport; returns the plaintext the server received.
std::string handshake(MemoryClient& client, TlsTransport& transport) {
  std::string plaintext;
  OutputQueue wire;
  for (int round = 0; round < 64; ++round) {
    const int code = mbedtls_ssl_handshake(client.ssl());
    if (code != 0 && code != MBEDTLS_ERR_SSL_WANT_READ) {
      ADD_FAILURE() << "client: " << testing::mbedtls_message(code);
      break;
    }
    if (!client.to_server.empty()) {
      const Transport::Input input = transport.receive(client.to_server);
      client.to_server.clear();
      EXPECT_NE(input.status, IoStatus::error) << transport.session().error();
      plaintext.append(input.plaintext.data(), input.plaintext.size());
    }
    EXPECT_EQ(transport.seal(wire), IoStatus::ok);
    to_client(wire, client);
    if (code == 0 && !transport.establishing()) break;
  }
  return plaintext;
}

TEST_P(TlsTransportTest, CountsTheHandshakeAndDeliversPlaintext) {
  auto context = load_default();
  ASSERT_NE(context, nullptr);
  WorkerCounters counters;
  TlsTransport transport(*context, counters);
  EXPECT_TRUE(transport.establishing());
  EXPECT_EQ(transport.alpn_protocol(), "");
  ClientConfig config{ClientOptions{}};
  MemoryClient client(config);
  EXPECT_EQ(handshake(client, transport), "");
  EXPECT_FALSE(transport.establishing());
  EXPECT_EQ(transport.alpn_protocol(), ""); // no ALPN list is configured
  EXPECT_EQ(counters.tls_full_handshakes.get(), 1u);
  EXPECT_EQ(counters.tls_resumed_handshakes.get(), 0u);

  client.write_all("GET /ping HTTP/1.1\r\n\r\n");
  const Transport::Input input = transport.receive(client.to_server);
  client.to_server.clear();
  EXPECT_EQ(input.status, IoStatus::ok);
  EXPECT_EQ(std::string_view(input.plaintext.data(), input.plaintext.size()),
            "GET /ping HTTP/1.1\r\n\r\n");
}

TEST_P(TlsTransportTest, SealsOnlyAWindowAheadOfTheSocketThenCloseNotify) {
  auto context = load_default();
  ASSERT_NE(context, nullptr);
  WorkerCounters counters;
  TlsTransport transport(*context, counters);
  ClientConfig config{ClientOptions{}};
  MemoryClient client(config);
  handshake(client, transport);
  ASSERT_FALSE(transport.establishing());

  OutputQueue wire;
  OutputQueue& plaintext = transport.output_for(wire);
  EXPECT_NE(&plaintext, &wire); // responses wait as plaintext until sealed
  const auto body = make_resource(std::string(1 << 20, 'z'), "x");
  plaintext.append_payload(body);
  EXPECT_EQ(transport.staged_bytes(), body->body.size());
  std::string received;
  int rounds = 0;
  while (transport.staged_bytes() > 0 && rounds++ < 64) {
    ASSERT_EQ(transport.seal(wire), IoStatus::ok);
    // A window of ciphertext, plus at most the overhead of its records.
    EXPECT_LE(wire.size(), TlsTransport::window + 64 * 29);
    to_client(wire, client);
    client.read_all(received);
  }
  EXPECT_EQ(received.size(), body->body.size());
  EXPECT_EQ(received, body->body);

  transport.end_output();
  ASSERT_EQ(transport.seal(wire), IoStatus::ok);
  to_client(wire, client);
  EXPECT_EQ(client.read_all(received), MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY);
}

TEST_P(TlsTransportTest, GarbageIsAFailedHandshakeAndAnError) {
  auto context = load_default();
  ASSERT_NE(context, nullptr);
  WorkerCounters counters;
  TlsTransport transport(*context, counters);
  const Transport::Input input = transport.receive(std::string_view("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(input.status, IoStatus::error);
  EXPECT_TRUE(input.plaintext.empty());
  EXPECT_EQ(counters.tls_failures.get(), 1u);
  EXPECT_TRUE(transport.establishing()); // the header timeout would close it without a word
}

} // namespace
} // namespace hcbench
