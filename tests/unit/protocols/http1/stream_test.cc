#include "agent/protocols/http1/stream.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "agent/protocols/http1/limits.h"
#include "tests/unit/protocols/segments.h"

namespace hostlens::protocols::http1 {
namespace {

using test_util::Bytes;
using test_util::Capture;
using Conversation = test_util::Conversation<Stream, &Stream::TakeExchanges>;
using test_util::RoleName;
using test_util::Whole;

struct Step {
  bool request;  // bytes of the direction carrying requests, else responses
  std::string bytes;
};

Step Req(std::string bytes) { return Step{true, std::move(bytes)}; }
Step Resp(std::string bytes) { return Step{false, std::move(bytes)}; }

struct Expected {
  std::string method;
  std::string target;
  int status;
};

struct ConversationCase {
  std::string name;
  std::vector<Step> steps;
  std::vector<Expected> expected;
  bool close = false;  // the connection closes after the steps
};

std::string Body(size_t n, char c = 'x') { return std::string(n, c); }

std::string Ok(std::string_view body, std::string_view status = "200 OK") {
  return "HTTP/1.1 " + std::string(status) + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + std::string(body);
}

std::string Get(std::string_view target) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: example.com\r\n\r\n";
}

std::vector<ConversationCase> Conversations() {
  std::vector<ConversationCase> cases;
  cases.push_back({"KeepAlive",
                   {Req(Get("/a")), Resp(Ok("hello")), Req(Get("/b?x=1")),
                    Resp(Ok("not here!", "404 Not Found"))},
                   {{"GET", "/a", 200}, {"GET", "/b?x=1", 404}}});
  // Bodies are counted, never scanned: these contain start lines.
  cases.push_back(
      {"ContentLengthBodiesBothSides",
       {Req("POST /form HTTP/1.1\r\nContent-Length: 18\r\n\r\nGET / HTTP/1.1\r\n\r\n"),
        Resp(Ok("HTTP/1.1 200 OK\r\n\r\n", "201 Created")), Req(Get("/after")), Resp(Ok(""))},
       {{"POST", "/form", 201}, {"GET", "/after", 200}}});
  cases.push_back({"ChunkedBodiesBothSides",
                   {Req("POST /upload HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                        "4\r\nwiki\r\n5;ext=1\r\npedia\r\n0\r\n\r\n"),
                    Resp("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "7\r\nMozilla\r\n11\r\nDeveloper Network\r\n0\r\nExpires: never\r\n\r\n"),
                    Req(Get("/next")), Resp(Ok("ok"))},
                   {{"POST", "/upload", 200}, {"GET", "/next", 200}}});
  cases.push_back(
      {"HeadResponseHasNoBody",
       {Req("HEAD /file HTTP/1.1\r\n\r\n"), Resp("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"),
        Req(Get("/file")), Resp(Ok("abc"))},
       {{"HEAD", "/file", 200}, {"GET", "/file", 200}}});
  cases.push_back(
      {"ContinueIsNotTheFinalResponse",
       {Req("PUT /big HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"),
        Resp("HTTP/1.1 100 Continue\r\n\r\n"), Req("data"), Resp(Ok("", "201 Created"))},
       {{"PUT", "/big", 201}}});
  cases.push_back({"EarlyHintsThenFinal",
                   {Req(Get("/page")), Resp("HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\n"),
                    Resp(Ok("<html>"))},
                   {{"GET", "/page", 200}}});
  cases.push_back(
      {"NoContentAndNotModifiedHaveNoBody",
       {Req(Get("/a")), Resp("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"),
        Req(Get("/b")), Resp("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n"),
        Req(Get("/c")), Resp(Ok("hi"))},
       {{"GET", "/a", 204}, {"GET", "/b", 304}, {"GET", "/c", 200}}});
  cases.push_back({"UnknownMethodsKeptAsSent",
                   {Req("PURGE /cache/item HTTP/1.1\r\n\r\n"), Resp(Ok("")),
                    Req("M-SEARCH * HTTP/1.1\r\nMAN: \"ssdp:discover\"\r\n\r\n"), Resp(Ok(""))},
                   {{"PURGE", "/cache/item", 200}, {"M-SEARCH", "*", 200}}});
  cases.push_back({"PipelinedInOneSegment",
                   {Req(Get("/1") + Get("/2") + "HEAD /3 HTTP/1.1\r\n\r\n"),
                    Resp(Ok("one") + Ok("two", "202 Accepted") +
                         "HTTP/1.1 200 OK\r\nContent-Length: 77\r\n\r\n")},
                   {{"GET", "/1", 200}, {"GET", "/2", 202}, {"HEAD", "/3", 200}}});
  cases.push_back({"Http10EndsAtClose",
                   {Req("GET /legacy HTTP/1.0\r\n\r\n"),
                    Resp("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n"), Resp("<html>"),
                    Resp("</html>")},
                   {{"GET", "/legacy", 200}},
                   true});
  cases.push_back({"BlankLinesBetweenMessagesIgnored",
                   {Req("POST /p HTTP/1.1\r\nContent-Length: 2\r\n\r\nab\r\n"), Resp(Ok("")),
                    Req(Get("/q")), Resp(Ok(""))},
                   {{"POST", "/p", 200}, {"GET", "/q", 200}}});
  return cases;
}

enum class Split { kWhole, kByteByByte };

using ConversationParam = std::tuple<ConversationCase, Role, Split>;

class ConversationTest : public ::testing::TestWithParam<ConversationParam> {};

void Play(Conversation* conversation, const ConversationCase& c, Split split) {
  for (const Step& step : c.steps) {
    if (split == Split::kWhole && step.request) {
      conversation->Requests(step.bytes);
    } else if (split == Split::kWhole) {
      conversation->Responses(step.bytes);
    } else if (step.request) {
      conversation->RequestsByteByByte(step.bytes);
    } else {
      conversation->ResponsesByteByByte(step.bytes);
    }
  }
  if (c.close) conversation->Close();
}

void ExpectExchanges(const std::vector<Exchange>& actual, const std::vector<Expected>& expected,
                     size_t count) {
  ASSERT_EQ(actual.size(), count);
  for (size_t i = 0; i < count; ++i) {
    EXPECT_EQ(actual[i].request.method, expected[i].method) << i;
    EXPECT_EQ(actual[i].request.target, expected[i].target) << i;
    EXPECT_EQ(actual[i].response.status, expected[i].status) << i;
  }
}

TEST_P(ConversationTest, YieldsTheExchangesInOrder) {
  const auto& [c, role, split] = GetParam();
  Conversation conversation(role);
  Play(&conversation, c, split);
  ExpectExchanges(conversation.results(), c.expected, c.expected.size());
  EXPECT_EQ(conversation.stream().stats().resyncs, 0u);
  EXPECT_EQ(conversation.stream().stats().unmatched_responses, 0u);
  EXPECT_EQ(conversation.stream().stats().inferred_ends, 0u);
  EXPECT_EQ(conversation.stream().outstanding_requests(), 0u);
}

// Never a wrong frame from a prefix: feeding the conversation cut after any byte yields the
// first k expected exchanges, k growing only on a response byte, and all of them at the end.
INSTANTIATE_TEST_SUITE_P(Conversations, ConversationTest,
                         ::testing::Combine(::testing::ValuesIn(Conversations()),
                                            ::testing::Values(Role::kServer, Role::kClient),
                                            ::testing::Values(Split::kWhole, Split::kByteByByte)),
                         [](const ::testing::TestParamInfo<ConversationParam>& info) {
                           bool whole = std::get<2>(info.param) == Split::kWhole;
                           return std::get<0>(info.param).name + "_" +
                                  RoleName(std::get<1>(info.param)) +
                                  (whole ? "_Whole" : "_ByteByByte");
                         });

using PrefixParam = std::tuple<ConversationCase, Role>;

class ConversationPrefixTest : public ::testing::TestWithParam<PrefixParam> {};

TEST_P(ConversationPrefixTest, EveryPrefixYieldsOnlyCompleteExchanges) {
  const auto& [c, role] = GetParam();
  size_t total = 0;
  for (const Step& step : c.steps) total += step.bytes.size();
  size_t previous = 0;
  for (size_t cut = 0; cut <= total; ++cut) {
    Conversation conversation(role);
    size_t fed = 0;
    bool last_byte_is_response = false;
    for (const Step& step : c.steps) {
      if (fed == cut) break;
      size_t n = std::min(step.bytes.size(), cut - fed);
      std::string_view part = std::string_view(step.bytes).substr(0, n);
      if (step.request) {
        conversation.Requests(part);
      } else {
        conversation.Responses(part);
      }
      fed += n;
      last_byte_is_response = !step.request;
    }
    size_t count = conversation.results().size();
    ASSERT_NO_FATAL_FAILURE(ExpectExchanges(conversation.results(), c.expected, count))
        << "cut " << cut;
    ASSERT_GE(count, previous) << "cut " << cut;
    if (count > previous) {
      EXPECT_TRUE(last_byte_is_response) << "cut " << cut;
    }
    EXPECT_EQ(conversation.stream().resyncs(), 0u) << "cut " << cut;
    previous = count;
  }
  size_t expected_open = c.close ? c.expected.size() - 1 : c.expected.size();
  EXPECT_EQ(previous, expected_open);
}

INSTANTIATE_TEST_SUITE_P(Conversations, ConversationPrefixTest,
                         ::testing::Combine(::testing::ValuesIn(Conversations()),
                                            ::testing::Values(Role::kServer, Role::kClient)),
                         [](const ::testing::TestParamInfo<PrefixParam>& info) {
                           return std::get<0>(info.param).name + "_" +
                                  RoleName(std::get<1>(info.param));
                         });

class RoleTest : public ::testing::TestWithParam<Role> {};

INSTANTIATE_TEST_SUITE_P(Roles, RoleTest, ::testing::Values(Role::kServer, Role::kClient),
                         [](const ::testing::TestParamInfo<Role>& info) {
                           return RoleName(info.param);
                         });

TEST_P(RoleTest, FiftyPipelinedRequestsInOneSegment) {
  std::string requests;
  std::string responses;
  for (int i = 0; i < 50; ++i) {
    requests += Get("/item/" + std::to_string(i));
    responses += Ok(std::string(i, 'b'), i % 2 ? "201 Created" : "200 OK");
  }
  for (bool responses_one_by_one : {false, true}) {
    Conversation conversation(GetParam());
    conversation.Requests(requests);
    if (responses_one_by_one) {
      for (int i = 0; i < 50; ++i)
        conversation.Responses(Ok(std::string(i, 'b'), i % 2 ? "201 Created" : "200 OK"));
    } else {
      conversation.Responses(responses);
    }
    const std::vector<Exchange>& exchanges = conversation.results();
    ASSERT_EQ(exchanges.size(), 50u);
    for (int i = 0; i < 50; ++i) {
      EXPECT_EQ(exchanges[i].request.target, "/item/" + std::to_string(i));
      EXPECT_EQ(exchanges[i].response.status, i % 2 ? 201 : 200);
    }
  }
}

TEST_P(RoleTest, TimestampsComeFromTheSegmentsHoldingTheFirstAndLastBytes) {
  Conversation conversation(GetParam());
  std::string request = "POST /t HTTP/1.1\r\nContent-Length: 4\r\n\r\n";
  conversation.Requests(Whole(request, 1000));
  conversation.Requests(Whole("body", 2000));
  std::string response = Ok("0123456789");
  conversation.Responses(Whole(response.substr(0, 5), 3000));
  conversation.Responses(Whole(response.substr(5, response.size() - 6), 4000));
  conversation.Responses(Whole(response.substr(response.size() - 1), 5000));
  const std::vector<Exchange>& exchanges = conversation.results();
  ASSERT_EQ(exchanges.size(), 1u);
  EXPECT_EQ(exchanges[0].request.first_byte_ns, 1000u);
  EXPECT_EQ(exchanges[0].request.last_byte_ns, 2000u);
  EXPECT_EQ(exchanges[0].response.first_byte_ns, 3000u);
  EXPECT_EQ(exchanges[0].response.last_byte_ns, 5000u);
}

TEST_P(RoleTest, FinalResponseTimestampsSkipTheInterimOne) {
  Conversation conversation(GetParam());
  conversation.Requests(
      Whole("POST /c HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n", 1));
  conversation.Responses(Whole("HTTP/1.1 100 Continue\r\n\r\n", 2));
  conversation.Requests(Whole("x", 3));
  conversation.Responses(Whole(Ok("done"), 4));
  const std::vector<Exchange>& exchanges = conversation.results();
  ASSERT_EQ(exchanges.size(), 1u);
  EXPECT_TRUE(exchanges[0].request.expect_continue);
  EXPECT_EQ(exchanges[0].response.status, 200);
  EXPECT_EQ(exchanges[0].response.first_byte_ns, 4u);
  EXPECT_EQ(exchanges[0].request.last_byte_ns, 3u);
}

TEST_P(RoleTest, ResponseEndingInsideAnUncapturedGapEndsInThatSegment) {
  Conversation conversation(GetParam());
  conversation.Requests(Get("/big"));
  conversation.Responses(Capture(Ok(Body(100000)), 512, true, 7777));
  const std::vector<Exchange>& exchanges = conversation.results();
  ASSERT_EQ(exchanges.size(), 1u);
  EXPECT_EQ(exchanges[0].response.last_byte_ns, 7777u);
}

TEST_P(RoleTest, BodiesLargerThanTheCaptureAreSkippedByCount) {
  Conversation conversation(GetParam());
  // The request body spans three reads; each is captured only in part.
  std::string upload = "POST /upload HTTP/1.1\r\nContent-Length: 30000\r\n\r\n" + Body(10000);
  conversation.Requests(Capture(upload, 512, true, conversation.NextTs()));
  conversation.Requests(Capture(Body(10000, 'y'), 512, true, conversation.NextTs()));
  conversation.Requests(Capture(Body(10000, 'z'), 512, false, conversation.NextTs()));
  conversation.Responses(Capture(Ok(Body(70000)), 512, true, conversation.NextTs()));
  conversation.Requests(Capture(Get("/next"), 512, true, conversation.NextTs()));
  conversation.Responses(Capture(Ok(Body(600)), 512, false, conversation.NextTs()));
  ExpectExchanges(conversation.results(), {{"POST", "/upload", 200}, {"GET", "/next", 200}}, 2);
  EXPECT_EQ(conversation.stream().stats().resyncs, 0u);
  EXPECT_EQ(conversation.stream().stats().inferred_ends, 0u);
}

std::string Chunked(size_t chunks, size_t chunk_size) {
  std::string body;
  char size[32];
  for (size_t i = 0; i < chunks; ++i) {
    snprintf(size, sizeof size, "%zx\r\n", chunk_size);
    body += size + Body(chunk_size, static_cast<char>('a' + i % 26)) + "\r\n";
  }
  return body + "0\r\n\r\n";
}

TEST_P(RoleTest, ChunkedBodyInOneSegmentEndsWithTheCapturedTail) {
  Conversation conversation(GetParam());
  conversation.Requests(Get("/stream"));
  std::string response =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunked(40, 1000);
  conversation.Responses(Capture(response, 512, true, conversation.NextTs()));
  conversation.Requests(Get("/after"));
  conversation.Responses(Ok("x"));
  ExpectExchanges(conversation.results(), {{"GET", "/stream", 200}, {"GET", "/after", 200}}, 2);
  EXPECT_EQ(conversation.stream().stats().resyncs, 0u);
}

TEST_P(RoleTest, ChunkedFramingFollowedAcrossGapsWhenEachChunkIsOneWrite) {
  Conversation conversation(GetParam());
  conversation.Requests(Get("/stream"));
  conversation.Responses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (int i = 0; i < 5; ++i) {
    // "fa0\r\n" + 4000 bytes + "\r\n": the size line is captured, the data skipped by count.
    conversation.Responses(
        Capture("fa0\r\n" + Body(4000) + "\r\n", 64, false, conversation.NextTs()));
  }
  EXPECT_TRUE(conversation.results().empty());
  conversation.Responses(Whole("0\r\n\r\n", 999));
  ASSERT_EQ(conversation.results().size(), 1u);
  EXPECT_EQ(conversation.results()[0].response.last_byte_ns, 999u);
  EXPECT_EQ(conversation.stream().stats().inferred_ends, 0u);
}

TEST_P(RoleTest, ChunkedFramingLostInAGapEndsAtALastChunkInATail) {
  Conversation conversation(GetParam());
  conversation.Requests(Get("/stream"));
  std::string body = Chunked(30, 1000);
  std::string response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body;
  // Two writes that split the chunked body at an arbitrary point: framing is lost in the first
  // gap; the second write's tail shows the last chunk.
  conversation.Responses(Capture(response.substr(0, 15000), 512, true, conversation.NextTs()));
  EXPECT_TRUE(conversation.results().empty());
  conversation.Responses(Capture(response.substr(15000), 512, true, 4242));
  ASSERT_EQ(conversation.results().size(), 1u);
  EXPECT_EQ(conversation.results()[0].response.last_byte_ns, 4242u);
  EXPECT_EQ(conversation.stream().stats().resyncs, 0u);
}

TEST_P(RoleTest, ChunkedFramingLostWithoutTailsEndsWhenTheNextResponseStarts) {
  Conversation conversation(GetParam());
  conversation.Requests(Get("/stream"));
  std::string response =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunked(30, 1000);
  conversation.Responses(Capture(response.substr(0, 15000), 512, false, conversation.NextTs()));
  uint64_t last_byte_ns = conversation.NextTs();
  conversation.Responses(Capture(response.substr(15000), 512, false, last_byte_ns));
  EXPECT_TRUE(conversation.results().empty());
  conversation.Requests(Get("/next"));
  conversation.Responses(Capture(Ok("x"), 512, false, conversation.NextTs()));
  const std::vector<Exchange>& exchanges = conversation.results();
  ASSERT_EQ(exchanges.size(), 2u);
  EXPECT_EQ(exchanges[0].response.last_byte_ns, last_byte_ns);
  EXPECT_EQ(exchanges[1].request.target, "/next");
  EXPECT_EQ(conversation.stream().stats().inferred_ends, 1u);
  EXPECT_EQ(conversation.stream().stats().resyncs, 0u);
}

std::string BigCookieGet(std::string_view target) {
  return "GET " + std::string(target) +
         " HTTP/1.1\r\nHost: shop\r\nCookie: session=" + Body(3000, 'c') +
         "\r\nAccept: */*\r\n\r\n";
}

TEST_P(RoleTest, RequestHeadersLongerThanTheCaptureAreCountedFromTheCapturedPart) {
  for (bool tails : {true, false}) {
    Conversation conversation(GetParam());
    conversation.Requests(Capture(BigCookieGet("/cart"), 512, tails, conversation.NextTs()));
    conversation.Responses(Capture(Ok("cart"), 512, tails, conversation.NextTs()));
    conversation.Requests(Capture(BigCookieGet("/checkout"), 512, tails, conversation.NextTs()));
    conversation.Responses(Capture(Ok("paid"), 512, tails, conversation.NextTs()));
    const std::vector<Exchange>& exchanges = conversation.results();
    ExpectExchanges(exchanges, {{"GET", "/cart", 200}, {"GET", "/checkout", 200}}, 2);
    EXPECT_TRUE(exchanges[0].request.headers_truncated);
    EXPECT_FALSE(exchanges[0].response.headers_truncated);
    EXPECT_EQ(conversation.stream().stats().resyncs, 0u) << tails;
  }
}

TEST_P(RoleTest, RequestLineLongerThanTheCaptureKeepsTheTargetPrefix) {
  Conversation conversation(GetParam());
  std::string target = "/search?q=" + Body(2000, 'q');
  conversation.Requests(Capture(Get(target), 512, true, conversation.NextTs()));
  conversation.Responses(Ok("results"));
  const std::vector<Exchange>& exchanges = conversation.results();
  ASSERT_EQ(exchanges.size(), 1u);
  EXPECT_EQ(exchanges[0].request.method, "GET");
  EXPECT_EQ(exchanges[0].request.target, target.substr(0, 508));
  EXPECT_TRUE(exchanges[0].request.headers_truncated);
}

TEST_P(RoleTest, ResponseHeadersLongerThanTheCaptureWithTheLengthCaptured) {
  std::string response =
      "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\nSet-Cookie: a=" + Body(1500, 's') + "\r\n\r\n" +
      Body(5000, 'b');
  for (bool tails : {true, false}) {
    Conversation conversation(GetParam());
    conversation.Requests(Get("/a"));
    conversation.Responses(Capture(response, 512, tails, conversation.NextTs()));
    conversation.Requests(Get("/b"));
    conversation.Responses(Capture(response, 512, tails, conversation.NextTs()));
    conversation.Close();
    const std::vector<Exchange>& exchanges = conversation.results();
    ExpectExchanges(exchanges, {{"GET", "/a", 200}, {"GET", "/b", 200}}, 2);
    EXPECT_TRUE(exchanges[0].response.headers_truncated);
    EXPECT_EQ(conversation.stream().stats().resyncs, 0u) << tails;
  }
}

TEST_P(RoleTest, ResponseHeadersCutBeforeAnyFramingFieldEndAtTheNextResponse) {
  std::string response =
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=" + Body(1500, 's') + "\r\nContent-Length: 3\r\n\r\nabc";
  Conversation conversation(GetParam());
  conversation.Requests(Get("/a"));
  uint64_t first_end = conversation.NextTs();
  conversation.Responses(Capture(response, 512, true, first_end));
  conversation.Requests(Get("/b"));
  EXPECT_TRUE(conversation.results().empty());
  uint64_t second_end = conversation.NextTs();
  conversation.Responses(Capture(response, 512, true, second_end));
  ASSERT_EQ(conversation.results().size(), 1u);
  EXPECT_EQ(conversation.results()[0].response.last_byte_ns, first_end);
  conversation.Close();
  ASSERT_EQ(conversation.results().size(), 2u);
  EXPECT_EQ(conversation.results()[1].response.last_byte_ns, second_end);
  EXPECT_EQ(conversation.stream().stats().resyncs, 0u);
}

TEST_P(RoleTest, HeaderBlockOverTheCapIsTruncatedNotBuffered) {
  std::string request = "GET /huge HTTP/1.1\r\n";
  while (request.size() < kMaxHeadBytes + 10000) request += "X-Filler: " + Body(100, 'f') + "\r\n";
  request += "\r\n";
  Conversation conversation(GetParam());
  conversation.Requests(request);
  conversation.Responses(Ok("ok"));
  conversation.Requests(Get("/small"));
  conversation.Responses(Ok("ok"));
  const std::vector<Exchange>& exchanges = conversation.results();
  ExpectExchanges(exchanges, {{"GET", "/huge", 200}, {"GET", "/small", 200}}, 2);
  EXPECT_TRUE(exchanges[0].request.headers_truncated);
  EXPECT_FALSE(exchanges[1].request.headers_truncated);
}

TEST_P(RoleTest, StoredTargetsAreBounded) {
  Conversation conversation(GetParam());
  std::string target = "/" + Body(kMaxTargetBytes * 2, 't');
  conversation.Requests(Get(target));
  conversation.Responses(Ok("ok"));
  const std::vector<Exchange>& exchanges = conversation.results();
  ASSERT_EQ(exchanges.size(), 1u);
  EXPECT_EQ(exchanges[0].request.target, target.substr(0, kMaxTargetBytes));
}

TEST_P(RoleTest, WebsocketUpgradeStopsParsing) {
  Conversation conversation(GetParam());
  conversation.Requests(
      "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  conversation.Responses(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x05hello");
  conversation.Requests(Bytes("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58"));
  conversation.Requests(Get("/not/http/anymore"));
  conversation.Responses(Ok("nope"));
  const std::vector<Exchange>& exchanges = conversation.results();
  ExpectExchanges(exchanges, {{"GET", "/chat", 101}}, 1);
  EXPECT_TRUE(exchanges[0].request.websocket_upgrade);
  EXPECT_TRUE(conversation.stream().upgraded());
  EXPECT_TRUE(conversation.stream().websocket());
  EXPECT_EQ(conversation.stream().resyncs(), 0u);
}

TEST_P(RoleTest, H2cUpgradeIsNotWebsocket) {
  Conversation conversation(GetParam());
  conversation.Requests(
      "GET / HTTP/1.1\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n"
      "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
  conversation.Responses("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n");
  conversation.Requests("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
  EXPECT_EQ(conversation.results().size(), 1u);
  EXPECT_TRUE(conversation.stream().upgraded());
  EXPECT_FALSE(conversation.stream().websocket());
  EXPECT_EQ(conversation.stream().resyncs(), 0u);
}

TEST_P(RoleTest, DeclinedUpgradeKeepsParsing) {
  Conversation conversation(GetParam());
  conversation.Requests("GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  conversation.Responses(Ok("no websocket here", "400 Bad Request"));
  conversation.Requests(Get("/next"));
  conversation.Responses(Ok("ok"));
  ExpectExchanges(conversation.results(), {{"GET", "/chat", 400}, {"GET", "/next", 200}}, 2);
  EXPECT_FALSE(conversation.stream().upgraded());
}

TEST_P(RoleTest, ConnectTunnelStopsParsing) {
  Conversation conversation(GetParam());
  conversation.Requests("CONNECT db.internal:5432 HTTP/1.1\r\nHost: db.internal:5432\r\n\r\n");
  conversation.Responses("HTTP/1.1 200 Connection Established\r\n\r\n");
  conversation.Requests(Bytes("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1"));
  ExpectExchanges(conversation.results(), {{"CONNECT", "db.internal:5432", 200}}, 1);
  EXPECT_TRUE(conversation.stream().upgraded());
  EXPECT_FALSE(conversation.stream().websocket());
  EXPECT_EQ(conversation.stream().resyncs(), 0u);
}

TEST_P(RoleTest, Http10ResponseWithoutLengthEndsAtClose) {
  Conversation conversation(GetParam());
  conversation.Requests("GET /old HTTP/1.0\r\n\r\n");
  conversation.Responses("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nsome");
  conversation.Responses(" more");
  uint64_t last_byte_ns = conversation.last_ts();
  EXPECT_TRUE(conversation.results().empty());
  conversation.Close();
  const std::vector<Exchange>& exchanges = conversation.results();
  ASSERT_EQ(exchanges.size(), 1u);
  EXPECT_EQ(exchanges[0].request.minor_version, 0);
  EXPECT_EQ(exchanges[0].response.last_byte_ns, last_byte_ns);
}

TEST_P(RoleTest, OutstandingRequestsAreBoundedAndPairingSurvivesEviction) {
  Conversation conversation(GetParam());
  const size_t total = kMaxOutstandingRequests + 76;
  std::string requests;
  for (size_t i = 0; i < total; ++i) requests += Get("/r/" + std::to_string(i));
  conversation.Requests(requests);
  EXPECT_EQ(conversation.stream().outstanding_requests(), kMaxOutstandingRequests);
  EXPECT_EQ(conversation.stream().stats().evicted_requests, 76u);
  for (size_t i = 0; i < total; ++i) conversation.Responses(Ok(std::to_string(i)));
  const std::vector<Exchange>& exchanges = conversation.results();
  ASSERT_EQ(exchanges.size(), kMaxOutstandingRequests);
  EXPECT_EQ(exchanges.front().request.target, "/r/76");
  EXPECT_EQ(exchanges.back().request.target, "/r/" + std::to_string(total - 1));
  EXPECT_EQ(conversation.stream().stats().unmatched_responses, 0u);
}

TEST_P(RoleTest, GarbageBeforeARequestIsSkippedAndCounted) {
  Conversation conversation(GetParam());
  conversation.Requests(Bytes("\x00\x01\x02 binary junk\r\nmore junk\r\n") + Get("/ok"));
  conversation.Responses(Ok("ok"));
  ExpectExchanges(conversation.results(), {{"GET", "/ok", 200}}, 1);
  EXPECT_EQ(conversation.stream().resyncs(), 1u);
}

TEST_P(RoleTest, GarbageByteByByteThenRequestInTheSameStream) {
  Conversation conversation(GetParam());
  conversation.RequestsByteByByte("xyz\nGET /late HTTP/1.1\r\n\r\n");
  conversation.Responses(Ok("ok"));
  ExpectExchanges(conversation.results(), {{"GET", "/late", 200}}, 1);
  EXPECT_EQ(conversation.stream().resyncs(), 1u);
}

// Bytes after a message that are no message lose sync; the next message is found at the next
// line start, or at the first segment after the other direction spoke.
TEST_P(RoleTest, JunkAfterAResponseIsSkippedUntilThePeersNextTurn) {
  Conversation conversation(GetParam());
  conversation.Requests(Get("/1"));
  conversation.Responses(Ok("one") + Bytes("\x00\x01junk"));
  conversation.Requests(Get("/2"));
  conversation.Responses(Ok("two"));
  ExpectExchanges(conversation.results(), {{"GET", "/1", 200}, {"GET", "/2", 200}}, 2);
  EXPECT_EQ(conversation.stream().stats().resyncs, 1u);
  EXPECT_EQ(conversation.stream().stats().lost_responses, 0u);
}

// Without a turn of the other direction, a segment boundary inside a malformed line is no line
// start: what looks like a request line there is the rest of that line.
TEST_P(RoleTest, MalformedLineGoesOnIntoTheNextSegment) {
  Conversation conversation(GetParam());
  conversation.Requests(Bytes("junk\x00"));
  conversation.Requests("POST /not-a-request HTTP/1.1\r\nContent-Length: 5\r\n\r\n");
  conversation.Requests(Get("/real"));
  conversation.Responses(Ok("ok"));
  ExpectExchanges(conversation.results(), {{"GET", "/real", 200}}, 1);
  EXPECT_EQ(conversation.stream().stats().resyncs, 1u);
  EXPECT_EQ(conversation.stream().stats().unmatched_responses, 0u);
}

// A response whose empty line is a bare CR is dropped with its request, and its body framed as
// the request's method says: none for HEAD.
TEST_P(RoleTest, MalformedResponseToHeadIsDroppedWithoutABody) {
  Conversation conversation(GetParam());
  conversation.Requests("HEAD /h HTTP/1.1\r\n\r\n" + Get("/2"));
  conversation.Responses("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r" + Ok("two"));
  ExpectExchanges(conversation.results(), {{"GET", "/2", 200}}, 1);
  EXPECT_EQ(conversation.stream().stats().resyncs, 1u);
  EXPECT_EQ(conversation.stream().stats().lost_responses, 1u);
  EXPECT_EQ(conversation.stream().stats().unmatched_responses, 0u);
}

TEST_P(RoleTest, MalformedSwitchingProtocolsStillStopsParsing) {
  Conversation conversation(GetParam());
  conversation.Requests("GET /chat HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  conversation.Responses("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r" +
                         Bytes("\x81\x05hello"));
  conversation.Requests(Bytes("\x81\x85\x37\xfa\x21\x3d\x7f"));
  EXPECT_TRUE(conversation.results().empty());
  EXPECT_TRUE(conversation.stream().upgraded());
  EXPECT_EQ(conversation.stream().stats().resyncs, 1u);
  EXPECT_EQ(conversation.stream().stats().lost_responses, 1u);
}

TEST_P(RoleTest, LostResponseTakesItsRequestAlong) {
  Conversation conversation(GetParam());
  conversation.Requests(Get("/1"));
  conversation.Responses("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcdeXX");
  conversation.Requests(Get("/2"));
  conversation.Responses(Ok("two"));
  ExpectExchanges(conversation.results(), {{"GET", "/2", 200}}, 1);
  EXPECT_EQ(conversation.stream().stats().resyncs, 1u);
  EXPECT_EQ(conversation.stream().stats().lost_responses, 1u);
}

TEST_P(RoleTest, CandidatesThatFailDuringOneLossCountOnce) {
  Conversation conversation(GetParam());
  conversation.Requests(Get("/1") + Get("/2"));
  conversation.Responses(
      "HTTP/1.1 200 OK\r\nnot a field\r\n\r\n"
      "junk\nHTTP/1.1 200 OK\r\nstill not a field\r\n\r\n");
  conversation.Responses(Ok("two"));
  ExpectExchanges(conversation.results(), {{"GET", "/2", 200}}, 1);
  EXPECT_EQ(conversation.stream().stats().resyncs, 1u);
  EXPECT_EQ(conversation.stream().stats().lost_responses, 1u);
}

TEST_P(RoleTest, MessageStartingInAGapIsLostThenSyncIsFoundAgain) {
  Conversation conversation(GetParam());
  conversation.Requests(Get("/1"));
  conversation.Responses(Capture(Ok("one"), 0, true, conversation.NextTs()));  // nothing captured
  conversation.Requests(Get("/2"));
  conversation.Responses(Ok("two"));
  ExpectExchanges(conversation.results(), {{"GET", "/2", 200}}, 1);
  EXPECT_EQ(conversation.stream().stats().resyncs, 1u);
}

TEST_P(RoleTest, ResponseWithoutARequestIsCountedNotPaired) {
  Conversation conversation(GetParam());
  conversation.Responses(Ok("attached late"));
  conversation.Requests(Get("/1"));
  conversation.Responses(Ok("one"));
  ExpectExchanges(conversation.results(), {{"GET", "/1", 200}}, 1);
  EXPECT_EQ(conversation.stream().stats().unmatched_responses, 1u);
}

TEST_P(RoleTest, ResponseThatBeganBeforeTheRequestDoesNotAnswerIt) {
  Conversation conversation(GetParam());
  std::string stale = Ok("from before");
  conversation.Responses(Whole(stale.substr(0, 10), 100));  // attached mid-response
  conversation.Requests(Whole(Get("/1"), 200));
  conversation.Responses(Whole(stale.substr(10), 300));
  conversation.Responses(Whole(Ok("one"), 400));
  ExpectExchanges(conversation.results(), {{"GET", "/1", 200}}, 1);
  EXPECT_EQ(conversation.results()[0].response.first_byte_ns, 400u);
  EXPECT_EQ(conversation.stream().stats().unmatched_responses, 1u);
}

TEST_P(RoleTest, NeverStallsOnLongGarbage) {
  Conversation conversation(GetParam());
  conversation.Requests(Body(200000, 'G'));
  conversation.Requests(Get("/after"));
  conversation.Responses(Ok("ok"));
  ExpectExchanges(conversation.results(), {{"GET", "/after", 200}}, 1);
}

TEST_P(RoleTest, NothingIsParsedAfterClose) {
  Conversation conversation(GetParam());
  conversation.Requests(Get("/1"));
  conversation.Close();
  conversation.Responses(Ok("late"));
  EXPECT_TRUE(conversation.results().empty());
}

}  // namespace
}  // namespace hostlens::protocols::http1
