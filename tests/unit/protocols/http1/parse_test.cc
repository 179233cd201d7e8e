#include "agent/protocols/http1/parse.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>

#include "tests/unit/protocols/segments.h"

namespace hostlens::protocols::http1 {
namespace {

using test_util::Bytes;
using test_util::ExactBuffer;

constexpr std::string_view kGet =
    "GET /api/users/42?page=2 HTTP/1.1\r\n"
    "Host: example.com\r\n"
    "User-Agent: curl/7.88.1\r\n"
    "Accept: */*\r\n"
    "\r\n";

constexpr std::string_view kOk =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/plain\r\n"
    "Content-Length: 5\r\n"
    "\r\n";

TEST(ParseRequestHeadTest, ReadsRequestLineAndConsumesTheHeadOnly) {
  std::string input = std::string(kGet) + "next";
  std::string_view buf = input;
  RequestHead head;
  ASSERT_EQ(ParseRequestHead(&buf, &head), ParseState::kSuccess);
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.target, "/api/users/42?page=2");
  EXPECT_EQ(head.minor_version, 1);
  EXPECT_FALSE(head.truncated);
  EXPECT_FALSE(head.headers.content_length.has_value());
  EXPECT_EQ(buf, "next");
}

TEST(ParseResponseHeadTest, ReadsStatusAndFraming) {
  std::string input = std::string(kOk) + "hello";
  std::string_view buf = input;
  ResponseHead head;
  ASSERT_EQ(ParseResponseHead(&buf, &head), ParseState::kSuccess);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.minor_version, 1);
  ASSERT_TRUE(head.headers.content_length.has_value());
  EXPECT_EQ(*head.headers.content_length, 5u);
  EXPECT_EQ(buf, "hello");
}

// The contract: every proper prefix needs more data and leaves the buffer untouched.
TEST(ParseRequestHeadTest, EveryPrefixNeedsMoreDataAndConsumesNothing) {
  for (size_t n = 0; n < kGet.size(); ++n) {
    ExactBuffer prefix(kGet.substr(0, n));
    std::string_view buf = prefix.view();
    RequestHead head;
    ASSERT_EQ(ParseRequestHead(&buf, &head), ParseState::kNeedsMoreData) << "prefix " << n;
    EXPECT_EQ(buf.size(), n);
  }
}

TEST(ParseResponseHeadTest, EveryPrefixNeedsMoreDataAndConsumesNothing) {
  for (size_t n = 0; n < kOk.size(); ++n) {
    ExactBuffer prefix(kOk.substr(0, n));
    std::string_view buf = prefix.view();
    ResponseHead head;
    ASSERT_EQ(ParseResponseHead(&buf, &head), ParseState::kNeedsMoreData) << "prefix " << n;
    EXPECT_EQ(buf.size(), n);
  }
}

struct HeadCase {
  std::string name;
  std::string text;
  ParseState expected;
  friend void PrintTo(const HeadCase& c, std::ostream* os) { *os << c.name; }
};

std::string CaseName(const ::testing::TestParamInfo<HeadCase>& info) { return info.param.name; }

class RequestHeadCaseTest : public ::testing::TestWithParam<HeadCase> {};

TEST_P(RequestHeadCaseTest, Parses) {
  std::string_view buf = GetParam().text;
  RequestHead head;
  ParseState state = ParseRequestHead(&buf, &head);
  EXPECT_EQ(state, GetParam().expected);
  if (state != ParseState::kSuccess) {
    EXPECT_EQ(buf.size(), GetParam().text.size());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RequestHeadCaseTest,
    ::testing::Values(
        HeadCase{"BareLineFeeds", "GET / HTTP/1.1\nHost: a\n\n", ParseState::kSuccess},
        HeadCase{"Http10", "GET / HTTP/1.0\r\n\r\n", ParseState::kSuccess},
        HeadCase{"AsteriskForm", "OPTIONS * HTTP/1.1\r\n\r\n", ParseState::kSuccess},
        HeadCase{"AbsoluteForm", "GET http://a/b HTTP/1.1\r\n\r\n", ParseState::kSuccess},
        HeadCase{"AuthorityForm", "CONNECT a:443 HTTP/1.1\r\n\r\n", ParseState::kSuccess},
        HeadCase{"UnknownMethod", "PURGE /x HTTP/1.1\r\n\r\n", ParseState::kSuccess},
        HeadCase{"DashedMethod", "M-SEARCH * HTTP/1.1\r\n\r\n", ParseState::kSuccess},
        HeadCase{"ObsFoldAfterAField", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n",
                 ParseState::kSuccess},
        HeadCase{"RepeatedEqualLengths", "POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\n",
                 ParseState::kSuccess},
        HeadCase{"LowercaseMethod", "get / HTTP/1.1\r\n\r\n", ParseState::kInvalid},
        HeadCase{"Http2Preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", ParseState::kInvalid},
        HeadCase{"TwoSpaces", "GET  / HTTP/1.1\r\n\r\n", ParseState::kInvalid},
        HeadCase{"NoVersion", "GET /\r\n\r\n", ParseState::kInvalid},
        HeadCase{"RedisInline", "GET key\r\n", ParseState::kInvalid},
        HeadCase{"TlsClientHello", Bytes("\x16\x03\x01\x02\x00\x01"), ParseState::kInvalid},
        HeadCase{"FieldWithoutColon", "GET / HTTP/1.1\r\nHost\r\n\r\n", ParseState::kInvalid},
        HeadCase{"SpaceBeforeColon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", ParseState::kInvalid},
        HeadCase{"NulInValue", Bytes("GET / HTTP/1.1\r\nA: \0\r\n\r\n"), ParseState::kInvalid},
        HeadCase{"FoldRightAfterStartLine", "GET / HTTP/1.1\r\n x\r\n\r\n", ParseState::kInvalid},
        HeadCase{"ConflictingLengths",
                 "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
                 ParseState::kInvalid},
        HeadCase{"NegativeLength", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
                 ParseState::kInvalid},
        HeadCase{"HugeLength", "POST / HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n\r\n",
                 ParseState::kInvalid},
        HeadCase{"RequestWithGzipOnlyCoding", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
                 ParseState::kInvalid},
        HeadCase{"GarbageFailsBeforeTheBlockEnds", "GET / HTTP/1.1\r\n\x01\x02",
                 ParseState::kInvalid},
        HeadCase{"CutFieldLineNeedsMore", "GET / HTTP/1.1\r\nHost: exa",
                 ParseState::kNeedsMoreData}),
    CaseName);

class ResponseHeadCaseTest : public ::testing::TestWithParam<HeadCase> {};

TEST_P(ResponseHeadCaseTest, Parses) {
  std::string_view buf = GetParam().text;
  ResponseHead head;
  ParseState state = ParseResponseHead(&buf, &head);
  EXPECT_EQ(state, GetParam().expected);
  if (state != ParseState::kSuccess) {
    EXPECT_EQ(buf.size(), GetParam().text.size());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ResponseHeadCaseTest,
    ::testing::Values(HeadCase{"NoReasonPhrase", "HTTP/1.1 204\r\n\r\n", ParseState::kSuccess},
                      HeadCase{"EmptyReasonPhrase", "HTTP/1.1 204 \r\n\r\n", ParseState::kSuccess},
                      HeadCase{"Http10", "HTTP/1.0 200 OK\r\n\r\n", ParseState::kSuccess},
                      HeadCase{"ResponseMayUseOtherCodings",
                               "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
                               ParseState::kSuccess},
                      HeadCase{"TwoDigitStatus", "HTTP/1.1 20 OK\r\n\r\n", ParseState::kInvalid},
                      HeadCase{"FourDigitStatus", "HTTP/1.1 2000 OK\r\n\r\n", ParseState::kInvalid},
                      HeadCase{"StatusZero", "HTTP/1.1 000 OK\r\n\r\n", ParseState::kInvalid},
                      HeadCase{"Http2", "HTTP/2 200\r\n\r\n", ParseState::kInvalid},
                      HeadCase{"Lowercase", "http/1.1 200 OK\r\n\r\n", ParseState::kInvalid}),
    CaseName);

TEST(ParseRequestHeadTest, CollectsFramingFacts) {
  std::string_view buf =
      "POST /upload HTTP/1.1\r\n"
      "transfer-encoding: gzip, chunked\r\n"
      "Connection: keep-alive, Upgrade\r\n"
      "Upgrade: WebSocket/13\r\n"
      "Expect: 100-Continue\r\n"
      "\r\n";
  RequestHead head;
  ASSERT_EQ(ParseRequestHead(&buf, &head), ParseState::kSuccess);
  EXPECT_TRUE(head.headers.transfer_encoding);
  EXPECT_TRUE(head.headers.chunked);
  EXPECT_TRUE(head.headers.upgrade);
  EXPECT_TRUE(head.headers.upgrade_websocket);
  EXPECT_TRUE(head.headers.expect_continue);
  EXPECT_FALSE(head.headers.connection_close);
}

// The Host field names the server a client called (http_client_* server_address).
struct HostCase {
  const char* name;
  const char* field;
  const char* host;
};

class HostFieldTest : public ::testing::TestWithParam<HostCase> {};

TEST_P(HostFieldTest, KeepsOnlyAHostAndPort) {
  const std::string text =
      std::string("GET / HTTP/1.1\r\nHost:") + GetParam().field + "\r\n\r\n";
  std::string_view buf = text;
  RequestHead head;
  ASSERT_EQ(ParseRequestHead(&buf, &head), ParseState::kSuccess);
  EXPECT_EQ(head.headers.host, GetParam().host);
}

INSTANTIATE_TEST_SUITE_P(
    Hosts, HostFieldTest,
    ::testing::Values(HostCase{"Name", " api.payments.example", "api.payments.example"},
                      HostCase{"NameAndPort", " API.Example:8443 ", "api.example:8443"},
                      HostCase{"Ipv4", "10.0.0.7:80", "10.0.0.7:80"},
                      HostCase{"Ipv6", " [::1]:8080", "[::1]:8080"},
                      HostCase{"Ipv6NoPort", " [FE80::1]", "[fe80::1]"},
                      HostCase{"Empty", " ", ""},
                      HostCase{"Userinfo", " user@example.com", ""},
                      HostCase{"Path", " example.com/x", ""},
                      HostCase{"EmptyPort", " example.com:", ""},
                      HostCase{"PortTooLong", " example.com:123456", ""},
                      HostCase{"LettersInPort", " example.com:8o", ""},
                      HostCase{"PortOnly", " :80", ""},
                      HostCase{"UnclosedLiteral", " [::1", ""},
                      HostCase{"QueryLike", " example.com?secret=1", ""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(HostFieldTest, LongerThanAnyHostNameIsDropped) {
  const std::string text =
      "GET / HTTP/1.1\r\nHost: " + std::string(256, 'a') + "\r\n\r\n";
  std::string_view buf = text;
  RequestHead head;
  ASSERT_EQ(ParseRequestHead(&buf, &head), ParseState::kSuccess);
  EXPECT_EQ(head.headers.host, "");
}

TEST(ParseResponseHeadTest, ChunkedMustBeTheFinalCoding) {
  std::string_view buf =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n";
  ResponseHead head;
  ASSERT_EQ(ParseResponseHead(&buf, &head), ParseState::kSuccess);
  EXPECT_TRUE(head.headers.transfer_encoding);
  EXPECT_FALSE(head.headers.chunked);
}

TEST(ParseTruncatedRequestHeadTest, IgnoresTheCutLastLine) {
  RequestHead head;
  ASSERT_TRUE(
      ParseTruncatedRequestHead("POST /x HTTP/1.1\r\nContent-Length: 12\r\nTransfer-Enc", &head));
  EXPECT_TRUE(head.truncated);
  EXPECT_EQ(head.method, "POST");
  ASSERT_TRUE(head.headers.content_length.has_value());
  EXPECT_EQ(*head.headers.content_length, 12u);
  EXPECT_FALSE(head.headers.transfer_encoding);

  // "Content-Length: 1" might be 1, 12 or 123: not taken.
  ASSERT_TRUE(ParseTruncatedRequestHead("POST /x HTTP/1.1\r\nContent-Length: 1", &head));
  EXPECT_FALSE(head.headers.content_length.has_value());
}

TEST(ParseTruncatedRequestHeadTest, AcceptsARequestLineCutInsideTheTarget) {
  RequestHead head;
  ASSERT_TRUE(ParseTruncatedRequestHead("GET /search?q=aaaaaaaa", &head));
  EXPECT_EQ(head.method, "GET");
  EXPECT_EQ(head.target, "/search?q=aaaaaaaa");
  EXPECT_TRUE(head.truncated);
  ASSERT_TRUE(ParseTruncatedRequestHead("GET /search HTTP/1.", &head));
  EXPECT_EQ(head.target, "/search");
  EXPECT_FALSE(ParseTruncatedRequestHead("GET", &head));
  EXPECT_FALSE(ParseTruncatedRequestHead("GET ", &head));
  EXPECT_FALSE(ParseTruncatedRequestHead("GET key", &head));  // Redis, not a cut target
  EXPECT_FALSE(ParseTruncatedRequestHead("", &head));
}

TEST(ParseTruncatedResponseHeadTest, NeedsTheStatusCode) {
  ResponseHead head;
  ASSERT_TRUE(ParseTruncatedResponseHead("HTTP/1.1 404", &head));
  EXPECT_EQ(head.status, 404);
  EXPECT_TRUE(head.truncated);
  ASSERT_TRUE(ParseTruncatedResponseHead("HTTP/1.1 200 OK\r\nContent-Length: 99\r\nX-", &head));
  ASSERT_TRUE(head.headers.content_length.has_value());
  EXPECT_EQ(*head.headers.content_length, 99u);
  EXPECT_FALSE(ParseTruncatedResponseHead("HTTP/1.1 20", &head));
  EXPECT_FALSE(ParseTruncatedResponseHead("HTTP/1.1 200 OK\r\nbad line\r\n", &head));
}

TEST(ParseBareCrEndedRequestHeadTest, EndsTheBlockAtTheCrAndKeepsTheFraming) {
  constexpr std::string_view kBad = "PUT /url HTTP/1.1\r\nContent-Length: 3\r\n\rabc";
  std::string_view strict = kBad;
  RequestHead head;
  EXPECT_EQ(ParseRequestHead(&strict, &head), ParseState::kInvalid);
  std::string_view buf = kBad;
  ASSERT_EQ(ParseBareCrEndedRequestHead(&buf, &head), ParseState::kSuccess);
  EXPECT_EQ(buf, "abc");
  EXPECT_EQ(head.method, "PUT");
  ASSERT_TRUE(head.headers.content_length.has_value());
  EXPECT_EQ(*head.headers.content_length, 3u);

  std::string_view no_fields = "GET / HTTP/1.1\r\n\rGET /next HTTP/1.1\r\n\r\n";
  ASSERT_EQ(ParseBareCrEndedRequestHead(&no_fields, &head), ParseState::kSuccess);
  EXPECT_EQ(no_fields, "GET /next HTTP/1.1\r\n\r\n");
}

TEST(ParseBareCrEndedRequestHeadTest, OnlyAnEmptyLineEndedByABareCr) {
  struct Case {
    std::string_view text;
    ParseState expected;
  };
  for (const Case& c : {
           Case{"GET / HTTP/1.1\r\nA: b\r\n\r", ParseState::kNeedsMoreData},  // CRLF may follow
           Case{"GET / HTTP/1.1\r\nA: b\r\n\r\n", ParseState::kInvalid},      // a valid head
           Case{"GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", ParseState::kInvalid},   // bare CR in a value
           Case{"GET / HTTP/1.1\r\nA: b\r\r\n\r\n", ParseState::kInvalid},    // before the CRLF
           Case{"GET / HTTP/1.1\rX", ParseState::kInvalid},                   // ends the start line
           Case{"get / HTTP/1.1\r\n\rX", ParseState::kInvalid},               // no request line
           Case{"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\rX", ParseState::kInvalid},
       }) {
    std::string_view buf = c.text;
    RequestHead head;
    EXPECT_EQ(ParseBareCrEndedRequestHead(&buf, &head), c.expected) << c.text;
    EXPECT_EQ(buf.size(), c.text.size()) << c.text;
  }
}

TEST(ParseBareCrEndedResponseHeadTest, EndsTheBlockAtTheCr) {
  std::string_view buf = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\rok";
  ResponseHead head;
  ASSERT_EQ(ParseBareCrEndedResponseHead(&buf, &head), ParseState::kSuccess);
  EXPECT_EQ(buf, "ok");
  EXPECT_EQ(head.status, 200);
}

struct DetectCase {
  std::string name;
  std::string head;
  bool request;
  bool response;
  friend void PrintTo(const DetectCase& c, std::ostream* os) { *os << c.name; }
};

class LooksLikeTest : public ::testing::TestWithParam<DetectCase> {};

TEST_P(LooksLikeTest, Detects) {
  EXPECT_EQ(LooksLikeRequest(GetParam().head), GetParam().request);
  EXPECT_EQ(LooksLikeResponse(GetParam().head), GetParam().response);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LooksLikeTest,
    ::testing::Values(
        DetectCase{"Get", "GET / HTTP/1.1\r\nHost: a\r\n", true, false},
        DetectCase{"CutLongUrl", "GET /very/long/url?with=query&and=more", true, false},
        DetectCase{"Status", "HTTP/1.1 200 OK\r\n", false, true},
        DetectCase{"CutAfterStatus", "HTTP/1.0 503", false, true},
        DetectCase{"CutInsideStatus", "HTTP/1.0 50", false, false},
        DetectCase{"MethodOnly", "POST", false, false},
        DetectCase{"RedisInline", "GET key\r\n", false, false},
        DetectCase{"RedisResp", "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n", false, false},
        DetectCase{"PostgresStartup", Bytes("\0\0\0\x08\x04\xd2\x16\x2f"), false, false},
        DetectCase{"Http2Preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", false, false},
        DetectCase{"Empty", "", false, false}),
    [](const ::testing::TestParamInfo<DetectCase>& info) { return info.param.name; });

}  // namespace
}  // namespace hostlens::protocols::http1
