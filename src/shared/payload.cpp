#include "hcbench/shared/payload.h"

#include "hcbench/shared/digest.h"

#include <fmt/format.h>

namespace hcbench {

namespace {

std::string header_block(std::string_view content_type, std::size_t length,
                         std::string_view digest) {
  return fmt::format("Content-Type: {}\r\nContent-Length: {}\r\n{}: {}\r\n", content_type, length,
                     digest_header_name, digest);
}

} // namespace

std::shared_ptr<const Resource> make_resource(std::string body, std::string content_type) {
  auto resource = std::make_shared<Resource>();
  resource->digest = repr_digest(body);
  resource->header_lines[static_cast<int>(ContentTypeMode::native)] =
      header_block(content_type, body.size(), resource->digest);
  resource->header_lines[static_cast<int>(ContentTypeMode::original)] =
      header_block(original_content_type, body.size(), resource->digest);
  resource->body = std::move(body);
  resource->content_type = std::move(content_type);
  return resource;
}

std::string generate_payload(std::uint64_t length) {
  std::string out;
  out.resize(length);
  // splitmix64 (Steele, Lea and Flood 2014): one add and a few multiplies per 8 bytes.
  std::uint64_t state = 0x6863626568636265ULL ^ (length * 0x9E3779B97F4A7C15ULL);
  std::size_t i = 0;
  while (i < length) {
    state += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    for (int b = 0; b < 8 && i < length; ++b, ++i) {
      out[i] = static_cast<char>((z >> (8 * b)) & 0xff);
    }
  }
  return out;
}

PayloadCache::PayloadCache(std::uint64_t capacity_bytes) : capacity_(capacity_bytes) {
  counters_.capacity = capacity_bytes;
}

std::shared_ptr<const Resource> PayloadCache::get(std::uint64_t length) {
  {
    std::lock_guard lock(mutex_);
    if (auto found = index_.find(length); found != index_.end()) {
      lru_.splice(lru_.begin(), lru_, found->second);
      ++counters_.hits;
      return found->second->second;
    }
    ++counters_.misses;
  }
  // Generate outside the lock: other threads keep serving cached payloads meanwhile.
  // Two threads missing the same length both generate it; the first one in is kept.
  auto resource = make_resource(generate_payload(length), "application/octet-stream");
  if (length > capacity_) return resource;

  std::lock_guard lock(mutex_);
  if (auto found = index_.find(length); found != index_.end()) return found->second->second;
  while (bytes_ + length > capacity_ && !lru_.empty()) {
    bytes_ -= lru_.back().first;
    index_.erase(lru_.back().first);
    lru_.pop_back();
    ++counters_.evictions;
  }
  lru_.emplace_front(length, resource);
  index_.emplace(length, lru_.begin());
  bytes_ += length;
  return resource;
}

PayloadCacheStats PayloadCache::stats() const {
  std::lock_guard lock(mutex_);
  PayloadCacheStats out = counters_;
  out.entries = index_.size();
  out.bytes = bytes_;
  return out;
}

} // namespace hcbench
