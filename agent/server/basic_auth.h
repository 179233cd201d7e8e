#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace hostlens::server {

// HTTP Basic authentication against bcrypt hashes (exporter-toolkit's basic_auth_users).

struct BasicCredentials {
  std::string user;
  std::string password;
  ~BasicCredentials();  // wipes the password
};

// The credentials in an Authorization header value ("Basic dXNlcjpwYXNz"); nullopt if it is not
// Basic auth with valid base64 of "user:password". The scheme is case-insensitive (RFC 7617).
std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view header);

// Whether crypt(3) of `password` with `hash` as the setting gives `hash` back, compared in
// constant time. bcrypt: 50-250 ms at the usual costs.
bool PasswordMatchesHash(std::string_view password, const std::string& hash);

// Whether `header` (null or empty: none sent) names one of `users` with the right password.
// Pure and slow (one bcrypt per call, also for unknown users, so that timing does not tell
// which user names exist).
bool CheckBasicAuthorization(const char* header, const std::map<std::string, std::string>& users);

// CheckBasicAuthorization with a cache of successes: Prometheus scrapes with the same
// credentials every few seconds, and bcrypt on each would cost more than the scrape. The cache
// keeps SHA-256("user:password") with the user's hash, never the password. Thread-safe.
class BasicAuthenticator {
 public:
  static constexpr size_t kMaxCached = 256;

  explicit BasicAuthenticator(std::map<std::string, std::string> users);
  bool Allows(const char* header);
  size_t cached() const;

 private:
  std::map<std::string, std::string> users_;
  mutable std::mutex mu_;
  std::set<std::string> cached_;    // guarded by mu_
  std::deque<std::string> order_;  // oldest first, for eviction; guarded by mu_
};

}  // namespace hostlens::server
