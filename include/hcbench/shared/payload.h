// The bodies hcbench serves and checks: fixed documents and the deterministic
// pseudo-random /length/<n> payloads, with their precomputed response headers,
// kept in a byte-bounded LRU cache shared by every server thread.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace hcbench {

// Which Content-Type a resource is served with.
enum class ContentTypeMode {
  native,   // the endpoint's own type: text/plain, application/json, application/octet-stream
  original, // the 2016 original's Flask default for everything: text/html; charset=utf-8
};

inline constexpr std::string_view original_content_type = "text/html; charset=utf-8";

// An immutable response body and the header lines that describe it. Shared by reference:
// a response being written holds a shared_ptr, so eviction never frees bytes in flight.
struct Resource {
  std::string body;
  std::string content_type;
  std::string digest; // Repr-Digest value, "sha-256=:<base64>:"
  // "Content-Type: ..\r\nContent-Length: ..\r\nRepr-Digest: ..\r\n", one per ContentTypeMode.
  std::string header_lines[2];

  std::string_view headers(ContentTypeMode mode) const {
    return header_lines[static_cast<int>(mode)];
  }
  // The Content-Type value alone, for protocols that do not send header lines (HTTP/2).
  std::string_view content_type_for(ContentTypeMode mode) const {
    return mode == ContentTypeMode::original ? original_content_type
                                             : std::string_view(content_type);
  }
};

std::shared_ptr<const Resource> make_resource(std::string body, std::string content_type);

// The bytes of /length/<n>: splitmix64 seeded from n, each 64-bit output written
// little-endian, the last one cut to fit. Deterministic on every thread, process and
// machine, so a client can regenerate and verify them (docs/endpoints.md shows the code).
std::string generate_payload(std::uint64_t length);

struct PayloadCacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;
  std::uint64_t entries = 0;
  std::uint64_t bytes = 0;
  std::uint64_t capacity = 0;
};

// Payloads for /length/<n>, generated on first use and kept while the total of cached
// bodies stays within the capacity; the least recently used go first. A payload larger
// than the whole capacity is generated, served and not kept. Thread-safe.
class PayloadCache {
public:
  explicit PayloadCache(std::uint64_t capacity_bytes);
  PayloadCache(const PayloadCache&) = delete;
  PayloadCache& operator=(const PayloadCache&) = delete;

  std::shared_ptr<const Resource> get(std::uint64_t length);
  PayloadCacheStats stats() const;

private:
  using Entry = std::pair<std::uint64_t, std::shared_ptr<const Resource>>;

  mutable std::mutex mutex_;
  std::uint64_t capacity_;
  std::uint64_t bytes_ = 0;
  std::list<Entry> lru_; // most recently used first
  std::unordered_map<std::uint64_t, std::list<Entry>::iterator> index_;
  PayloadCacheStats counters_;
};

} // namespace hcbench
