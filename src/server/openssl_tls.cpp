#include "hcbench/server/openssl_tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>

#if OPENSSL_VERSION_NUMBER < 0x30000000L
#error "hcbench's OpenSSL engine needs OpenSSL 3"
#endif

namespace hcbench {
namespace {

// The mbedTLS engine's suites, in its order (docs/tls.md): ChaCha20-Poly1305 first, then
// AES-128-GCM, then AES-256-GCM, forward secrecy only. Server preference order, as mbedTLS.
constexpr const char* ecdsa_suites =
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384";
constexpr const char* rsa_suites =
    "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384";
// The mbedTLS engine's curves in its order; with SSL_OP_CIPHER_SERVER_PREFERENCE OpenSSL
// picks the first of these that the client offers, as mbedTLS does.
constexpr const char* curves = "X25519:P-256:P-384";
// Signature hashes SHA-256, SHA-384, SHA-512 (no SHA-1), PKCS#1 v1.5 for RSA as mbedTLS 2.28.
constexpr const char* signature_algorithms =
    "ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:RSA+SHA256:RSA+SHA384:RSA+SHA512";
constexpr unsigned char session_id_context[] = "hcbench";

// Every error OpenSSL queued on this thread, oldest first; the queue is left empty.
std::string openssl_errors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    std::array<char, 256> line{};
    ERR_error_string_n(code, line.data(), line.size());
    if (!text.empty()) text += "; ";
    text += line.data();
  }
  return text;
}

const char* ssl_error_name(int ssl_error) {
  switch (ssl_error) {
  case SSL_ERROR_SSL:
    return "protocol error";
  case SSL_ERROR_SYSCALL:
    return "unexpected end of the input";
  case SSL_ERROR_WANT_WRITE:
    return "output would block";
  default:
    return "unexpected state";
  }
}

// Encrypted keys are refused rather than asked for on the terminal.
int no_password(char*, int, int, void*) {
  return 0;
}

// Session tickets live ticket_lifetime_seconds (the context's session timeout, which OpenSSL
// also writes into each ticket), sessions in the ID cache session_cache_seconds, as with
// mbedTLS. OpenSSL has one timeout for both; this callback runs only for sessions that enter
// the cache (a full handshake that issues a ticket sends an empty session ID and skips it).
int shorten_cached_session(SSL*, SSL_SESSION* session) {
  SSL_SESSION_set_timeout(session, TlsContext::session_cache_seconds);
  return 0; // OpenSSL keeps no reference for us
}

long bio_control(BIO*, int command, long, void*) {
  return command == BIO_CTRL_FLUSH ? 1 : 0; // output is in memory already
}

int bio_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

} // namespace

std::unique_ptr<TlsContext> OpenSslContext::create(const TlsSettings& settings,
                                                   std::string& error) {
  ERR_clear_error();
  const std::string cert_file = settings.cert_file.string();
  const std::string key_file = settings.key_file.string();
  std::unique_ptr<OpenSslContext> context(new OpenSslContext());
  auto failed = [&](const std::string& what) {
    const std::string reasons = openssl_errors();
    error = reasons.empty() ? what : what + ": " + reasons;
    return nullptr;
  };

  BIO_METHOD* method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "hcbench memory");
  context->bio_method_.reset(method);
  if (method == nullptr || BIO_meth_set_write(method, OpenSslSession::bio_write) != 1 ||
      BIO_meth_set_read(method, OpenSslSession::bio_read) != 1 ||
      BIO_meth_set_ctrl(method, bio_control) != 1 || BIO_meth_set_create(method, bio_create) != 1)
    return failed("creating the OpenSSL memory BIO");

  context->context_.reset(SSL_CTX_new(TLS_server_method()));
  SSL_CTX* ssl_context = context->context_.get();
  if (ssl_context == nullptr) return failed("creating the OpenSSL context");

  if (SSL_CTX_use_certificate_chain_file(ssl_context, cert_file.c_str()) != 1)
    return failed("reading certificate " + cert_file);
  // The key is read and checked here rather than by SSL_CTX_use_PrivateKey_file, which accepts
  // a key of another type than the certificate's without a word.
  EVP_PKEY* key = nullptr;
  if (BIO* file = BIO_new_file(key_file.c_str(), "r")) {
    key = PEM_read_bio_PrivateKey(file, nullptr, no_password, nullptr);
    BIO_free(file);
  }
  const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key_owner(key, EVP_PKEY_free);
  if (key == nullptr) return failed("reading private key " + key_file);
  if (X509_check_private_key(SSL_CTX_get0_certificate(ssl_context), key) != 1)
    return failed("private key " + key_file + " does not match certificate " + cert_file);
  const char* suites = nullptr;
  switch (EVP_PKEY_get_base_id(key)) {
  case EVP_PKEY_EC:
    suites = ecdsa_suites;
    context->key_type_ = "ECDSA";
    break;
  case EVP_PKEY_RSA:
    suites = rsa_suites;
    context->key_type_ = "RSA";
    break;
  default:
    error = "private key " + key_file + ": unsupported key type " + EVP_PKEY_get0_type_name(key) +
            " (use ECDSA or RSA)";
    return nullptr;
  }
  if (SSL_CTX_use_PrivateKey(ssl_context, key) != 1) return failed("using private key " + key_file);

  // TLS 1.2 only, as the mbedTLS engine (whose TLS 1.3 is experimental): the engines must be
  // compared doing the same work.
  if (SSL_CTX_set_min_proto_version(ssl_context, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ssl_context, TLS1_2_VERSION) != 1)
    return failed("configuring TLS 1.2");
  // mbedTLS's defaults: the server's order of suites and curves, no renegotiation.
  SSL_CTX_set_options(ssl_context, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION |
                                       SSL_OP_NO_COMPRESSION);
  if (SSL_CTX_set_cipher_list(ssl_context, suites) != 1)
    return failed("configuring the cipher suites");
  if (SSL_CTX_set1_groups_list(ssl_context, curves) != 1) return failed("configuring the curves");
  if (SSL_CTX_set1_sigalgs_list(ssl_context, signature_algorithms) != 1)
    return failed("configuring the signature algorithms");
  // Record buffers (~34 KiB per session) are freed whenever no record is half read or
  // written, as nginx does: an idle connection keeps only the SSL object.
  SSL_CTX_set_mode(ssl_context, SSL_MODE_RELEASE_BUFFERS);

  // Resumption for every kind of client, as with mbedTLS: tickets (RFC 5077, keys made by
  // OpenSSL for this context: AES-256-CBC with HMAC-SHA256) and the session-ID cache.
  SSL_CTX_set_timeout(ssl_context, TlsContext::ticket_lifetime_seconds);
  if (SSL_CTX_set_session_id_context(ssl_context, session_id_context,
                                     sizeof session_id_context - 1) != 1)
    return failed("configuring the session cache");
  SSL_CTX_set_session_cache_mode(ssl_context, SSL_SESS_CACHE_SERVER);
  SSL_CTX_sess_set_cache_size(ssl_context, TlsContext::session_cache_entries);
  SSL_CTX_sess_set_new_cb(ssl_context, shorten_cached_session);

  if (!settings.alpn_protocols.empty()) {
    for (const std::string& protocol : settings.alpn_protocols) {
      if (protocol.empty() || protocol.size() > 255) {
        error = "ALPN protocol name '" + protocol + "' must have 1 to 255 bytes";
        return nullptr;
      }
      context->alpn_wire_.push_back(static_cast<char>(protocol.size()));
      context->alpn_wire_ += protocol;
    }
    SSL_CTX_set_alpn_select_cb(ssl_context, select_alpn, context.get());
  }
  return context;
}

int OpenSslContext::select_alpn(SSL*, const unsigned char** out, unsigned char* out_length,
                                const unsigned char* offered, unsigned offered_length, void* self) {
  const std::string& ours = static_cast<const OpenSslContext*>(self)->alpn_wire_;
  unsigned char* selected = nullptr;
  unsigned char selected_length = 0;
  // The first of the server's protocols that the client offers (server preference, as mbedTLS).
  if (SSL_select_next_proto(
          &selected, &selected_length, reinterpret_cast<const unsigned char*>(ours.data()),
          static_cast<unsigned>(ours.size()), offered, offered_length) != OPENSSL_NPN_NEGOTIATED) {
    // mbedTLS refuses such a client with no_application_protocol; so does this.
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  *out = selected;
  *out_length = selected_length;
  return SSL_TLSEXT_ERR_OK;
}

std::string OpenSslContext::library_version() const {
  return OpenSSL_version(OPENSSL_VERSION);
}

std::unique_ptr<TlsSession> OpenSslContext::new_session() const {
  return std::make_unique<OpenSslSession>(*this);
}

OpenSslSession::OpenSslSession(const OpenSslContext& context) : ssl_(SSL_new(context.context())) {
  if (ssl_ == nullptr) {
    fail("creating a TLS session", SSL_ERROR_SSL);
    return;
  }
  BIO* bio = BIO_new(context.bio_method());
  if (bio == nullptr) {
    fail("creating a TLS session's BIO", SSL_ERROR_SSL);
    return;
  }
  BIO_set_data(bio, this);
  SSL_set_bio(ssl_, bio, bio); // one BIO both ways; the SSL object owns it
  SSL_set_accept_state(ssl_);
}

OpenSslSession::~OpenSslSession() {
  // OpenSSL drops a session from the ID cache when its connection is freed without a
  // close_notify sent, mbedTLS does not: marked as shut down, a session stays resumable like
  // with mbedTLS (nginx does the same). A session that failed with a fatal alert was already
  // removed by OpenSSL.
  if (ssl_ != nullptr && !failed_)
    SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_free(ssl_);
}

int OpenSslSession::bio_write(BIO* bio, const char* data, int length) {
  static_cast<OpenSslSession*>(BIO_get_data(bio))
      ->append_outgoing(data, static_cast<std::size_t>(length));
  return length;
}

int OpenSslSession::bio_read(BIO* bio, char* data, int length) {
  BIO_clear_retry_flags(bio);
  const std::size_t taken = static_cast<OpenSslSession*>(BIO_get_data(bio))
                                ->take_incoming(data, static_cast<std::size_t>(length));
  if (taken == 0) {
    BIO_set_retry_read(bio); // OpenSSL reports SSL_ERROR_WANT_READ
    return -1;
  }
  return static_cast<int>(taken);
}

IoStatus OpenSslSession::fail(const char* what, int ssl_error) {
  std::string reasons = openssl_errors();
  if (reasons.empty()) reasons = ssl_error_name(ssl_error);
  return TlsSession::fail(std::string(what) + ": " + reasons + " (SSL_get_error " +
                          std::to_string(ssl_error) + ")");
}

IoStatus OpenSslSession::read(std::string& plaintext) {
  if (failed_) return IoStatus::error;
  bool progressed = false;
  if (!handshake_complete_) {
    // OpenSSL's error queue is per thread and SSL_get_error reads it: empty it before a call.
    ERR_clear_error();
    const int code = SSL_do_handshake(ssl_);
    if (code != 1) {
      const int ssl_error = SSL_get_error(ssl_, code);
      if (ssl_error == SSL_ERROR_WANT_READ) return IoStatus::again;
      return fail(handshake_failure_name(), ssl_error);
    }
    handshake_complete_ = true;
    resumed_ = SSL_session_reused(ssl_) == 1;
    // "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" spelled as mbedTLS does, with dashes.
    const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_);
    const char* name = cipher != nullptr ? SSL_CIPHER_standard_name(cipher) : nullptr;
    ciphersuite_ = name != nullptr ? name : "";
    std::replace(ciphersuite_.begin(), ciphersuite_.end(), '_', '-');
    progressed = true;
  }
  // Decrypted through a stack buffer so the caller's buffer grows only by what arrived:
  // requests are small, and idle connections must stay small too.
  std::array<char, 16384> chunk;
  for (;;) {
    ERR_clear_error();
    const int code = SSL_read(ssl_, chunk.data(), static_cast<int>(chunk.size()));
    if (code > 0) {
      plaintext.append(chunk.data(), static_cast<std::size_t>(code));
      progressed = true;
      continue;
    }
    const int ssl_error = SSL_get_error(ssl_, code);
    if (ssl_error == SSL_ERROR_WANT_READ) return progressed ? IoStatus::ok : IoStatus::again;
    if (ssl_error == SSL_ERROR_ZERO_RETURN) return IoStatus::closed;
    return fail("TLS read", ssl_error);
  }
}

IoStatus OpenSslSession::write(std::span<const char> plaintext) {
  if (failed_) return IoStatus::error;
  if (!handshake_complete_) return TlsSession::fail("TLS write before the handshake completed");
  // Records of up to 16 KiB, each adding at most 29 bytes: reserving once avoids regrowing.
  constexpr std::size_t record = 16384, record_overhead = 29;
  outgoing().reserve(outgoing().size() + plaintext.size() +
                     (plaintext.size() / record + 1) * record_overhead);
  const char* data = plaintext.data();
  std::size_t left = plaintext.size();
  while (left > 0) {
    // The BIO never blocks, so SSL_write takes everything it is given (in int-sized pieces).
    const int piece = static_cast<int>(std::min<std::size_t>(left, 1u << 30));
    ERR_clear_error();
    const int code = SSL_write(ssl_, data, piece);
    if (code <= 0) return fail("TLS write", SSL_get_error(ssl_, code));
    data += code;
    left -= static_cast<std::size_t>(code);
  }
  return IoStatus::ok;
}

void OpenSslSession::close_notify() {
  if (failed_ || !handshake_complete_) return;
  ERR_clear_error();
  // 0: sent, the peer's close_notify not yet received (the connection does not wait for it).
  if (const int code = SSL_shutdown(ssl_); code < 0)
    fail("TLS close_notify", SSL_get_error(ssl_, code));
}

std::string_view OpenSslSession::alpn_protocol() const {
  if (!handshake_complete_) return {};
  const unsigned char* protocol = nullptr;
  unsigned length = 0;
  SSL_get0_alpn_selected(ssl_, &protocol, &length); // null and 0 when none was agreed
  return {reinterpret_cast<const char*>(protocol), length};
}

} // namespace hcbench
