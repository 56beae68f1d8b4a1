#include "hcbench/client/floor_tls.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <fmt/format.h>

#include <arpa/inet.h>
#include <cerrno>
#include <climits>
#include <cstring>

namespace hcbench {

namespace {

// The index of the SSL_CTX's pointer back to its FloorTlsClient (for the new-session callback).
int client_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

bool is_address(const std::string& host) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// OpenSSL's error queue as one line (and emptied), or the system error behind a failed call.
std::string describe(std::string_view what, int ssl_error) {
  std::string reasons;
  while (const unsigned long code = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    if (!reasons.empty()) reasons += "; ";
    reasons += text;
  }
  if (reasons.empty() && ssl_error == SSL_ERROR_SYSCALL) {
    reasons = errno != 0 ? std::strerror(errno) : "the peer closed the connection";
  }
  if (reasons.empty()) reasons = fmt::format("SSL error {}", ssl_error);
  return fmt::format("{}: {}", what, reasons);
}

} // namespace

FloorTlsClient::FloorTlsClient(const CellOptions& options, std::string_view alpn)
    : verify_(!options.insecure) {
  context_.reset(SSL_CTX_new(TLS_client_method()));
  if (!context_) {
    error_ = describe("SSL_CTX_new", 0);
    return;
  }
  SSL_CTX* context = context_.get();
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  // RFC 9113 9.2: HTTP/2 over TLS 1.2 needs no renegotiation and no compression; OpenSSL 3
  // does neither by default.
  if (SSL_CTX_set_alpn_protos(context, reinterpret_cast<const unsigned char*>(alpn.data()),
                              static_cast<unsigned>(alpn.size())) != 0) {
    error_ = describe("SSL_CTX_set_alpn_protos", 0);
    context_.reset();
    return;
  }
  if (verify_) {
    const int loaded =
        options.cacert.empty()
            ? SSL_CTX_set_default_verify_paths(context)
            : SSL_CTX_load_verify_locations(context, options.cacert.c_str(), nullptr);
    if (loaded != 1) {
      error_ = describe(fmt::format("cannot load the CA certificates {}", options.cacert), 0);
      context_.reset();
      return;
    }
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
  }
  // Sessions are kept by this client, not in OpenSSL's cache: the callback hands each new one
  // over (TLS 1.3 tickets arrive after the handshake, with the first reads).
  SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_set_ex_data(context, client_index(), this);
  SSL_CTX_sess_set_new_cb(context, on_new_session);
}

int FloorTlsClient::on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* self =
      static_cast<FloorTlsClient*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), client_index()));
  if (self == nullptr || !SSL_SESSION_is_resumable(session)) return 0;
  self->session_.reset(session);
  return 1; // the reference is ours now
}

FloorTlsConnection FloorTlsClient::connect(int fd, const std::string& host, std::string& error) {
  FloorTlsConnection connection;
  ERR_clear_error();
  connection.ssl_.reset(SSL_new(context_.get()));
  SSL* ssl = connection.ssl_.get();
  if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1) {
    error = describe("SSL_new", 0);
    return {};
  }
  if (!is_address(host)) SSL_set_tlsext_host_name(ssl, host.c_str());
  if (verify_) {
    const int set = is_address(host)
                        ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str())
                        : SSL_set1_host(ssl, host.c_str());
    if (set != 1) {
      error = describe("cannot set the name to verify", 0);
      return {};
    }
  }
  if (session_) SSL_set_session(ssl, session_.get());
  errno = 0;
  const int result = SSL_connect(ssl);
  if (result != 1) {
    const int ssl_error = SSL_get_error(ssl, result);
    error = describe("TLS handshake", ssl_error);
    if (verify_ && SSL_get_verify_result(ssl) != X509_V_OK) {
      error += fmt::format(" ({})", X509_verify_cert_error_string(SSL_get_verify_result(ssl)));
    }
    return {};
  }
  if (SSL_session_reused(ssl))
    ++resumed_;
  else
    ++full_;
  return connection;
}

bool FloorTlsConnection::send_all(const void* data, std::size_t length) {
  const auto* bytes = static_cast<const char*>(data);
  while (length > 0) {
    ERR_clear_error();
    errno = 0;
    const int chunk = static_cast<int>(std::min<std::size_t>(length, INT_MAX));
    const int written = SSL_write(ssl_.get(), bytes, chunk);
    if (written <= 0) {
      const int ssl_error = SSL_get_error(ssl_.get(), written);
      const int saved = errno;
      error_ = describe("TLS write", ssl_error);
      // A timed-out blocking write surfaces as WANT_WRITE (or SYSCALL with EAGAIN).
      errno = ssl_error == SSL_ERROR_WANT_WRITE ? EAGAIN : saved;
      return false;
    }
    bytes += written;
    length -= static_cast<std::size_t>(written);
  }
  return true;
}

ssize_t FloorTlsConnection::receive(void* data, std::size_t length) {
  ERR_clear_error();
  errno = 0;
  const int chunk = static_cast<int>(std::min<std::size_t>(length, INT_MAX));
  const int got = SSL_read(ssl_.get(), data, chunk);
  if (got > 0) return got;
  const int ssl_error = SSL_get_error(ssl_.get(), got);
  if (ssl_error == SSL_ERROR_ZERO_RETURN) return 0; // close_notify
  const int saved = errno;
  error_ = describe("TLS read", ssl_error);
  // SO_RCVTIMEO expiring inside SSL_read surfaces as WANT_READ (or SYSCALL with EAGAIN); a
  // peer that closed without close_notify as SYSCALL with errno 0.
  if (ssl_error == SSL_ERROR_WANT_READ) {
    errno = EAGAIN;
    return -1;
  }
  if (ssl_error == SSL_ERROR_SYSCALL && saved == 0) return 0;
  errno = saved;
  return -1;
}

std::string_view FloorTlsConnection::alpn() const {
  const unsigned char* name = nullptr;
  unsigned length = 0;
  SSL_get0_alpn_selected(ssl_.get(), &name, &length);
  return name == nullptr ? std::string_view{}
                         : std::string_view(reinterpret_cast<const char*>(name), length);
}

bool FloorTlsConnection::resumed() const {
  return SSL_session_reused(ssl_.get()) == 1;
}

} // namespace hcbench
