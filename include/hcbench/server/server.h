// hcbench serve: listeners, worker threads, the shared payload cache and TLS context.
#pragma once

#include "hcbench/server/config.h"
#include "hcbench/server/tls.h"
#include "hcbench/server/worker.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hcbench {

struct ListenerAddress {
  std::string address;
  std::uint16_t port = 0;
};

class Server {
public:
  explicit Server(ServerConfig config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Loads the certificate, binds every listener and starts the workers. On failure returns
  // false and says why in `error` (nothing is left running).
  bool start(std::string& error);
  // Thread-safe: stop accepting, finish the responses in flight, close within a second.
  void stop();
  // Blocks until every worker has finished.
  void wait();

  // After wait(): libuv handles the workers found still open when their loops ended (a bug).
  std::size_t leaked_handles() const;
  // The one-line JSON the server prints when it is ready.
  std::string ready_line() const;
  std::string stats() const;

private:
  ServerConfig config_;
  PayloadCache payloads_;
  std::unique_ptr<TlsContext> tls_;
  SharedServerState shared_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::optional<ListenerAddress> http_address_;
  std::optional<ListenerAddress> https_address_;
};

} // namespace hcbench
