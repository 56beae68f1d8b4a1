// OutputQueue: copies and references, consumption across regions, files for payload bodies.
#include "hcbench/server/output_queue.h"
#include "hcbench/shared/endpoints.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hcbench {
namespace {

std::string drain(const OutputQueue& queue) {
  std::string out;
  queue.for_each([&](std::string_view bytes) { out += bytes; });
  return out;
}

TEST(OutputQueue, CopiesSmallReferencesLarge) {
  OutputQueue queue;
  const auto big = make_resource(std::string(10000, 'b'), "x");
  queue.append("head");
  queue.append_shared("tiny", ping_resource());
  queue.append_shared(big->body, big);
  queue.append("tail");
  std::vector<iovec> iov;
  queue.gather(iov);
  ASSERT_EQ(iov.size(), 3u);
  EXPECT_EQ(std::string_view(static_cast<char*>(iov[0].iov_base), iov[0].iov_len), "headtiny");
  EXPECT_EQ(iov[1].iov_base, big->body.data()); // no copy of the large body
  EXPECT_EQ(queue.size(), 10012u);
  queue.consume(8 + 9990);
  queue.gather(iov);
  ASSERT_EQ(iov.size(), 2u);
  EXPECT_EQ(iov[0].iov_len, 10u);
  queue.consume(14);
  EXPECT_TRUE(queue.empty());
}

TEST(OutputQueue, AdoptsLargeStringsWithoutCopyingAndCopiesSmallOnes) {
  OutputQueue queue;
  std::string large(OutputQueue::copy_threshold + 1, 'L');
  const char* bytes = large.data();
  queue.adopt(std::string("small"));
  queue.adopt(std::move(large));
  EXPECT_EQ(queue.size(), 5u + OutputQueue::copy_threshold + 1);
  std::vector<iovec> iov;
  queue.gather(iov);
  ASSERT_EQ(iov.size(), 2u);
  EXPECT_EQ(iov[1].iov_base, bytes); // the same buffer, now owned by the queue
}

TEST(OutputQueue, ConsumeAcrossRegionsKeepsTheOrder) {
  OutputQueue queue;
  const auto big = make_resource(std::string(5000, 'b'), "x");
  queue.append("abc");
  queue.append_payload(big);
  queue.append("xyz");
  const std::string all = drain(queue);
  for (std::size_t step : {1u, 2u, 3u, 1000u, 4000u}) {
    OutputQueue copy;
    copy.append("abc");
    copy.append_payload(big);
    copy.append("xyz");
    std::string seen;
    while (!copy.empty()) {
      const std::string_view front = copy.front().substr(0, step);
      seen += front;
      copy.consume(front.size());
    }
    EXPECT_EQ(seen, all) << step;
  }
  EXPECT_EQ(all, "abc" + big->body + "xyz");
}

TEST(OutputQueue, ClearKeepsNothingButCapacity) {
  OutputQueue queue;
  queue.append("abc");
  queue.append_payload(make_resource(std::string(5000, 'b'), "x"));
  queue.clear();
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(queue.front(), "");
  queue.append("again");
  EXPECT_EQ(drain(queue), "again");
}

TEST(OutputQueue, OnlyLargePayloadBodiesAreOfferedAFileOnce) {
  OutputQueue queue;
  const auto big = make_resource(std::string(10000, 'b'), "x");
  const auto other_bytes = std::make_shared<const std::string>(10000, 'o');
  queue.append("head");
  queue.append_payload(ping_resource());          // small: copied, never a file
  queue.append_shared(*other_bytes, other_bytes); // large but not a payload
  queue.append_payload(big);
  std::vector<const Resource*> offered;
  const auto give_42 = [&](const std::shared_ptr<const Resource>& resource) {
    offered.push_back(resource.get());
    return 42;
  };
  queue.attach_files(give_42);
  queue.attach_files(give_42); // nothing new since
  ASSERT_EQ(offered.size(), 1u);
  EXPECT_EQ(offered[0], big.get());
}

TEST(OutputQueue, FileRegionsAndTakeFrom) {
  OutputQueue queue;
  const auto big = make_resource(std::string(10000, 'b'), "x");
  queue.append("head");
  queue.append_payload(big);
  queue.append("tail");
  queue.attach_files([](const std::shared_ptr<const Resource>&) { return 42; });
  std::vector<iovec> iov;
  queue.gather(iov, /*stop_at_file=*/true);
  ASSERT_EQ(iov.size(), 1u); // only what comes before the body with a file
  EXPECT_FALSE(queue.front_file());
  queue.consume(4 + 100);
  const auto file = queue.front_file();
  ASSERT_TRUE(file);
  EXPECT_EQ(file->fd, 42);
  EXPECT_EQ(file->offset, 100u);
  EXPECT_EQ(file->size, 9900u);
  OutputQueue rest;
  rest.append("before");
  rest.take_from(queue);
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(rest.size(), 6u + 9900u + 4u);
  rest.consume(6);
  ASSERT_TRUE(rest.front_file());
  EXPECT_EQ(rest.front_file()->offset, 100u); // the reference and its file came along
  rest.gather(iov);
  ASSERT_EQ(iov.size(), 2u);
  EXPECT_EQ(iov[0].iov_base, big->body.data() + 100); // memory view for TLS and uv_write
}

TEST(OutputQueue, WithoutAFileAPayloadIsWrittenFromMemory) {
  OutputQueue queue;
  queue.append_payload(make_resource(std::string(10000, 'b'), "x"));
  queue.attach_files([](const std::shared_ptr<const Resource>&) { return -1; });
  EXPECT_FALSE(queue.front_file());
  std::vector<iovec> iov;
  queue.gather(iov, /*stop_at_file=*/true);
  EXPECT_EQ(iov.size(), 1u);
}

} // namespace
} // namespace hcbench
