// The plain transport: bytes pass through, and large payload bodies get their file.
#include "hcbench/server/plain_transport.h"

#include <gtest/gtest.h>

#include <string>

namespace hcbench {
namespace {

TEST(PlainTransport, PassesBytesThroughAndAnswersIntoTheWireQueue) {
  PayloadFiles files;
  PlainTransport transport(files);
  const std::string bytes = "GET /ping HTTP/1.1\r\n\r\n";
  const Transport::Input input = transport.receive(bytes);
  EXPECT_EQ(input.status, IoStatus::ok);
  EXPECT_EQ(input.plaintext.data(), bytes.data()); // no copy
  EXPECT_EQ(input.plaintext.size(), bytes.size());
  OutputQueue wire;
  EXPECT_EQ(&transport.output_for(wire), &wire);
  EXPECT_FALSE(transport.establishing());
  EXPECT_EQ(transport.alpn_protocol(), "");
  EXPECT_EQ(transport.staged_bytes(), 0u);
}

TEST(PlainTransport, SendsBodiesFrom32KiBUpFromTheirFile) {
  PayloadFiles files;
  PlainTransport transport(files);
  const auto small = make_resource(std::string(PayloadFiles::min_body_bytes - 1, 's'), "x");
  const auto large = make_resource(std::string(PayloadFiles::min_body_bytes, 'l'), "x");
  OutputQueue wire;
  wire.append("head");
  wire.append_payload(small);
  EXPECT_EQ(transport.seal(wire), IoStatus::ok);
  wire.consume(4);
  EXPECT_FALSE(wire.front_file()); // below 32 KiB: from memory, with its headers
  wire.consume(small->body.size());
  wire.append_payload(large);
  EXPECT_EQ(transport.seal(wire), IoStatus::ok);
  const auto file = wire.front_file();
  ASSERT_TRUE(file);
  EXPECT_EQ(file->fd, files.file_for(large));
  EXPECT_EQ(file->size, large->body.size());
}

} // namespace
} // namespace hcbench
