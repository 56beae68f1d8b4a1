// PayloadFiles: large bodies as read-only files for sendfile().
#include "hcbench/server/payload_files.h"
#include "hcbench/shared/endpoints.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

namespace hcbench {
namespace {

TEST(PayloadFiles, LargeBodiesGetAReadOnlyFileWithTheSameBytes) {
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
  EXPECT_LT(::pwrite(fd, "x", 1, 0), 0); // nothing can change it
  big.reset();
  files.forget_released();
  EXPECT_LT(::fcntl(fd, F_GETFD), 0); // closed once the payload is gone
}

std::string target_of(int fd) {
  char target[512] = {};
  const auto n =
      ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), target, sizeof target - 1);
  return n > 0 ? std::string(target, static_cast<std::size_t>(n)) : std::string();
}

// Sets TMPDIR for one test, and puts it back.
struct TemporaryDirectory {
  explicit TemporaryDirectory(const char* value) {
    if (const char* old = std::getenv("TMPDIR")) saved = old;
    ::setenv("TMPDIR", value, 1);
  }
  ~TemporaryDirectory() {
    if (saved)
      ::setenv("TMPDIR", saved->c_str(), 1);
    else
      ::unsetenv("TMPDIR");
  }
  std::optional<std::string> saved;
};

TEST(PayloadFiles, AnUnlinkedPageCacheFileInTheTemporaryDirectory) {
  char directory[] = "/var/tmp/hcbench-payload-test-XXXXXX";
  ASSERT_NE(::mkdtemp(directory), nullptr);
  TemporaryDirectory tmpdir(directory);
  PayloadFiles files;
  auto big = make_resource(generate_payload(PayloadFiles::min_body_bytes), "x");
  const int fd = files.file_for(big);
  ASSERT_GE(fd, 0);
  const std::string target = target_of(fd);
  EXPECT_EQ(target.rfind(directory, 0), 0u) << target;
  EXPECT_NE(target.find("(deleted)"), std::string::npos) << "no name anyone could open: " << target;
  EXPECT_EQ(::rmdir(directory), 0) << "nothing left in the directory";
}

TEST(PayloadFiles, AMemoryFileWhereNoTemporaryFileCanBeMade) {
  TemporaryDirectory tmpdir("/nonexistent-hcbench-directory");
  PayloadFiles files;
  auto big = make_resource(generate_payload(PayloadFiles::min_body_bytes), "x");
  const int fd = files.file_for(big);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(target_of(fd).rfind("/memfd:hcbench-payload", 0), 0u) << target_of(fd);
  std::string read_back(big->body.size(), '\0');
  ASSERT_EQ(::pread(fd, read_back.data(), read_back.size(), 0),
            static_cast<ssize_t>(read_back.size()));
  EXPECT_EQ(read_back, big->body);
  EXPECT_LT(::pwrite(fd, "x", 1, 0), 0); // sealed
}

} // namespace
} // namespace hcbench
