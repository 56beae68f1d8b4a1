#include "hcbench/client/unique_fd.h"

#include <gtest/gtest.h>

#include <fcntl.h>

namespace hcbench {
namespace {

bool is_open_fd(int fd) {
  return ::fcntl(fd, F_GETFD) != -1;
}

UniqueFd open_null() {
  return UniqueFd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
}

TEST(UniqueFd, ClosesWhenItGoes) {
  int fd = -1;
  {
    const UniqueFd owner = open_null();
    fd = owner.get();
    ASSERT_TRUE(owner);
    EXPECT_TRUE(is_open_fd(fd));
  }
  EXPECT_FALSE(is_open_fd(fd));
}

TEST(UniqueFd, MoveTransfersOwnership) {
  UniqueFd first = open_null();
  const int fd = first.get();
  UniqueFd second = std::move(first);
  EXPECT_FALSE(first); // NOLINT(bugprone-use-after-move): a moved-from owner is empty
  EXPECT_EQ(second.get(), fd);
  UniqueFd third = open_null();
  const int other = third.get();
  third = std::move(second);
  EXPECT_FALSE(is_open_fd(other)) << "assignment closes what it held";
  EXPECT_EQ(third.get(), fd);
  EXPECT_TRUE(is_open_fd(fd));
}

TEST(UniqueFd, ResetClosesOnce) {
  UniqueFd owner = open_null();
  const int fd = owner.get();
  owner.reset();
  EXPECT_FALSE(owner);
  EXPECT_FALSE(is_open_fd(fd));
  owner.reset(); // nothing left to close
  EXPECT_FALSE(UniqueFd());
}

} // namespace
} // namespace hcbench
