// The OpenSSL engine of the server's TLS (tls.h): OpenSSL 3 over memory, through a custom BIO
// whose read and write functions use the session's own ciphertext buffers, as the mbedTLS
// engine's bio callbacks do (h2o does the same with OpenSSL). Same configuration as the mbedTLS
// engine; where OpenSSL needs a different setting to behave the same, the .cpp says so.
#pragma once

#include "hcbench/server/tls.h"

#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace hcbench {

// An SSL_CTX may be shared by every thread: OpenSSL locks its session cache and counters.
class OpenSslContext final : public TlsContext {
public:
  static std::unique_ptr<TlsContext> create(const TlsSettings& settings, std::string& error);

  TlsEngine engine() const override { return TlsEngine::openssl; }
  const char* key_type() const override { return key_type_; }
  std::string library_version() const override;
  std::unique_ptr<TlsSession> new_session() const override;

  SSL_CTX* context() const { return context_.get(); }
  const BIO_METHOD* bio_method() const { return bio_method_.get(); }

private:
  struct FreeContext {
    void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
  };
  struct FreeBioMethod {
    void operator()(BIO_METHOD* method) const { BIO_meth_free(method); }
  };
  static int select_alpn(SSL* ssl, const unsigned char** out, unsigned char* out_length,
                         const unsigned char* offered, unsigned offered_length, void* self);

  OpenSslContext() = default;

  // Declared before the context so that it is freed after every use by it.
  std::unique_ptr<BIO_METHOD, FreeBioMethod> bio_method_;
  std::unique_ptr<SSL_CTX, FreeContext> context_;
  std::string alpn_wire_; // the server's ALPN list, each name prefixed by its length
  const char* key_type_ = "";
};

class OpenSslSession final : public TlsSession {
public:
  explicit OpenSslSession(const OpenSslContext& context);
  ~OpenSslSession() override;

  IoStatus read(std::string& plaintext) override;
  IoStatus write(std::span<const char> plaintext) override;
  void close_notify() override;
  const char* ciphersuite() const override { return ciphersuite_.c_str(); }
  std::string_view alpn_protocol() const override;

  // The BIO's functions (openssl_tls.cpp installs them in the context's BIO_METHOD).
  static int bio_write(BIO* bio, const char* data, int length);
  static int bio_read(BIO* bio, char* data, int length);

private:
  IoStatus fail(const char* what, int ssl_error);

  SSL* ssl_ = nullptr;
  std::string ciphersuite_;
};

} // namespace hcbench
