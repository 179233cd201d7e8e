#pragma once

// The feeds every client-side stream's conformance cases go through: each case whole, with every
// record split in two at every offset, each byte its own syscall, and with neighbouring
// same-direction writes merged (whole and split). A protocol's test defines
//
//   void ExpectConformant(const test_util::ConformanceCase& c, Stream& stream);
//
// (what the stream must have reported once the feed is over: every expected operation, nothing
// lost, unmatched or pending), then writes HOSTLENS_CONFORMANCE_TESTS(Stream, "<folder>") in the
// same namespace (HOSTLENS_CONFORMANCE_TESTS_NAMED(Suite, Stream, "<folder>") for a second suite
// in the same test binary).

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "tests/unit/protocols/conformance.h"
#include "tests/unit/protocols/segments.h"
#include "tests/unit/protocols/sweep.h"

namespace hostlens::protocols::test_util {

// Each byte of each record its own segment.
template <typename StreamT>
void FeedByteByByte(StreamT& stream, const ConformanceCase& conformance) {
  uint64_t ts = 0;
  for (const auto& r : conformance.records) {
    for (char c : r.bytes) {
      auto segment = Whole(std::string_view(&c, 1), ts += 1000);
      stream.OnSegment(DirectionOf(r), segment.view());
    }
  }
}

// Every split of `conformance` into two segments at one offset, a fresh stream each; stops at
// the first failing split.
template <typename StreamT, typename ExpectFn>
void ExpectEverySplit(const ConformanceCase& conformance, ExpectFn expect, const char* what) {
  for (size_t split = 1; split < conformance.size(); ++split) {
    SCOPED_TRACE(std::string(what) + " split at " + std::to_string(split));
    StreamT stream;
    FeedSplit(stream, conformance, split);
    expect(conformance, stream);
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace hostlens::protocols::test_util

#define HOSTLENS_CONFORMANCE_TESTS_NAMED(Suite, StreamT, protocol)                              \
  class Suite : public ::testing::TestWithParam<std::string> {                                  \
   protected:                                                                                   \
    void SetUp() override {                                                                     \
      case_ = ::hostlens::protocols::test_util::LoadConformanceCase(protocol, GetParam());      \
      ASSERT_FALSE(case_.expected.empty());                                                     \
      merged_ = ::hostlens::protocols::test_util::MergeNeighbours(case_);                       \
    }                                                                                           \
    ::hostlens::protocols::test_util::ConformanceCase case_;                                    \
    ::hostlens::protocols::test_util::ConformanceCase merged_;                                  \
  };                                                                                            \
                                                                                                \
  TEST_P(Suite, WholeRecords) {                                                                 \
    StreamT stream;                                                                             \
    ::hostlens::protocols::test_util::FeedPrefix(stream, case_);                                \
    ExpectConformant(case_, stream);                                                            \
  }                                                                                             \
                                                                                                \
  TEST_P(Suite, EveryRecordSplitAtEveryOffset) {                                                \
    ::hostlens::protocols::test_util::ExpectEverySplit<StreamT>(case_, ExpectConformant, "");   \
  }                                                                                             \
                                                                                                \
  TEST_P(Suite, ByteByByte) {                                                                   \
    StreamT stream;                                                                             \
    ::hostlens::protocols::test_util::FeedByteByByte(stream, case_);                            \
    ExpectConformant(case_, stream);                                                            \
  }                                                                                             \
                                                                                                \
  TEST_P(Suite, NeighbouringWritesMerged) {                                                     \
    StreamT stream;                                                                             \
    ::hostlens::protocols::test_util::FeedPrefix(stream, merged_);                              \
    ExpectConformant(merged_, stream);                                                          \
    ::hostlens::protocols::test_util::ExpectEverySplit<StreamT>(merged_, ExpectConformant,      \
                                                                "merged,");                     \
  }                                                                                             \
                                                                                                \
  INSTANTIATE_TEST_SUITE_P(                                                                     \
      Cases, Suite,                                                                             \
      ::testing::ValuesIn(::hostlens::protocols::test_util::ConformanceNames(protocol)),        \
      [](const ::testing::TestParamInfo<std::string>& info) {                                   \
        return ::hostlens::protocols::test_util::ConformanceTestName(info.param);               \
      })

#define HOSTLENS_CONFORMANCE_TESTS(StreamT, protocol) \
  HOSTLENS_CONFORMANCE_TESTS_NAMED(ConformanceTest, StreamT, protocol)
