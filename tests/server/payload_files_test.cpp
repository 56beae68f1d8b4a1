// PayloadFiles: large bodies as sealed memory files for sendfile().
#include "hcbench/server/payload_files.h"
#include "hcbench/shared/endpoints.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <string>

namespace hcbench {
namespace {

TEST(PayloadFiles, LargeBodiesGetASealedFileWithTheSameBytes) {
  PayloadFiles files;
  EXPECT_EQ(files.file_for(ping_resource()), -1); // small: written from memory
  auto big = make_resource(generate_payload(PayloadFiles::min_body_bytes + 5), "x");
  const int fd = files.file_for(big);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(files.file_for(big), fd); // made once
  std::string read_back(big->body.size(), '\0');
  ASSERT_EQ(::pread(fd, read_back.data(), read_back.size(), 0),
            static_cast<ssize_t>(read_back.size()));
  EXPECT_EQ(read_back, big->body);
  EXPECT_LT(::pwrite(fd, "x", 1, 0), 0); // sealed against writes
  big.reset();
  files.forget_released();
  EXPECT_LT(::fcntl(fd, F_GETFD), 0); // closed once the payload is gone
}

} // namespace
} // namespace hcbench
