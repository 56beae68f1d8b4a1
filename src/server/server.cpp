#include "hcbench/server/server.h"

#include "hcbench/shared/data_dir.h"

#include "hcbench_config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace hcbench {

namespace {

// A resolved numeric bind address (IPv4 or IPv6).
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
};

bool parse_address(const std::string& text, std::uint16_t port, SocketAddress& out) {
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
  if (inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    out.length = sizeof(sockaddr_in);
    out.family = AF_INET;
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
  if (inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    out.length = sizeof(sockaddr_in6);
    out.family = AF_INET6;
    return true;
  }
  return false;
}

// A bound (not yet listening) TCP socket. With several workers every socket of a listener
// sets SO_REUSEPORT and the kernel spreads connections over them; a single worker does not,
// so that a port already in use is an error rather than silently shared.
int bind_socket(const std::string& address, std::uint16_t port, bool reuse_port,
                std::string& error) {
  SocketAddress addr;
  if (!parse_address(address, port, addr)) {
    error = "--bind: '" + address + "' is not a numeric IPv4 or IPv6 address";
    return -1;
  }
  const int fd = ::socket(addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (reuse_port) ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  // Accepted sockets inherit TCP_NODELAY: no per-connection system call for it.
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof one);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr.storage), addr.length) != 0) {
    error = "cannot bind " + address + ":" + std::to_string(port) + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

std::uint16_t bound_port(int fd) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
  if (storage.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
}

// One socket per worker for a listener, all on the same port (the first picks an ephemeral
// port when asked for 0).
bool bind_listener(const std::string& address, std::uint16_t port, unsigned workers,
                   std::vector<int>& fds, std::string& error) {
  const bool reuse_port = workers > 1;
  if (reuse_port && port != 0) {
    // SO_REUSEPORT would share a port with another server of the same user: refuse instead.
    const int probe = bind_socket(address, port, false, error);
    if (probe < 0) return false;
    ::close(probe);
  }
  for (unsigned i = 0; i < workers; ++i) {
    const int fd = bind_socket(address, port, reuse_port, error);
    if (fd < 0) return false;
    fds.push_back(fd);
    port = bound_port(fd);
  }
  return true;
}

std::string url_host(const std::string& address) {
  if (address == "0.0.0.0") return "127.0.0.1";
  if (address == "::") return "[::1]";
  if (address.find(':') != std::string::npos) return "[" + address + "]";
  return address;
}

} // namespace

Server::Server(ServerConfig config) : config_(std::move(config)), payloads_(config_.cache_bytes) {}

Server::~Server() {
  stop();
  wait();
}

bool Server::start(std::string& error) {
  if (config_.threads == 0) {
    error = "--threads must be at least 1";
    return false;
  }
  if (!config_.http_port && !config_.https_port) {
    error = "both listeners are off: enable --http-port or --https-port";
    return false;
  }
  if (config_.https_port) {
    const std::string cert =
        config_.cert_file.empty() ? data_file("certs/localhost.crt").string() : config_.cert_file;
    const std::string key =
        config_.key_file.empty() ? data_file("certs/localhost.key").string() : config_.key_file;
    // ALPN: h2 first (the server's order wins), or HTTP/1.1 only with --http2 off.
    std::vector<std::string> alpn{"http/1.1"};
    if (config_.session.http2) alpn.insert(alpn.begin(), "h2");
    tls_ = TlsContext::create(TlsSettings{config_.tls_engine, cert, key, std::move(alpn)}, error);
    if (!tls_) return false;
  }
  std::vector<int> http_fds;
  std::vector<int> https_fds;
  const auto close_all = [&] {
    for (int fd : http_fds) ::close(fd);
    for (int fd : https_fds) ::close(fd);
  };
  if ((config_.http_port && !bind_listener(config_.bind_address, *config_.http_port,
                                           config_.threads, http_fds, error)) ||
      (config_.https_port && !bind_listener(config_.bind_address, *config_.https_port,
                                            config_.threads, https_fds, error))) {
    close_all();
    return false;
  }
  if (!http_fds.empty())
    http_address_ = ListenerAddress{config_.bind_address, bound_port(http_fds[0])};
  if (!https_fds.empty())
    https_address_ = ListenerAddress{config_.bind_address, bound_port(https_fds[0])};

  shared_.config = &config_;
  shared_.payloads = &payloads_;
  shared_.tls = tls_.get();
  shared_.stats_json = [this] { return stats(); };
  for (unsigned i = 0; i < config_.threads; ++i) {
    workers_.push_back(std::make_unique<Worker>(shared_, http_fds.empty() ? -1 : http_fds[i],
                                                https_fds.empty() ? -1 : https_fds[i]));
  }
  for (auto& worker : workers_) {
    if (!worker->start(error)) {
      stop();
      wait();
      return false;
    }
  }
  return true;
}

void Server::stop() {
  for (auto& worker : workers_) worker->request_stop();
}

void Server::wait() {
  for (auto& worker : workers_) worker->join();
}

std::size_t Server::leaked_handles() const {
  std::size_t leaked = 0;
  for (const auto& worker : workers_) leaked += worker->leaked_handles();
  return leaked;
}

std::string Server::stats() const {
  std::vector<const WorkerCounters*> counters;
  for (const auto& worker : workers_) counters.push_back(&worker->counters());
  return stats_json(counters, payloads_.stats(), config_.threads);
}

std::string Server::ready_line() const {
  const auto listener = [](const std::optional<ListenerAddress>& a,
                           std::string_view scheme) -> nlohmann::json {
    if (!a) return nullptr;
    return {{"address", a->address},
            {"port", a->port},
            {"url",
             std::string(scheme) + "://" + url_host(a->address) + ":" + std::to_string(a->port)}};
  };
  const nlohmann::json line = {{"event", "ready"},
                               {"pid", ::getpid()},
                               {"http", listener(http_address_, "http")},
                               {"https", listener(https_address_, "https")},
                               {"threads", config_.threads},
                               {"version", HCBENCH_VERSION}};
  return line.dump();
}

} // namespace hcbench
