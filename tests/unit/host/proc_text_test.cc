#include "agent/host/proc_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace hostlens::host {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(SplitLinesTest, KeepsLastLineWithoutNewline) {
  EXPECT_THAT(SplitLines("a\nb c\n\nd"), ElementsAre("a", "b c", "", "d"));
}

TEST(SplitLinesTest, TrailingNewlineAddsNoEmptyLine) {
  EXPECT_THAT(SplitLines("a\n"), ElementsAre("a"));
  EXPECT_THAT(SplitLines(""), IsEmpty());
}

TEST(SplitFieldsTest, SplitsOnRunsOfSpacesTabsAndNewlines) {
  EXPECT_THAT(SplitFields("  MemTotal:\t 24684096 kB\n"),
              ElementsAre("MemTotal:", "24684096", "kB"));
  EXPECT_THAT(SplitFields(" \t\n"), IsEmpty());
}

TEST(ParseIntegerTest, AcceptsWholeDecimalAndHexNumbers) {
  EXPECT_EQ(ParseInteger<uint64_t>("18446744073709551615"), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(ParseInteger<int>("-1"), -1);
  EXPECT_EQ(ParseInteger<uint16_t>("1F40", 16), 8000);
  EXPECT_EQ(ParseInteger<uint8_t>("0A", 16), 10);
}

TEST(ParseIntegerTest, RejectsPartialEmptySignedAndOutOfRange) {
  EXPECT_EQ(ParseInteger<uint64_t>(""), std::nullopt);
  EXPECT_EQ(ParseInteger<uint64_t>("12x"), std::nullopt);
  EXPECT_EQ(ParseInteger<uint64_t>(" 12"), std::nullopt);
  EXPECT_EQ(ParseInteger<uint64_t>("+12"), std::nullopt);
  EXPECT_EQ(ParseInteger<uint64_t>("-1"), std::nullopt);
  EXPECT_EQ(ParseInteger<uint64_t>("18446744073709551616"), std::nullopt);
  EXPECT_EQ(ParseInteger<uint16_t>("10000", 16), std::nullopt);
}

TEST(ParseFiniteDoubleTest, AcceptsDecimalNumbers) {
  EXPECT_EQ(ParseFiniteDouble("0.05"), 0.05);
  EXPECT_EQ(ParseFiniteDouble("12"), 12.0);
}

TEST(ParseFiniteDoubleTest, RejectsNonFiniteAndPartialNumbers) {
  EXPECT_EQ(ParseFiniteDouble(""), std::nullopt);
  EXPECT_EQ(ParseFiniteDouble("nan"), std::nullopt);
  EXPECT_EQ(ParseFiniteDouble("inf"), std::nullopt);
  EXPECT_EQ(ParseFiniteDouble("1e999"), std::nullopt);
  EXPECT_EQ(ParseFiniteDouble("0.05/"), std::nullopt);
}

}  // namespace
}  // namespace hostlens::host
