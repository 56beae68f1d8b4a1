// TLS under a floor row: OpenSSL on the floor's own blocking socket, and nothing else between
// the socket and the floor's protocol. One FloorTlsClient per cell holds what its connections
// share (the SSL_CTX: ALPN, certificate checks as the cell asks) and the session to resume,
// so each new connection pays a full handshake only the first time and a resumption after,
// as libcurl's session cache gives the libcurl rows. Made before the measured window; the
// handshakes themselves are inside it, as every other row's are.
#pragma once

#include "hcbench/client/cell.h"

#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace hcbench {

namespace floor_tls_detail {
struct ContextDeleter {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
struct SslDeleter {
  void operator()(SSL* ssl) const {
    // Closed without close_notify (the socket closes next): OpenSSL would then call the
    // session bad and make it unresumable for every later connection. Marking the shutdown
    // done, with no I/O, keeps it (the floor ends a connection only when it is finished
    // with it, or on a failure the session has nothing to do with).
    SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(ssl);
  }
};
struct SessionDeleter {
  void operator()(SSL_SESSION* session) const { SSL_SESSION_free(session); }
};
} // namespace floor_tls_detail

// One TLS connection over a socket the caller owns (and closes after this goes).
class FloorTlsConnection {
public:
  FloorTlsConnection() = default;
  explicit operator bool() const { return ssl_ != nullptr; }

  // Writes all of `data`. False on failure, with errno as the socket left it (EAGAIN: the
  // socket's send timeout) and error() saying why. OpenSSL's socket BIO writes with write(),
  // not send(MSG_NOSIGNAL): a peer gone raises SIGPIPE, which `hcbench run` ignores
  // (run_session.cpp).
  bool send_all(const void* data, std::size_t length);
  // One read of decrypted bytes: > 0 bytes read, 0 the peer closed, < 0 a failure (errno and
  // error() as for send_all).
  ssize_t receive(void* data, std::size_t length);
  // The protocol the server chose by ALPN ("" when none).
  std::string_view alpn() const;
  // The handshake resumed a session of an earlier connection.
  bool resumed() const;
  const std::string& error() const { return error_; }

private:
  friend class FloorTlsClient;
  std::unique_ptr<SSL, floor_tls_detail::SslDeleter> ssl_;
  std::string error_;
};

class FloorTlsClient {
public:
  // `alpn`: the protocols offered, in ALPN wire form (length-prefixed names, "\x02h2").
  // The certificate is checked unless options.insecure, against options.cacert or the
  // system's CAs. On a set-up failure the client is empty and error() says why.
  FloorTlsClient(const CellOptions& options, std::string_view alpn);
  // The SSL_CTX points back at this object (new sessions arrive through it): it stays put.
  FloorTlsClient(const FloorTlsClient&) = delete;
  FloorTlsClient& operator=(const FloorTlsClient&) = delete;
  explicit operator bool() const { return context_ != nullptr; }
  const std::string& error() const { return error_; }

  // The handshake on a connected blocking socket, for `host` (SNI when it is a name, and the
  // name checked against the certificate). Empty on failure, with the reason in `error`.
  // Resumes the last session a server gave this client, when there is one: a client serves
  // one server (one cell's), since a resumed handshake checks no certificate.
  FloorTlsConnection connect(int fd, const std::string& host, std::string& error);

  // Connections that resumed a session / did a full handshake (for the tests).
  std::size_t resumed_handshakes() const { return resumed_; }
  std::size_t full_handshakes() const { return full_; }

private:
  static int on_new_session(SSL* ssl, SSL_SESSION* session);

  bool verify_ = false;
  std::unique_ptr<SSL_CTX, floor_tls_detail::ContextDeleter> context_;
  // The newest session a server issued (TLS 1.3 sends it after the handshake).
  std::unique_ptr<SSL_SESSION, floor_tls_detail::SessionDeleter> session_;
  std::size_t resumed_ = 0;
  std::size_t full_ = 0;
  std::string error_;
};

} // namespace hcbench
