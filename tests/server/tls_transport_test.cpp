// The TLS transport over memory, against a real mbedTLS client (tests/support): handshake
// counting, plaintext in, sealing a window ahead of the socket, close_notify at the end; with
// each TLS engine.
#include "hcbench/server/tls_transport.h"

#include "../support/memory_tls_client.h"
#include "hcbench/shared/data_dir.h"
#include "hcbench/shared/payload.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

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
    // A window of ciphertext and at most one more record, plus the overhead of the records.
    EXPECT_LE(wire.size(), TlsTransport::window + TlsTransport::record_plaintext + 64 * 29);
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

// The TLS records in `ciphertext` (5-byte headers: type, version, length), by length.
std::vector<std::size_t> record_lengths(std::string_view ciphertext) {
  std::vector<std::size_t> lengths;
  while (ciphertext.size() >= 5) {
    const auto length = static_cast<std::size_t>(static_cast<unsigned char>(ciphertext[3])) << 8 |
                        static_cast<unsigned char>(ciphertext[4]);
    lengths.push_back(length);
    ciphertext.remove_prefix(std::min(ciphertext.size(), 5 + length));
  }
  return lengths;
}

TEST_P(TlsTransportTest, SmallRegionsAreGatheredIntoFullRecords) {
  auto context = load_default();
  ASSERT_NE(context, nullptr);
  WorkerCounters counters;
  TlsTransport transport(*context, counters);
  ClientConfig config{ClientOptions{}};
  MemoryClient client(config);
  handshake(client, transport);
  ASSERT_FALSE(transport.establishing());

  // As HTTP/2 writes a body: a 9-byte frame header, then 16 KiB referenced from the payload,
  // 64 times; 1 MiB and 576 bytes in all.
  OutputQueue wire;
  OutputQueue& plaintext = transport.output_for(wire);
  const auto body = make_resource(generate_payload(1 << 20), "x");
  std::string expected;
  for (std::size_t frame = 0; frame < 64; ++frame) {
    const std::string header(9, static_cast<char>('a' + frame % 26));
    plaintext.append(header);
    const std::string_view data = std::string_view(body->body).substr(frame << 14, 1 << 14);
    plaintext.append_shared(data, body);
    expected.append(header).append(data);
  }
  std::string ciphertext, received;
  for (int rounds = 0; transport.staged_bytes() > 0 && rounds < 64; ++rounds) {
    ASSERT_EQ(transport.seal(wire), IoStatus::ok);
    wire.for_each([&](std::string_view bytes) { ciphertext += bytes; });
    to_client(wire, client);
    client.read_all(received);
  }
  EXPECT_EQ(received, expected);
  // 65 records (64 full ones and the rest), not 128 (a small one before each full one).
  const auto lengths = record_lengths(ciphertext);
  EXPECT_EQ(lengths.size(), 65u);
  const auto small = std::count_if(lengths.begin(), lengths.end(), [](std::size_t n) {
    return n < TlsTransport::record_plaintext;
  });
  EXPECT_EQ(small, 1) << "only the last record is short";
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
