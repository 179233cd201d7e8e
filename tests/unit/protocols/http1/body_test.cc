#include "agent/protocols/http1/body.h"

#include <gtest/gtest.h>

#include <optional>
#include <ostream>
#include <string>

namespace hostlens::protocols::http1 {
namespace {

struct ResponseFramingCase {
  std::string name;
  int status;
  std::string request_method;  // "" when the request is unknown
  std::optional<uint64_t> content_length;
  bool chunked;
  bool other_coding;
  bool truncated;
  BodyKind expected;
  friend void PrintTo(const ResponseFramingCase& c, std::ostream* os) { *os << c.name; }
};

class ResponseBodyFramingTest : public ::testing::TestWithParam<ResponseFramingCase> {};

TEST_P(ResponseBodyFramingTest, Decides) {
  const ResponseFramingCase& c = GetParam();
  ResponseHead head;
  head.status = c.status;
  head.truncated = c.truncated;
  head.headers.content_length = c.content_length;
  head.headers.transfer_encoding = c.chunked || c.other_coding;
  head.headers.chunked = c.chunked;
  BodyFraming framing = ResponseBodyFraming(head, c.request_method);
  EXPECT_EQ(framing.kind, c.expected);
  if (c.expected == BodyKind::kLength) {
    EXPECT_EQ(framing.length, *c.content_length);
  }
}

// RFC 9112 section 6.3, in its order.
INSTANTIATE_TEST_SUITE_P(
    Rfc9112, ResponseBodyFramingTest,
    ::testing::Values(
        ResponseFramingCase{"HeadIgnoresLength", 200, "HEAD", 1000, false, false, false,
                            BodyKind::kNone},
        ResponseFramingCase{
            "HeadIgnoresChunked", 200, "HEAD", {}, true, false, false, BodyKind::kNone},
        ResponseFramingCase{
            "ContinueHasNoBody", 100, "POST", {}, false, false, false, BodyKind::kNone},
        ResponseFramingCase{
            "EarlyHintsHasNoBody", 103, "GET", {}, false, false, false, BodyKind::kNone},
        ResponseFramingCase{
            "SwitchingProtocolsTunnels", 101, "GET", {}, false, false, false, BodyKind::kTunnel},
        ResponseFramingCase{"NoContentIgnoresLength", 204, "GET", 10, false, false, false,
                            BodyKind::kNone},
        ResponseFramingCase{"NotModifiedIgnoresLength", 304, "GET", 10, false, false, false,
                            BodyKind::kNone},
        ResponseFramingCase{
            "ConnectSuccessTunnels", 200, "CONNECT", {}, false, false, false, BodyKind::kTunnel},
        ResponseFramingCase{"ConnectRefusalHasABody", 407, "CONNECT", 5, false, false, false,
                            BodyKind::kLength},
        ResponseFramingCase{"ChunkedWinsOverLength", 200, "GET", 10, true, false, false,
                            BodyKind::kChunked},
        ResponseFramingCase{"OtherCodingEndsAtClose", 200, "GET", 10, false, true, false,
                            BodyKind::kUntilClose},
        ResponseFramingCase{"Length", 200, "GET", 10, false, false, false, BodyKind::kLength},
        ResponseFramingCase{"ZeroLength", 404, "GET", 0, false, false, false, BodyKind::kLength},
        ResponseFramingCase{
            "NothingEndsAtClose", 200, "GET", {}, false, false, false, BodyKind::kUntilClose},
        ResponseFramingCase{"UnknownRequestAssumesGet", 200, "", 10, false, false, false,
                            BodyKind::kLength},
        ResponseFramingCase{"TruncatedWithoutFieldsEndsAtNextMessage",
                            200,
                            "GET",
                            {},
                            false,
                            false,
                            true,
                            BodyKind::kUntilNextMessage},
        ResponseFramingCase{"TruncatedWithLength", 200, "GET", 7, false, false, true,
                            BodyKind::kLength}),
    [](const ::testing::TestParamInfo<ResponseFramingCase>& info) { return info.param.name; });

TEST(RequestBodyFramingTest, RequestsWithoutFieldsHaveNoBody) {
  RequestHead head;
  EXPECT_EQ(RequestBodyFraming(head).kind, BodyKind::kNone);
  head.headers.content_length = 12;
  EXPECT_EQ(RequestBodyFraming(head).kind, BodyKind::kLength);
  EXPECT_EQ(RequestBodyFraming(head).length, 12u);
  head.headers.transfer_encoding = head.headers.chunked = true;
  EXPECT_EQ(RequestBodyFraming(head).kind, BodyKind::kChunked);
}

TEST(RequestBodyFramingTest, TruncatedWithoutFieldsEndsAtTheNextRequest) {
  RequestHead head;
  head.truncated = true;
  EXPECT_EQ(RequestBodyFraming(head).kind, BodyKind::kUntilNextMessage);
}

}  // namespace
}  // namespace hostlens::protocols::http1
