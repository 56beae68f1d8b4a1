// Where hcbench finds the programs meson builds beside it (the compiled Go and Rust drivers).
#include "hcbench/shared/data_dir.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace hcbench {
namespace {

TEST(BuiltFile, FindsAProgramOfTheBuildTreeThisBinaryWasBuiltIn) {
  // The tests run from the build tree that also holds the hcbench binary.
  const auto found = built_file("hcbench");
  EXPECT_TRUE(std::filesystem::exists(found)) << found;
  EXPECT_EQ(found.filename(), "hcbench");
}

TEST(BuiltFile, AProgramThatWasNotBuiltIsNamedWhereTheBuildWouldPutIt) {
  const auto missing = built_file("drivers/none/no-such-driver");
  EXPECT_FALSE(std::filesystem::exists(missing));
  EXPECT_EQ(missing.parent_path().parent_path().parent_path(), built_file("hcbench").parent_path());
}

} // namespace
} // namespace hcbench
