#include "hcbench/client/verify_mode.h"

#include <gtest/gtest.h>

namespace hcbench {
namespace {

TEST(VerifyMode, EveryModeHasOneNameThatParsesBack) {
  for (const VerifyMode mode : {VerifyMode::none, VerifyMode::length, VerifyMode::digest}) {
    EXPECT_EQ(parse_verify_mode(verify_mode_name(mode)), mode) << verify_mode_name(mode);
  }
  EXPECT_EQ(verify_mode_name(VerifyMode::digest), "digest");
  EXPECT_EQ(parse_verify_mode("none"), VerifyMode::none);
}

TEST(VerifyMode, OtherNamesAreNotModes) {
  for (const char* text : {"", "sha", "Digest", "length ", "all"}) {
    EXPECT_FALSE(parse_verify_mode(text)) << text;
  }
}

} // namespace
} // namespace hcbench
