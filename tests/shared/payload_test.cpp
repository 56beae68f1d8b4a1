#include "hcbench/shared/digest.h"
#include "hcbench/shared/payload.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace hcbench {
namespace {

constexpr const char* expected_length16_hex = "9c758ce0995d0181acb2f0f3ac77c3f9";

std::string fmt_hex(unsigned char c) {
  static constexpr char digits[] = "0123456789abcdef";
  return {digits[c >> 4], digits[c & 15]};
}

TEST(Payload, DeterministicAndExactLength) {
  for (std::uint64_t n : {0, 1, 7, 8, 9, 1024, 131072}) {
    const std::string a = generate_payload(n);
    EXPECT_EQ(a.size(), n);
    EXPECT_EQ(a, generate_payload(n));
  }
}

TEST(Payload, KnownBytesPinTheAlgorithm) {
  // Clients in other languages regenerate these bytes (docs/endpoints.md): the first
  // bytes of /length/16 must never change.
  const std::string bytes = generate_payload(16);
  std::string hex;
  for (unsigned char c : bytes) hex += fmt_hex(c);
  EXPECT_EQ(repr_digest(bytes), make_resource(bytes, "x")->digest);
  EXPECT_EQ(hex.size(), 32u);
  EXPECT_EQ(hex, expected_length16_hex);
}

TEST(Payload, DifferentLengthsDifferentBytes) {
  EXPECT_NE(generate_payload(64).substr(0, 16), generate_payload(65).substr(0, 16));
}

TEST(Payload, LooksRandom) {
  const std::string bytes = generate_payload(1 << 16);
  std::vector<int> counts(256);
  for (unsigned char c : bytes) ++counts[c];
  for (int count : counts) {
    EXPECT_GT(count, 256 - 80);
    EXPECT_LT(count, 256 + 80);
  }
}

TEST(PayloadCache, HitsAfterFirstUse) {
  PayloadCache cache(1 << 20);
  const auto a = cache.get(1000);
  const auto b = cache.get(1000);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(a->body, generate_payload(1000));
  EXPECT_EQ(a->digest, repr_digest(a->body));
  const auto stats = cache.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.bytes, 1000u);
}

TEST(PayloadCache, StaysWithinCapacityLeastRecentlyUsedFirst) {
  PayloadCache cache(3000);
  cache.get(1000);
  cache.get(1001);
  cache.get(1000); // 1000 is now the most recent
  cache.get(1002); // evicts 1001
  auto stats = cache.stats();
  EXPECT_LE(stats.bytes, 3000u);
  EXPECT_EQ(stats.evictions, 1u);
  cache.get(1000);
  EXPECT_EQ(cache.stats().hits, 2u);
  cache.get(1001);
  EXPECT_EQ(cache.stats().misses, 4u);
  EXPECT_LE(cache.stats().bytes, 3000u);
}

TEST(PayloadCache, OversizedPayloadIsServedNotKept) {
  PayloadCache cache(100);
  const auto big = cache.get(1000);
  EXPECT_EQ(big->body.size(), 1000u);
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST(PayloadCache, EvictedPayloadStaysValidWhileHeld) {
  PayloadCache cache(1000);
  const auto held = cache.get(1000);
  cache.get(999);
  EXPECT_EQ(held->body, generate_payload(1000));
}

TEST(PayloadCache, ThreadsGetIdenticalBytes) {
  PayloadCache cache(1 << 20);
  std::vector<std::string> digests(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 50; ++j) digests[i] = cache.get(4096 + j % 5)->digest;
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& d : digests) EXPECT_EQ(d, digests[0]);
  EXPECT_LE(cache.stats().bytes, 1u << 20);
}

} // namespace
} // namespace hcbench
