// Level 3: the TLS under the HTTP/2 floor (src/client/floor_tls.cpp) against the real
// `hcbench serve`, both engines: ALPN h2, a full handshake on the first connection and a
// resumption on the next, and the certificate checked when asked.
#include "server_process.h"

#include "hcbench/client/floor_client.h"
#include "hcbench/client/floor_tls.h"

#include <gtest/gtest.h>

#include <netdb.h>

#include <cstdlib>
#include <string>

namespace hcbench {
namespace {

using test::ServerProcess;

std::string source_file(const std::string& relative) {
  const char* root = std::getenv("HCBENCH_SOURCE_DIR");
  return std::string(root ? root : ".") + "/" + relative;
}

struct Address {
  addrinfo* list = nullptr;
  explicit Address(std::uint16_t port) {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    getaddrinfo("127.0.0.1", std::to_string(port).c_str(), &hints, &list);
  }
  ~Address() {
    if (list) freeaddrinfo(list);
  }
};

// One connection: the handshake, then the client preface and an empty SETTINGS, and the
// server's first bytes back (its SETTINGS), so that a session it issues late has arrived.
struct Outcome {
  bool connected = false;
  std::string alpn;
  bool resumed = false;
  std::string error;
};
Outcome open_one(FloorTlsClient& client, const addrinfo& address, const std::string& host) {
  Outcome outcome;
  const char* failed_step = nullptr;
  UniqueFd socket = connect_blocking(address, 5, failed_step);
  if (!socket) {
    outcome.error = failed_step;
    return outcome;
  }
  FloorTlsConnection connection = client.connect(socket.get(), host, outcome.error);
  if (!connection) return outcome;
  outcome.connected = true;
  outcome.alpn = connection.alpn();
  outcome.resumed = connection.resumed();
  const std::string preface =
      std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") + std::string("\0\0\0\x04\0\0\0\0\0", 9);
  EXPECT_TRUE(connection.send_all(preface.data(), preface.size())) << connection.error();
  char buffer[256];
  EXPECT_GT(connection.receive(buffer, sizeof buffer), 0) << connection.error();
  return outcome;
}

class FloorTlsTest : public ::testing::TestWithParam<const char*> {};
INSTANTIATE_TEST_SUITE_P(Engines, FloorTlsTest, ::testing::Values("mbedtls", "openssl"));

TEST_P(FloorTlsTest, AlpnH2AndResumptionAfterTheFirstHandshake) {
  ServerProcess server({"--tls-engine", GetParam()});
  ASSERT_TRUE(server.ready());
  const Address address(server.https_port());
  ASSERT_NE(address.list, nullptr);
  CellOptions options; // insecure: the default self-signed certificate
  FloorTlsClient client(options, std::string_view("\x02h2", 3));
  ASSERT_TRUE(client) << client.error();
  for (int i = 0; i < 3; ++i) {
    const Outcome outcome = open_one(client, *address.list, "127.0.0.1");
    ASSERT_TRUE(outcome.connected) << outcome.error;
    EXPECT_EQ(outcome.alpn, "h2");
    EXPECT_EQ(outcome.resumed, i > 0) << "connection " << i;
  }
  EXPECT_EQ(client.full_handshakes(), 1u);
  EXPECT_EQ(client.resumed_handshakes(), 2u);
}

TEST_P(FloorTlsTest, CertificateCheckedWhenAsked) {
  ServerProcess server({"--tls-engine", GetParam()});
  ASSERT_TRUE(server.ready());
  const Address address(server.https_port());
  ASSERT_NE(address.list, nullptr);
  CellOptions verified;
  verified.insecure = false;
  verified.cacert = source_file("certs/ca.crt");
  FloorTlsClient client(verified, std::string_view("\x02h2", 3));
  ASSERT_TRUE(client) << client.error();
  const Outcome good = open_one(client, *address.list, "localhost");
  EXPECT_TRUE(good.connected) << good.error;
  // A client of its own: a resumed session skips the certificate (the floor's client
  // serves one host, the cell's).
  FloorTlsClient other(verified, std::string_view("\x02h2", 3));
  const Outcome wrong_name = open_one(other, *address.list, "example.com");
  EXPECT_FALSE(wrong_name.connected);
  EXPECT_NE(wrong_name.error.find("TLS handshake"), std::string::npos) << wrong_name.error;

  CellOptions missing = verified;
  missing.cacert = source_file("certs/no-such-ca.crt");
  FloorTlsClient unusable(missing, std::string_view("\x02h2", 3));
  EXPECT_FALSE(unusable);
  EXPECT_NE(unusable.error().find("no-such-ca.crt"), std::string::npos) << unusable.error();
}

} // namespace
} // namespace hcbench
