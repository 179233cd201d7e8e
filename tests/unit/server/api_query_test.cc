#include "agent/server/api_query.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace hostlens::server {
namespace {

using ::testing::HasSubstr;

const std::vector<std::string_view> kSlowQueryKeys = {"service", "system", "limit"};
const std::vector<std::string_view> kRouteKeys = {"service", "limit"};

std::optional<ApiQuery> Parse(std::string_view query,
                              const std::vector<std::string_view>& allowed = kSlowQueryKeys) {
  std::string error;
  auto parsed = ParseApiQuery(query, allowed, &error);
  EXPECT_TRUE(parsed) << query << ": " << error;
  return parsed;
}

std::string ErrorOf(std::string_view query,
                    const std::vector<std::string_view>& allowed = kSlowQueryKeys) {
  std::string error;
  EXPECT_FALSE(ParseApiQuery(query, allowed, &error)) << query;
  return error;
}

TEST(ParseApiQueryTest, EmptyMeansEverythingAndTheDefaultLimit) {
  const auto q = Parse("");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->service, "");
  EXPECT_EQ(q->system, "");
  EXPECT_EQ(q->limit, 0u);
}

TEST(ParseApiQueryTest, ReadsEveryKey) {
  const auto q = Parse("service=api&system=postgresql&limit=20");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->service, "api");
  EXPECT_EQ(q->system, "postgresql");
  EXPECT_EQ(q->limit, 20u);
}

TEST(ParseApiQueryTest, EmptyPairsAndValuesAreAllowedAndTheLastValueWins) {
  const auto q = Parse("&service=a&&service=b&system=&");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->service, "b");
  EXPECT_EQ(q->system, "");
  const auto bare = Parse("service");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->service, "");
}

TEST(ParseApiQueryTest, ValuesArePercentDecoded) {
  const auto q = Parse("service=my%20app%2Fv2+x&system=post%67resql");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->service, "my app/v2 x");
  EXPECT_EQ(q->system, "postgresql");
  EXPECT_EQ(Parse("service=%e2%82%ac")->service, "\xe2\x82\xac");  // lowercase hex
  EXPECT_EQ(Parse("service=%41")->service, "A");                   // at the very end
}

TEST(ParseApiQueryTest, BadPercentEncodingIsRefused) {
  for (const char* query : {"service=%", "service=%4", "service=a%zz", "service=%g1"}) {
    EXPECT_THAT(ErrorOf(query), HasSubstr("bad percent-encoding in 'service'")) << query;
  }
}

TEST(ParseApiQueryTest, UnknownKeysAreRefusedWithTheAcceptedOnes) {
  EXPECT_EQ(ErrorOf("service=a&sort=total"),
            "unknown parameter 'sort' (accepted: service, system, limit)");
  // /api/v1/routes has no system.
  EXPECT_EQ(ErrorOf("system=mysql", kRouteKeys),
            "unknown parameter 'system' (accepted: service, limit)");
  EXPECT_TRUE(Parse("service=api&limit=5", kRouteKeys));
  // Keys are matched as sent, not decoded nor folded.
  EXPECT_THAT(ErrorOf("Service=api"), HasSubstr("'Service'"));
  EXPECT_THAT(ErrorOf("servic%65=api"), HasSubstr("unknown parameter"));
  // A long key is cut in the message.
  const std::string long_key(500, 'k');
  EXPECT_LT(ErrorOf(long_key + "=1").size(), 200u);
}

TEST(ParseApiQueryTest, LimitIsAWholeNumberInRange) {
  EXPECT_EQ(Parse("limit=1")->limit, 1u);
  EXPECT_EQ(Parse("limit=10000")->limit, kMaxApiLimit);
  for (const char* query : {"limit=0", "limit=10001", "limit=-1", "limit=+5", "limit=1.5", "limit=",
                            "limit=ten", "limit=5x", "limit= 5", "limit=99999999999999999999999"}) {
    EXPECT_EQ(ErrorOf(query), "limit must be a whole number from 1 to 10000") << query;
  }
}

}  // namespace
}  // namespace hostlens::server
