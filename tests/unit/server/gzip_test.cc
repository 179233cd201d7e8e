// gzip for /metrics: which Accept-Encoding values accept it, and that what Gzip() writes is one
// gzip member zlib inflates back to the input.
#include "agent/server/gzip.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/unit/server/gunzip.h"

namespace hostlens::server {
namespace {

TEST(AcceptsGzip, ReadsTheListAsRfc9110Says) {
  EXPECT_FALSE(AcceptsGzip(nullptr));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("GZIP"));
  EXPECT_TRUE(AcceptsGzip("x-gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, gzip"));
  EXPECT_TRUE(AcceptsGzip(" gzip ;q=0.5 , br"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_TRUE(AcceptsGzip("identity;q=0.9, *;q=0.1"));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0.000"));
  EXPECT_FALSE(AcceptsGzip("*;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0, *"));   // refused by name, whatever "*" says
  EXPECT_TRUE(AcceptsGzip("*;q=0, gzip"));    // accepted by name
  EXPECT_FALSE(AcceptsGzip("gzip;q=abc"));    // a malformed q-value accepts nothing
  EXPECT_FALSE(AcceptsGzip("gzip;q=2"));
  EXPECT_FALSE(AcceptsGzip("gzipx, xgzip"));
}

TEST(Gzip, InflatesBackToTheInput) {
  std::string exposition;
  for (int i = 0; i < 5000; ++i) {
    exposition += "http_server_request_duration_seconds_bucket{http_route=\"/api/users/{id}\",le=\"" +
                  std::to_string(i % 14) + "\"} " + std::to_string(i * 7) + "\n";
  }
  for (const std::string& input : {std::string(), std::string("m 1\n"), exposition}) {
    auto gzipped = Gzip(input);
    ASSERT_TRUE(gzipped);
    ASSERT_GE(gzipped->size(), 18u);  // a gzip header and trailer at least
    EXPECT_EQ(static_cast<unsigned char>((*gzipped)[0]), 0x1f);
    EXPECT_EQ(static_cast<unsigned char>((*gzipped)[1]), 0x8b);
    EXPECT_EQ(Gunzip(*gzipped), input);
  }
  EXPECT_LT(Gzip(exposition)->size(), exposition.size() / 10);
}

}  // namespace
}  // namespace hostlens::server
