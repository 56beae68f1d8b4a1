#include "hcbench/server/mbedtls_tls.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include <mbedtls/error.h>
#include <mbedtls/ssl_internal.h> // mbedtls_ssl_handshake_params::resume (no accessor in 2.28)
#include <mbedtls/version.h>

// One context is shared by every server thread: the DRBG, the ticket keys and the session
// cache must lock themselves.
#if !defined(MBEDTLS_THREADING_C)
#error                                                                                             \
    "hcbench shares one TLS context between threads: mbedTLS must be built with MBEDTLS_THREADING_C"
#endif
#if !defined(MBEDTLS_SSL_SESSION_TICKETS) || !defined(MBEDTLS_SSL_TICKET_C) ||                     \
    !defined(MBEDTLS_SSL_CACHE_C)
#error "hcbench resumes sessions with tickets and the session-ID cache"
#endif
#if !defined(MBEDTLS_SSL_PROTO_TLS1_2) || !defined(MBEDTLS_GCM_C)
#error "hcbench needs TLS 1.2 with AES-GCM"
#endif

namespace hcbench {
namespace {

// Cheapest safe suites first, for this library: mbedTLS 2.28 seals a 16 KiB record with
// ChaCha20-Poly1305 about 1.4x faster than with AES-128-GCM even on AES-NI (its GCM handles one
// block per call; docs/tls.md). AES-128-GCM for clients without ChaCha20, AES-256-GCM for
// clients that insist. Forward secrecy only (ECDHE).
constexpr std::array ecdsa_suites {
#if defined(MBEDTLS_CHACHAPOLY_C)
  MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
#endif
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
      MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 0,
};
constexpr std::array rsa_suites {
#if defined(MBEDTLS_CHACHAPOLY_C)
  MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
#endif
      MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
      0,
};

// The server picks the first of these that the client offers. x25519 is the cheapest ECDHE
// here (docs/tls.md); P-256 must stay listed because an ECDSA P-256 certificate is only
// usable when the curve is in this list, and for clients without x25519.
constexpr std::array<mbedtls_ecp_group_id, 4> curves{
    MBEDTLS_ECP_DP_CURVE25519,
    MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_NONE,
};

// Hashes for the ServerKeyExchange signature, SHA-256 first (SHA-1 excluded).
constexpr std::array<int, 4> signature_hashes{
    MBEDTLS_MD_SHA256,
    MBEDTLS_MD_SHA384,
    MBEDTLS_MD_SHA512,
    MBEDTLS_MD_NONE,
};

std::string describe(const char* what, int code) {
  std::array<char, 160> text{};
  mbedtls_strerror(code, text.data(), text.size());
  std::array<char, 16> number{};
  std::snprintf(number.data(), number.size(), "-0x%04x", static_cast<unsigned>(-code));
  return std::string(what) + ": " + text.data() + " (" + number.data() + ")";
}

} // namespace

MbedTlsContext::MbedTlsContext() {
  mbedtls_entropy_init(&entropy_);
  mbedtls_ctr_drbg_init(&drbg_);
  mbedtls_x509_crt_init(&certificate_);
  mbedtls_pk_init(&key_);
  mbedtls_pk_init(&signing_key_);
  mbedtls_ssl_ticket_init(&tickets_);
  mbedtls_ssl_cache_init(&cache_);
  mbedtls_ssl_config_init(&config_);
}

MbedTlsContext::~MbedTlsContext() {
  mbedtls_ssl_config_free(&config_);
  mbedtls_ssl_cache_free(&cache_);
  mbedtls_ssl_ticket_free(&tickets_);
  mbedtls_pk_free(&signing_key_);
  mbedtls_pk_free(&key_);
  mbedtls_x509_crt_free(&certificate_);
  mbedtls_ctr_drbg_free(&drbg_);
  mbedtls_entropy_free(&entropy_);
}

std::unique_ptr<TlsContext> MbedTlsContext::create(const TlsSettings& settings,
                                                   std::string& error) {
  const std::filesystem::path& cert_file = settings.cert_file;
  const std::filesystem::path& key_file = settings.key_file;
  std::unique_ptr<MbedTlsContext> context(new MbedTlsContext());
  auto failed = [&](const std::string& what, int code) {
    error = describe(what.c_str(), code);
    return nullptr;
  };

  static constexpr char personalization[] = "hcbench serve";
  int code = mbedtls_ctr_drbg_seed(&context->drbg_, mbedtls_entropy_func, &context->entropy_,
                                   reinterpret_cast<const unsigned char*>(personalization),
                                   sizeof personalization - 1);
  if (code != 0) return failed("seeding the random generator", code);

  code = mbedtls_x509_crt_parse_file(&context->certificate_, cert_file.c_str());
  if (code != 0) return failed("reading certificate " + cert_file.string(), code);
  code = mbedtls_pk_parse_keyfile(&context->key_, key_file.c_str(), nullptr);
  if (code != 0) return failed("reading private key " + key_file.string(), code);
  code = mbedtls_pk_check_pair(&context->certificate_.pk, &context->key_);
  if (code != 0) {
    return failed("private key " + key_file.string() + " does not match certificate " +
                      cert_file.string(),
                  code);
  }

  const int* suites = nullptr;
  mbedtls_pk_context* signing_key = &context->key_;
  if (mbedtls_pk_can_do(&context->key_, MBEDTLS_PK_ECDSA)) {
    suites = ecdsa_suites.data();
    context->key_type_ = "ECDSA";
    code = context->prepare_ecdsa_signing_key();
    if (code != 0) return failed("preparing the ECDSA key " + key_file.string(), code);
    signing_key = &context->signing_key_;
  } else if (mbedtls_pk_can_do(&context->key_, MBEDTLS_PK_RSA)) {
    suites = rsa_suites.data();
    context->key_type_ = "RSA";
  } else {
    error = "private key " + key_file.string() + ": unsupported key type " +
            mbedtls_pk_get_name(&context->key_) + " (use ECDSA or RSA)";
    return nullptr;
  }

  mbedtls_ssl_config& config = context->config_;
  code = mbedtls_ssl_config_defaults(&config, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                     MBEDTLS_SSL_PRESET_DEFAULT);
  if (code != 0) return failed("configuring TLS", code);
  mbedtls_ssl_conf_rng(&config, mbedtls_ctr_drbg_random, &context->drbg_);
  // TLS 1.2 only: the TLS 1.3 of mbedTLS 2.28 is experimental.
  mbedtls_ssl_conf_min_version(&config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_max_version(&config, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_ciphersuites(&config, suites);
  mbedtls_ssl_conf_curves(&config, curves.data());
  mbedtls_ssl_conf_sig_hashes(&config, signature_hashes.data());
  code = mbedtls_ssl_conf_own_cert(&config, &context->certificate_, signing_key);
  if (code != 0) return failed("using certificate " + cert_file.string(), code);

  // Resumption for every kind of client: tickets (RFC 5077; OpenSSL, Python, curl, wrk) and
  // the session-ID cache for clients that do not send the ticket extension. A full handshake
  // that issues a ticket leaves the cache alone (mbedTLS sends an empty session ID then).
  code = mbedtls_ssl_ticket_setup(&context->tickets_, mbedtls_ctr_drbg_random, &context->drbg_,
                                  MBEDTLS_CIPHER_AES_256_GCM, ticket_lifetime_seconds);
  if (code != 0) return failed("setting up session tickets", code);
  mbedtls_ssl_conf_session_tickets_cb(&config, mbedtls_ssl_ticket_write, mbedtls_ssl_ticket_parse,
                                      &context->tickets_);
  mbedtls_ssl_cache_set_max_entries(&context->cache_, session_cache_entries);
  mbedtls_ssl_cache_set_timeout(&context->cache_, session_cache_seconds);
  mbedtls_ssl_conf_session_cache(&config, &context->cache_, mbedtls_ssl_cache_get,
                                 mbedtls_ssl_cache_set);

  // ALPN in the server's order of preference; mbedTLS refuses a client whose offer shares none.
  if (!settings.alpn_protocols.empty()) {
    context->alpn_protocols_ = settings.alpn_protocols;
    for (const std::string& protocol : context->alpn_protocols_)
      context->alpn_list_.push_back(protocol.c_str());
    context->alpn_list_.push_back(nullptr);
    code = mbedtls_ssl_conf_alpn_protocols(&config, context->alpn_list_.data());
    if (code != 0) return failed("configuring ALPN", code);
  }
  return context;
}

std::string MbedTlsContext::library_version() const {
  return MBEDTLS_VERSION_STRING_FULL;
}

std::unique_ptr<TlsSession> MbedTlsContext::new_session() const {
  return std::make_unique<MbedTlsSession>(*this);
}

int MbedTlsContext::prepare_ecdsa_signing_key() {
  // A parsed EC key has the generic type ECKEY, whose sign function copies the key into a
  // temporary ECDSA context, curve group included, for every signature. Every full handshake
  // then recomputes the comb table of the curve's base point, which costs about as much as
  // the signature's scalar multiplication itself. A key of type ECDSA signs with its own
  // group, which keeps the table (mbedTLS caches it in the group the first time G is
  // multiplied): same key, same signatures, less work.
  int code = mbedtls_pk_setup(&signing_key_, mbedtls_pk_info_from_type(MBEDTLS_PK_ECDSA));
  if (code != 0) return code;
  code = mbedtls_ecdsa_from_keypair(static_cast<mbedtls_ecdsa_context*>(signing_key_.pk_ctx),
                                    mbedtls_pk_ec(key_));
  if (code != 0) return code;
  // Sign once now, on this thread: the table is built here, before any server thread can
  // sign, and is only read afterwards (mbedTLS does not lock it).
  const std::array<unsigned char, 32> hash{};
  std::array<unsigned char, MBEDTLS_PK_SIGNATURE_MAX_SIZE> signature{};
  std::size_t length = 0;
  return mbedtls_pk_sign(&signing_key_, MBEDTLS_MD_SHA256, hash.data(), hash.size(),
                         signature.data(), &length, mbedtls_ctr_drbg_random, &drbg_);
}

MbedTlsSession::MbedTlsSession(const MbedTlsContext& context) {
  mbedtls_ssl_init(&ssl_);
  if (int code = mbedtls_ssl_setup(&ssl_, context.config()); code != 0) {
    fail("creating a TLS session", code);
    return;
  }
  mbedtls_ssl_set_bio(&ssl_, this, bio_send, bio_receive, nullptr);
}

MbedTlsSession::~MbedTlsSession() {
  mbedtls_ssl_free(&ssl_);
}

int MbedTlsSession::bio_receive(void* self, unsigned char* data, std::size_t length) {
  const std::size_t taken = static_cast<MbedTlsSession*>(self)->take_incoming(data, length);
  return taken == 0 ? MBEDTLS_ERR_SSL_WANT_READ : static_cast<int>(taken);
}

int MbedTlsSession::bio_send(void* self, const unsigned char* data, std::size_t length) {
  static_cast<MbedTlsSession*>(self)->append_outgoing(data, length);
  return static_cast<int>(length);
}

IoStatus MbedTlsSession::fail(const char* what, int code) {
  return TlsSession::fail(describe(what, code));
}

IoStatus MbedTlsSession::advance_handshake() {
  // Stepped rather than mbedtls_ssl_handshake(): mbedTLS 2.28 has no accessor for "resumed",
  // and frees the handshake parameters that say so when the handshake ends.
  while (ssl_.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
    int code = mbedtls_ssl_handshake_step(&ssl_);
    if (ssl_.handshake != nullptr) resumed_ = ssl_.handshake->resume != 0;
    if (code == MBEDTLS_ERR_SSL_WANT_READ) return IoStatus::again;
    if (code != 0) return fail(handshake_failure_name(), code);
  }
  handshake_complete_ = true;
  return IoStatus::ok;
}

IoStatus MbedTlsSession::read(std::string& plaintext) {
  if (failed_) return IoStatus::error;
  bool progressed = false;
  if (!handshake_complete_) {
    IoStatus status = advance_handshake();
    if (status != IoStatus::ok) return status;
    progressed = true;
  }
  // Decrypted through a stack buffer so the caller's buffer grows only by what arrived:
  // requests are small, and idle connections must stay small too.
  std::array<unsigned char, 16384> chunk;
  for (;;) {
    int code = mbedtls_ssl_read(&ssl_, chunk.data(), chunk.size());
    if (code > 0) {
      plaintext.append(reinterpret_cast<const char*>(chunk.data()), static_cast<std::size_t>(code));
      progressed = true;
      continue;
    }
    if (code == MBEDTLS_ERR_SSL_WANT_READ) return progressed ? IoStatus::ok : IoStatus::again;
    if (code == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || code == 0) return IoStatus::closed;
    return fail("TLS read", code);
  }
}

IoStatus MbedTlsSession::write(std::span<const char> plaintext) {
  if (failed_) return IoStatus::error;
  if (!handshake_complete_) return TlsSession::fail("TLS write before the handshake completed");
  // mbedTLS writes at most one record (16 KiB) per call; each record adds at most 29 bytes
  // (header, explicit nonce, tag), so reserving once avoids regrowing for large bodies.
  constexpr std::size_t record = 16384, record_overhead = 29;
  outgoing().reserve(outgoing().size() + plaintext.size() +
                     (plaintext.size() / record + 1) * record_overhead);
  const auto* data = reinterpret_cast<const unsigned char*>(plaintext.data());
  std::size_t left = plaintext.size();
  while (left > 0) {
    int code = mbedtls_ssl_write(&ssl_, data, left);
    if (code <= 0) return fail("TLS write", code);
    data += code;
    left -= static_cast<std::size_t>(code);
  }
  return IoStatus::ok;
}

void MbedTlsSession::close_notify() {
  if (failed_ || !handshake_complete_) return;
  if (int code = mbedtls_ssl_close_notify(&ssl_); code != 0) fail("TLS close_notify", code);
}

const char* MbedTlsSession::ciphersuite() const {
  return handshake_complete_ ? mbedtls_ssl_get_ciphersuite(&ssl_) : "";
}

std::string_view MbedTlsSession::alpn_protocol() const {
  if (!handshake_complete_) return {};
  const char* protocol = mbedtls_ssl_get_alpn_protocol(&ssl_); // null when none was agreed
  return protocol != nullptr ? std::string_view(protocol) : std::string_view();
}

} // namespace hcbench
