// The server in this process: every libuv handle is closed when it stops, even with
// connections open in every state (libuv's uv_loop_close(loop) == 0 check, made a test).
#include "hcbench/server/server.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace hcbench {
namespace {

// A blocking connection to 127.0.0.1:port; closed by the destructor.
struct Client {
  int fd = -1;
  explicit Client(std::uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  }
  ~Client() { ::close(fd); }
  void send(std::string_view bytes) const {
    EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }
  std::string receive_some() const {
    char buffer[4096];
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  }
};

TEST(Server, StopsWithNoHandleLeftOpenWhateverTheConnectionsWereDoing) {
  ServerConfig config;
  config.bind_address = "127.0.0.1";
  config.http_port = 0;
  config.https_port = 0;
  config.threads = 2;
  Server server(config);
  std::string error;
  ASSERT_TRUE(server.start(error)) << error;
  const auto ready = nlohmann::json::parse(server.ready_line());
  const auto http_port = ready["http"]["port"].get<std::uint16_t>();
  const auto https_port = ready["https"]["port"].get<std::uint16_t>();

  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 4; ++i) { // the kernel spreads them over both workers
    auto answered = std::make_unique<Client>(http_port); // keep-alive, idle after a response
    answered->send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(answered->receive_some().starts_with("HTTP/1.1 200 OK"));
    clients.push_back(std::move(answered));
    auto partial = std::make_unique<Client>(http_port); // inside a request head
    partial->send("GET /ping HTTP/1.1\r\nHo");
    clients.push_back(std::move(partial));
    auto unread = std::make_unique<Client>(http_port); // never reads a large response
    unread->send("GET /length/4194304 HTTP/1.1\r\n\r\n");
    clients.push_back(std::move(unread));
    auto handshaking = std::make_unique<Client>(https_port); // TLS: a ClientHello that stops
    handshaking->send(std::string_view("\x16\x03\x01\x00\x80", 5));
    clients.push_back(std::move(handshaking));
    clients.push_back(std::make_unique<Client>(https_port)); // connected, sent nothing
  }
  // Let the workers accept and serve what was sent before stopping them.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  server.stop();
  server.wait();
  EXPECT_EQ(server.leaked_handles(), 0u);
}

} // namespace
} // namespace hcbench
