#include "hcbench/shared/units.h"

#include <gtest/gtest.h>

#include <optional>

namespace hcbench {
namespace {

struct SizeCase {
  const char* text;
  std::optional<std::uint64_t> expected;
};

class ParseSizeTest : public testing::TestWithParam<SizeCase> {};

TEST_P(ParseSizeTest, ParsesOrRejects) {
  EXPECT_EQ(parse_size(GetParam().text), GetParam().expected) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseSizeTest,
    testing::Values(SizeCase{"0", 0}, SizeCase{"4", 4}, SizeCase{"131072", 131072},
                    SizeCase{"1k", 1024}, SizeCase{"64K", 65536}, SizeCase{"64KiB", 65536},
                    SizeCase{"1M", 1048576}, SizeCase{"1MiB", 1048576}, SizeCase{"2G", 2ull << 30},
                    SizeCase{"10B", 10}, SizeCase{"", std::nullopt}, SizeCase{"-1", std::nullopt},
                    SizeCase{"+1", std::nullopt}, SizeCase{" 1", std::nullopt},
                    SizeCase{"1 k", std::nullopt}, SizeCase{"1.5M", std::nullopt},
                    SizeCase{"1x", std::nullopt}, SizeCase{"k", std::nullopt},
                    SizeCase{"18446744073709551616", std::nullopt},
                    SizeCase{"17179869184G", std::nullopt}));

TEST(ParseDecimal, AcceptsOnlyDigits) {
  EXPECT_EQ(parse_decimal("18446744073709551615"), 18446744073709551615ull);
  EXPECT_EQ(parse_decimal("007"), 7u);
  EXPECT_EQ(parse_decimal("18446744073709551616"), std::nullopt);
  EXPECT_EQ(parse_decimal("1e3"), std::nullopt);
  EXPECT_EQ(parse_decimal(""), std::nullopt);
}

TEST(SizeList, ParsesOriginalSizes) {
  const auto sizes = parse_size_list("4,512,1k, 2k,64k,1M");
  ASSERT_TRUE(sizes);
  EXPECT_EQ(*sizes, (std::vector<std::uint64_t>{4, 512, 1024, 2048, 65536, 1048576}));
  EXPECT_FALSE(parse_size_list("4,x"));
  EXPECT_FALSE(parse_size_list(""));
}

TEST(FormatSize, ShortestExactForm) {
  EXPECT_EQ(format_size(1024), "1k");
  EXPECT_EQ(format_size(1048576), "1M");
  EXPECT_EQ(format_size(1000), "1000");
  EXPECT_EQ(format_size(1536), "1536");
  EXPECT_EQ(format_size(0), "0");
}

} // namespace
} // namespace hcbench
