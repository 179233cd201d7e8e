#include "agent/protocols/http1/chunked.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>

namespace hostlens::protocols::http1 {
namespace {

// Feeds `text` in pieces of `piece` bytes; returns the final status and total bytes consumed.
ChunkedDecoder::Status FeedInPieces(std::string_view text, size_t piece, size_t* consumed) {
  ChunkedDecoder decoder;
  *consumed = 0;
  ChunkedDecoder::Status status = ChunkedDecoder::Status::kMore;
  while (*consumed < text.size()) {
    size_t used = 0;
    status = decoder.Feed(text.substr(*consumed, piece), &used);
    *consumed += used;
    if (status != ChunkedDecoder::Status::kMore) break;
  }
  return status;
}

struct BodyCase {
  std::string name;
  std::string body;  // a complete chunked body, followed in the test by "NEXT"
  friend void PrintTo(const BodyCase& c, std::ostream* os) { *os << c.name; }
};

class ChunkedBodyTest : public ::testing::TestWithParam<BodyCase> {};

TEST_P(ChunkedBodyTest, EndsExactlyAtTheLastByteWhateverThePieceSize) {
  std::string text = GetParam().body + "NEXT";
  for (size_t piece : {1, 2, 3, 7, 1000}) {
    size_t consumed = 0;
    EXPECT_EQ(FeedInPieces(text, piece, &consumed), ChunkedDecoder::Status::kDone) << piece;
    EXPECT_EQ(consumed, GetParam().body.size()) << piece;
  }
}

TEST_P(ChunkedBodyTest, NoProperPrefixIsDone) {
  const std::string& body = GetParam().body;
  for (size_t n = 0; n < body.size(); ++n) {
    ChunkedDecoder decoder;
    size_t used = 0;
    EXPECT_EQ(decoder.Feed(std::string_view(body).substr(0, n), &used),
              ChunkedDecoder::Status::kMore)
        << n;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ChunkedBodyTest,
    ::testing::Values(BodyCase{"Empty", "0\r\n\r\n"},
                      BodyCase{"TwoChunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"},
                      BodyCase{"UppercaseHexAndLeadingZeros", "00A\r\n0123456789\r\n000\r\n\r\n"},
                      BodyCase{"Extensions", "5;name=\"v\"\r\nhello\r\n0;last\r\n\r\n"},
                      BodyCase{"Trailers", "3\r\nabc\r\n0\r\nExpires: never\r\nX-A: b\r\n\r\n"},
                      BodyCase{"BareLineFeeds", "3\nabc\n0\n\n"},
                      BodyCase{"DataLooksLikeFraming", "7\r\n0\r\n\r\n\r\n\r\n0\r\n\r\n"}),
    [](const ::testing::TestParamInfo<BodyCase>& info) { return info.param.name; });

TEST(ChunkedDecoderTest, RejectsBadSizeLineAndStopsBeforeTheOffendingByte) {
  ChunkedDecoder decoder;
  size_t used = 0;
  EXPECT_EQ(decoder.Feed("5\r\nhelloHTTP/1.1 200 OK\r\n", &used), ChunkedDecoder::Status::kInvalid);
  EXPECT_EQ(used, 8u);  // "5\r\nhello" read, 'H' is not the CRLF after the data
}

TEST(ChunkedDecoderTest, RejectsOversizedChunkSize) {
  ChunkedDecoder decoder;
  size_t used = 0;
  EXPECT_EQ(decoder.Feed("10000000000000000\r\n", &used), ChunkedDecoder::Status::kInvalid);
}

TEST(ChunkedDecoderTest, SkipsUncapturedChunkDataAndItsCrlf) {
  ChunkedDecoder decoder;
  size_t used = 0;
  ASSERT_EQ(decoder.Feed("400\r\nabc", &used), ChunkedDecoder::Status::kMore);
  EXPECT_TRUE(decoder.Skip(0x400 - 3 + 2));  // rest of the data and its CRLF
  EXPECT_EQ(decoder.Feed("0\r\n\r\n", &used), ChunkedDecoder::Status::kDone);
}

TEST(ChunkedDecoderTest, LosesFramingWhenAGapHidesASizeLine) {
  ChunkedDecoder decoder;
  size_t used = 0;
  ASSERT_EQ(decoder.Feed("4\r\nabcd\r\n", &used), ChunkedDecoder::Status::kMore);
  EXPECT_FALSE(decoder.Skip(3));
}

struct EndCase {
  std::string name;
  std::string end_bytes;
  bool at_line_start;
  bool ends;
  friend void PrintTo(const EndCase& c, std::ostream* os) { *os << c.name; }
};

class EndsChunkedBodyTest : public ::testing::TestWithParam<EndCase> {};

TEST_P(EndsChunkedBodyTest, Recognises) {
  EXPECT_EQ(EndsChunkedBody(GetParam().end_bytes, GetParam().at_line_start), GetParam().ends);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, EndsChunkedBodyTest,
    ::testing::Values(EndCase{"TypicalTail", "ta more data\r\n0\r\n\r\n", false, true},
                      EndCase{"LastChunkAlone", "0\r\n\r\n", true, true},
                      EndCase{"LastChunkAloneMidLine", "0\r\n\r\n", false, false},
                      EndCase{"Trailer", "\r\n0\r\nX-Checksum: 1\r\n\r\n", false, true},
                      EndCase{"Extension", "x\r\n0;done\r\n\r\n", false, true},
                      EndCase{"SizeTen", "x\r\n10\r\n\r\n", false, false},
                      EndCase{"NoBlankLine", "x\r\n0\r\n", false, false},
                      EndCase{"HtmlBlankLine", "</p>\r\n\r\n", false, false},
                      EndCase{"Empty", "", true, false}),
    [](const ::testing::TestParamInfo<EndCase>& info) { return info.param.name; });

}  // namespace
}  // namespace hostlens::protocols::http1
