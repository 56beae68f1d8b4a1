// The mbedTLS engine of the server's TLS (tls.h): mbedTLS 2.28 over memory, its bio
// callbacks reading the session's own ciphertext buffer. The default engine. Configuration
// and the reasons for it: docs/tls.md.
#pragma once

#include "hcbench/server/tls.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

#include <memory>
#include <string>
#include <vector>

namespace hcbench {

// mbedTLS is built with MBEDTLS_THREADING_C (checked at compile time): the DRBG, the ticket
// keys and the cache lock themselves, so one context serves every thread.
class MbedTlsContext final : public TlsContext {
public:
  static std::unique_ptr<TlsContext> create(const TlsSettings& settings, std::string& error);
  ~MbedTlsContext() override;

  TlsEngine engine() const override { return TlsEngine::mbedtls; }
  const char* key_type() const override { return key_type_; }
  std::string library_version() const override;
  std::unique_ptr<TlsSession> new_session() const override;

  const mbedtls_ssl_config* config() const { return &config_; }

private:
  MbedTlsContext();
  int prepare_ecdsa_signing_key();

  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_x509_crt certificate_;
  mbedtls_pk_context key_;         // as parsed from the key file
  mbedtls_pk_context signing_key_; // ECDSA: the same key as an ECDSA context (the .cpp says why)
  mbedtls_ssl_ticket_context tickets_;
  mbedtls_ssl_cache_context cache_;
  mbedtls_ssl_config config_;
  std::vector<std::string> alpn_protocols_;
  std::vector<const char*> alpn_list_; // null-terminated; mbedTLS keeps the pointer
  const char* key_type_ = "";
};

class MbedTlsSession final : public TlsSession {
public:
  explicit MbedTlsSession(const MbedTlsContext& context);
  ~MbedTlsSession() override;

  IoStatus read(std::string& plaintext) override;
  IoStatus write(std::span<const char> plaintext) override;
  void close_notify() override;
  const char* ciphersuite() const override;
  std::string_view alpn_protocol() const override;

private:
  static int bio_send(void* self, const unsigned char* data, std::size_t length);
  static int bio_receive(void* self, unsigned char* data, std::size_t length);

  IoStatus advance_handshake();
  IoStatus fail(const char* what, int code);

  mbedtls_ssl_context ssl_;
};

} // namespace hcbench
