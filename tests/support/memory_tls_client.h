// A real mbedTLS client over memory, for the TLS session tests and the handshake benchmark:
// it talks to a hcbench::TlsSession (of either engine) by shuttling bytes between two strings,
// no sockets.
#pragma once

#include "hcbench/server/tls.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

namespace hcbench::testing {

struct ClientOptions {
  std::filesystem::path ca_file;                 // empty: do not verify the server
  bool tickets = true;                           // send the session ticket extension
  std::vector<mbedtls_ecp_group_id> curves = {}; // empty: mbedTLS's default order
  int max_minor_version = MBEDTLS_SSL_MINOR_VERSION_3;
  std::vector<int> ciphersuites = {}; // empty: mbedTLS's default list
  std::vector<std::string> alpn = {}; // ALPN protocols offered, in order; empty: none
};

inline std::string mbedtls_message(int code) {
  std::array<char, 160> text{};
  mbedtls_strerror(code, text.data(), text.size());
  return text.data();
}

// Configuration shared by clients; create one per set of options.
class ClientConfig {
public:
  explicit ClientConfig(const ClientOptions& options)
      : curves_(options.curves), suites_(options.ciphersuites), alpn_(options.alpn) {
    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&drbg_);
    mbedtls_x509_crt_init(&ca_);
    mbedtls_ssl_config_init(&config_);
    check(mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_, nullptr, 0), "seed");
    check(mbedtls_ssl_config_defaults(&config_, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                      MBEDTLS_SSL_PRESET_DEFAULT),
          "defaults");
    mbedtls_ssl_conf_rng(&config_, mbedtls_ctr_drbg_random, &drbg_);
    if (options.ca_file.empty()) {
      mbedtls_ssl_conf_authmode(&config_, MBEDTLS_SSL_VERIFY_NONE);
    } else {
      check(mbedtls_x509_crt_parse_file(&ca_, options.ca_file.c_str()), "ca");
      mbedtls_ssl_conf_ca_chain(&config_, &ca_, nullptr);
      mbedtls_ssl_conf_authmode(&config_, MBEDTLS_SSL_VERIFY_REQUIRED);
    }
    mbedtls_ssl_conf_session_tickets(&config_, options.tickets
                                                   ? MBEDTLS_SSL_SESSION_TICKETS_ENABLED
                                                   : MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
    if (!curves_.empty()) {
      curves_.push_back(MBEDTLS_ECP_DP_NONE);
      mbedtls_ssl_conf_curves(&config_, curves_.data());
    }
    if (!suites_.empty()) {
      suites_.push_back(0);
      mbedtls_ssl_conf_ciphersuites(&config_, suites_.data());
    }
    if (!alpn_.empty()) {
      for (const std::string& protocol : alpn_) alpn_list_.push_back(protocol.c_str());
      alpn_list_.push_back(nullptr);
      check(mbedtls_ssl_conf_alpn_protocols(&config_, alpn_list_.data()), "alpn");
    }
    mbedtls_ssl_conf_min_version(&config_, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_1);
    mbedtls_ssl_conf_max_version(&config_, MBEDTLS_SSL_MAJOR_VERSION_3, options.max_minor_version);
  }
  ~ClientConfig() {
    mbedtls_ssl_config_free(&config_);
    mbedtls_x509_crt_free(&ca_);
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_entropy_free(&entropy_);
  }
  ClientConfig(const ClientConfig&) = delete;
  ClientConfig& operator=(const ClientConfig&) = delete;

  const mbedtls_ssl_config* get() const { return &config_; }

  static void check(int code, const char* what) {
    if (code != 0) throw std::runtime_error(std::string(what) + ": " + mbedtls_message(code));
  }

private:
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_x509_crt ca_;
  mbedtls_ssl_config config_;
  std::vector<mbedtls_ecp_group_id> curves_;
  std::vector<int> suites_; // mbedTLS keeps a pointer to it
  std::vector<std::string> alpn_;
  std::vector<const char*> alpn_list_; // null-terminated; mbedTLS keeps a pointer to it
};

// One client connection. to_server holds ciphertext for the server; from_server what the
// server produced and the client has not read yet.
class MemoryClient {
public:
  explicit MemoryClient(const ClientConfig& config, const mbedtls_ssl_session* resume = nullptr) {
    mbedtls_ssl_init(&ssl_);
    ClientConfig::check(mbedtls_ssl_setup(&ssl_, config.get()), "client setup");
    ClientConfig::check(mbedtls_ssl_set_hostname(&ssl_, "localhost"), "hostname");
    if (resume != nullptr) ClientConfig::check(mbedtls_ssl_set_session(&ssl_, resume), "resume");
    mbedtls_ssl_set_bio(&ssl_, this, send, receive, nullptr);
  }
  ~MemoryClient() { mbedtls_ssl_free(&ssl_); }
  MemoryClient(const MemoryClient&) = delete;
  MemoryClient& operator=(const MemoryClient&) = delete;

  mbedtls_ssl_context* ssl() { return &ssl_; }
  std::string to_server;
  std::string from_server;

  // Reads all the plaintext that the delivered ciphertext carries; returns the last code.
  int read_all(std::string& plaintext) {
    std::array<unsigned char, 4096> chunk;
    for (;;) {
      int code = mbedtls_ssl_read(&ssl_, chunk.data(), chunk.size());
      if (code <= 0) return code;
      plaintext.append(reinterpret_cast<const char*>(chunk.data()), static_cast<std::size_t>(code));
    }
  }

  // Writes all of `plaintext` into to_server.
  void write_all(const std::string& plaintext) {
    std::size_t done = 0;
    while (done < plaintext.size()) {
      int code =
          mbedtls_ssl_write(&ssl_, reinterpret_cast<const unsigned char*>(plaintext.data()) + done,
                            plaintext.size() - done);
      ClientConfig::check(code < 0 ? code : 0, "client write");
      done += static_cast<std::size_t>(code);
    }
  }

private:
  static int send(void* self, const unsigned char* data, std::size_t length) {
    static_cast<MemoryClient*>(self)->to_server.append(reinterpret_cast<const char*>(data), length);
    return static_cast<int>(length);
  }
  static int receive(void* self, unsigned char* data, std::size_t length) {
    auto& client = *static_cast<MemoryClient*>(self);
    if (client.from_server.empty()) return MBEDTLS_ERR_SSL_WANT_READ;
    std::size_t taken = std::min(length, client.from_server.size());
    std::copy_n(client.from_server.data(), taken, data);
    client.from_server.erase(0, taken);
    return static_cast<int>(taken);
  }

  mbedtls_ssl_context ssl_;
};

// Hands the server what the client wrote, `chunk` bytes at a time, and the client what the
// server wrote. Returns the server's last status (ok when nothing was delivered).
template <typename Session>
IoStatus deliver(MemoryClient& client, Session& server, std::string& server_plaintext,
                 std::size_t chunk = static_cast<std::size_t>(-1)) {
  IoStatus status = IoStatus::ok;
  std::string pending;
  pending.swap(client.to_server);
  for (std::size_t at = 0; at < pending.size(); at += chunk) {
    std::size_t length = std::min(chunk, pending.size() - at);
    server.receive({pending.data() + at, length});
    status = server.read(server_plaintext);
    if (status == IoStatus::error || status == IoStatus::closed) break;
  }
  client.from_server += server.outgoing();
  server.outgoing().clear();
  return status;
}

// Runs the handshake on both sides. Returns an empty string on success, otherwise what failed.
template <typename Session>
std::string handshake(MemoryClient& client, Session& server,
                      std::size_t chunk = static_cast<std::size_t>(-1)) {
  std::string plaintext;
  for (int round = 0; round < 64; ++round) {
    int code = mbedtls_ssl_handshake(client.ssl());
    if (code != 0 && code != MBEDTLS_ERR_SSL_WANT_READ) {
      return "client: " + mbedtls_message(code);
    }
    IoStatus status = deliver(client, server, plaintext, chunk);
    if (status == IoStatus::error) return "server: " + server.error();
    if (code == 0 && server.handshake_complete()) return {};
  }
  return "handshake did not finish";
}

} // namespace hcbench::testing
