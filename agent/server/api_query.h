#pragma once

// Query parameters of the JSON APIs (/api/v1/slow-queries?service=api&system=postgresql&limit=20).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostlens::server {

struct ApiQuery {
  std::string service;  // service_name to keep; "" = all
  std::string system;   // db_system_name to keep; "" = all
  size_t limit = 0;     // 0 = the API's default
};

inline constexpr size_t kMaxApiLimit = 10000;

// Parses a URL query string ("a=1&b=2", percent-encoded). Accepts the keys in `allowed` among
// service, system and limit (a whole number 1..kMaxApiLimit); anything else is an error whose
// one-line reason goes in *error.
std::optional<ApiQuery> ParseApiQuery(std::string_view query_string,
                                      const std::vector<std::string_view>& allowed,
                                      std::string* error);

}  // namespace hostlens::server
