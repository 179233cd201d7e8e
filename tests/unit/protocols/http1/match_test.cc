#include "agent/protocols/http1/match.h"

#include <gtest/gtest.h>

#include <string>

#include "agent/protocols/http1/limits.h"

namespace hostlens::protocols::http1 {
namespace {

Request MakeRequest(const std::string& target) {
  Request request;
  request.method = "GET";
  request.target = target;
  return request;
}

Response MakeResponse(int status) {
  Response response;
  response.status = status;
  return response;
}

TEST(MatcherTest, PairsInOrder) {
  Matcher matcher;
  matcher.AddRequest(MakeRequest("/a"));
  matcher.AddRequest(MakeRequest("/b"));
  ASSERT_NE(matcher.Next(), nullptr);
  EXPECT_EQ(matcher.Next()->target, "/a");
  matcher.AddResponse(MakeResponse(200), true);
  matcher.AddResponse(MakeResponse(404), true);
  std::vector<Exchange> exchanges = matcher.TakeExchanges();
  ASSERT_EQ(exchanges.size(), 2u);
  EXPECT_EQ(exchanges[0].request.target, "/a");
  EXPECT_EQ(exchanges[1].response.status, 404);
  EXPECT_TRUE(matcher.TakeExchanges().empty());
}

TEST(MatcherTest, EndLastRequestSetsItsLastByte) {
  Matcher matcher;
  matcher.AddRequest(MakeRequest("/a"));
  matcher.EndLastRequest(42);
  matcher.AddResponse(MakeResponse(200), true);
  EXPECT_EQ(matcher.TakeExchanges()[0].request.last_byte_ns, 42u);
}

TEST(MatcherTest, ResponseToNoKnownRequestIsUnmatched) {
  Matcher matcher;
  matcher.AddResponse(MakeResponse(200), true);
  matcher.AddRequest(MakeRequest("/a"));
  matcher.AddResponse(MakeResponse(200), false);
  EXPECT_EQ(matcher.unmatched_responses(), 2u);
  EXPECT_EQ(matcher.outstanding(), 1u);
}

TEST(MatcherTest, DropNextForgetsTheRequestOfALostResponse) {
  Matcher matcher;
  matcher.AddRequest(MakeRequest("/a"));
  matcher.AddRequest(MakeRequest("/b"));
  matcher.DropNext();
  matcher.AddResponse(MakeResponse(200), true);
  std::vector<Exchange> exchanges = matcher.TakeExchanges();
  ASSERT_EQ(exchanges.size(), 1u);
  EXPECT_EQ(exchanges[0].request.target, "/b");
  EXPECT_EQ(matcher.lost_responses(), 1u);
}

TEST(MatcherTest, EvictionSkipsTheAnswersToEvictedRequests) {
  Matcher matcher;
  for (size_t i = 0; i < kMaxOutstandingRequests + 2; ++i) {
    matcher.AddRequest(MakeRequest("/" + std::to_string(i)));
  }
  EXPECT_EQ(matcher.outstanding(), kMaxOutstandingRequests);
  EXPECT_EQ(matcher.evicted_requests(), 2u);
  EXPECT_EQ(matcher.Next(), nullptr);  // the next response answers /0, which is gone
  matcher.AddResponse(MakeResponse(200), false);
  matcher.AddResponse(MakeResponse(200), false);
  ASSERT_NE(matcher.Next(), nullptr);
  EXPECT_EQ(matcher.Next()->target, "/2");
  matcher.AddResponse(MakeResponse(200), true);
  EXPECT_EQ(matcher.TakeExchanges().at(0).request.target, "/2");
  EXPECT_EQ(matcher.unmatched_responses(), 0u);
}

TEST(MatcherTest, RequestEvictedWhileItsResponseIsReadIsNotMisattributed) {
  Matcher matcher;
  matcher.AddRequest(MakeRequest("/0"));
  ASSERT_NE(matcher.Next(), nullptr);  // a response head for /0 is read...
  for (size_t i = 1; i <= kMaxOutstandingRequests; ++i) {
    matcher.AddRequest(MakeRequest("/" + std::to_string(i)));  // ...and /0 is evicted
  }
  matcher.AddResponse(MakeResponse(200), true);
  EXPECT_TRUE(matcher.TakeExchanges().empty());
  matcher.AddResponse(MakeResponse(201), true);
  EXPECT_EQ(matcher.TakeExchanges().at(0).request.target, "/1");
}

}  // namespace
}  // namespace hostlens::protocols::http1
