#include "agent/server/basic_auth.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace hostlens::server {
namespace {

// bcrypt of "secret" at cost 4 (the fastest), with each prefix libxcrypt knows.
constexpr char kHash2y[] = "$2y$04$X8yOB8ZH3zw7PEOjrtLmCuC6KPojgrf0Nw8valkzcp1srjtXkwM6m";
constexpr char kHash2b[] = "$2b$04$abcdefghijklmnopqrstuu2r9OfJnfCsdneAXAGHnS4UpFFP8WIrW";

TEST(ParseBasicAuthorizationTest, DecodesUserAndPassword) {
  // base64("prometheus:secret")
  auto credentials = ParseBasicAuthorization("Basic cHJvbWV0aGV1czpzZWNyZXQ=");
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->user, "prometheus");
  EXPECT_EQ(credentials->password, "secret");
  // The scheme is case-insensitive; the password may hold colons and be empty.
  credentials = ParseBasicAuthorization("bAsIc dTpwOnc6");  // "u:p:w:"
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->user, "u");
  EXPECT_EQ(credentials->password, "p:w:");
  credentials = ParseBasicAuthorization("Basic dTo=");  // "u:"
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->password, "");
  credentials = ParseBasicAuthorization("Basic OnA=");  // ":p"
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->user, "");
}

TEST(ParseBasicAuthorizationTest, RefusesWhatIsNotBasicAuth) {
  for (const char* header : {
           "",
           "Basic",
           "Basic ",
           "Bearer cHJvbWV0aGV1czpzZWNyZXQ=",
           "Basicx cHJvbWV0aGV1czpzZWNyZXQ=",
           "Basic dXNlcg==",                      // "user": no colon
           "Basic cHJvbWV0aGV1czpzZWNyZXQ",        // padding missing
           "Basic cHJvbWV0aGV1czpz*WNyZXQ=",       // outside the alphabet
           "Basic cHJv=WV0aGV1czpzZWNyZXQ=",       // '=' inside
           "Basic cHJvbWV0aGV1czpzZWNyZXQ= extra",
       }) {
    EXPECT_FALSE(ParseBasicAuthorization(header)) << header;
  }
}

TEST(PasswordMatchesHashTest, Bcrypt) {
  EXPECT_TRUE(PasswordMatchesHash("secret", kHash2y));
  EXPECT_TRUE(PasswordMatchesHash("secret", kHash2b));
  EXPECT_FALSE(PasswordMatchesHash("Secret", kHash2y));
  EXPECT_FALSE(PasswordMatchesHash("", kHash2y));
  EXPECT_FALSE(PasswordMatchesHash("secret", "not a hash"));
  EXPECT_FALSE(PasswordMatchesHash("secret", ""));
}

TEST(CheckBasicAuthorizationTest, UsersAndPasswords) {
  const std::map<std::string, std::string> users = {{"prometheus", kHash2y}, {"other", kHash2b}};
  EXPECT_TRUE(CheckBasicAuthorization("Basic cHJvbWV0aGV1czpzZWNyZXQ=", users));
  EXPECT_TRUE(CheckBasicAuthorization("Basic b3RoZXI6c2VjcmV0", users));  // other:secret
  EXPECT_FALSE(CheckBasicAuthorization("Basic cHJvbWV0aGV1czp3cm9uZw==", users));  // :wrong
  EXPECT_FALSE(CheckBasicAuthorization("Basic bm9ib2R5OnNlY3JldA==", users));  // nobody:secret
  EXPECT_FALSE(CheckBasicAuthorization(nullptr, users));
  EXPECT_FALSE(CheckBasicAuthorization("", users));
  EXPECT_FALSE(CheckBasicAuthorization("Basic cHJvbWV0aGV1czpzZWNyZXQ=", {}));
}

TEST(BasicAuthenticatorTest, CachesSuccessesOnly) {
  BasicAuthenticator auth(std::map<std::string, std::string>{{"prometheus", kHash2y}});
  EXPECT_FALSE(auth.Allows("Basic cHJvbWV0aGV1czp3cm9uZw=="));
  EXPECT_FALSE(auth.Allows("Basic bm9ib2R5OnNlY3JldA=="));
  EXPECT_FALSE(auth.Allows(nullptr));
  EXPECT_EQ(auth.cached(), 0u);
  EXPECT_TRUE(auth.Allows("Basic cHJvbWV0aGV1czpzZWNyZXQ="));
  EXPECT_EQ(auth.cached(), 1u);
  EXPECT_TRUE(auth.Allows("Basic cHJvbWV0aGV1czpzZWNyZXQ="));
  EXPECT_EQ(auth.cached(), 1u);
  // A wrong password after a right one is still wrong.
  EXPECT_FALSE(auth.Allows("Basic cHJvbWV0aGV1czp3cm9uZw=="));
}

TEST(BasicAuthenticatorTest, CachedCheckSkipsBcrypt) {
  // Cost 12: about 200 ms a check.
  constexpr char kSlowHash[] = "$2b$12$yBpN/w/6ecyEEjqYvf.Qmuj1Y/C8CwFJHRsZymSq/jO4VHiSpPdFy";
  BasicAuthenticator auth(std::map<std::string, std::string>{{"u", kSlowHash}});
  const char* header = "Basic dTpob3N0bGVucy1kdW1teQ==";  // u:hostlens-dummy
  ASSERT_TRUE(auth.Allows(header));
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(auth.Allows(header));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));
}

TEST(BasicAuthenticatorTest, CacheIsBounded) {
  // Distinct passwords of one user can only succeed with one hash each: use many users.
  std::map<std::string, std::string> users;
  for (size_t i = 0; i < BasicAuthenticator::kMaxCached + 10; ++i) {
    users["u" + std::to_string(i)] = kHash2y;
  }
  BasicAuthenticator auth(users);
  // A test-side base64 encoder, independent of the parser's decoder.
  size_t allowed = 0;
  for (const auto& [user, hash] : users) {
    const std::string plain = user + ":secret";
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string encoded;
    for (size_t i = 0; i < plain.size(); i += 3) {
      uint32_t n = static_cast<uint8_t>(plain[i]) << 16;
      if (i + 1 < plain.size()) n |= static_cast<uint8_t>(plain[i + 1]) << 8;
      if (i + 2 < plain.size()) n |= static_cast<uint8_t>(plain[i + 2]);
      encoded += kAlphabet[(n >> 18) & 63];
      encoded += kAlphabet[(n >> 12) & 63];
      encoded += i + 1 < plain.size() ? kAlphabet[(n >> 6) & 63] : '=';
      encoded += i + 2 < plain.size() ? kAlphabet[n & 63] : '=';
    }
    allowed += auth.Allows(("Basic " + encoded).c_str()) ? 1 : 0;
  }
  EXPECT_EQ(allowed, users.size());
  EXPECT_EQ(auth.cached(), BasicAuthenticator::kMaxCached);
}

}  // namespace
}  // namespace hostlens::server
