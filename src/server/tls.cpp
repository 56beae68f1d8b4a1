#include "hcbench/server/tls.h"

#include "hcbench/server/mbedtls_tls.h"
#include "hcbench/server/openssl_tls.h"

#include <algorithm>

namespace hcbench {
namespace {

// Received ciphertext is appended to incoming_; above this capacity, it is released once
// consumed instead of kept for the next arrival.
constexpr std::size_t max_idle_incoming_capacity = 16 * 1024;

// A TLS record starts with a content type byte (20 to 23); an HTTP request with a method
// token such as "GET ". Only used to explain a failed handshake.
bool looks_like_http(std::span<const char> bytes) {
  std::size_t letters = 0;
  while (letters < bytes.size() && letters < 8 && bytes[letters] >= 'A' && bytes[letters] <= 'Z') {
    ++letters;
  }
  return letters >= 3 && letters < bytes.size() && bytes[letters] == ' ';
}

} // namespace

std::unique_ptr<TlsContext> TlsContext::create(const TlsSettings& settings, std::string& error) {
  switch (settings.engine) {
  case TlsEngine::openssl:
    return OpenSslContext::create(settings, error);
  case TlsEngine::mbedtls:
    break;
  }
  return MbedTlsContext::create(settings, error);
}

void TlsSession::receive(std::span<const char> ciphertext) {
  // Compact once per arrival, not once per record: only an unfinished record is moved.
  if (incoming_offset_ == incoming_.size()) {
    incoming_.clear();
  } else if (incoming_offset_ > 0) {
    incoming_.erase(0, incoming_offset_);
  }
  incoming_offset_ = 0;
  if (!anything_received_ && !ciphertext.empty()) {
    anything_received_ = true;
    plain_http_ = looks_like_http(ciphertext);
  }
  incoming_.append(ciphertext.data(), ciphertext.size());
}

std::size_t TlsSession::take_incoming(void* data, std::size_t length) {
  const std::size_t available = incoming_.size() - incoming_offset_;
  const std::size_t taken = std::min(length, available);
  std::copy_n(incoming_.data() + incoming_offset_, taken, static_cast<char*>(data));
  incoming_offset_ += taken;
  if (incoming_offset_ == incoming_.size()) {
    // Everything consumed. A big arrival (a burst of pipelined requests) does not get to pin
    // its capacity to an idle connection.
    if (incoming_.capacity() > max_idle_incoming_capacity) {
      std::string().swap(incoming_);
    } else {
      incoming_.clear();
    }
    incoming_offset_ = 0;
  }
  return taken;
}

IoStatus TlsSession::fail(std::string message) {
  failed_ = true;
  error_ = std::move(message);
  return IoStatus::error;
}

const char* TlsSession::handshake_failure_name() const {
  return plain_http_ ? "TLS handshake (the client sent plain HTTP to the HTTPS port)"
                     : "TLS handshake";
}

} // namespace hcbench
