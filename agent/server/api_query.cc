#include "agent/server/api_query.h"

#include <algorithm>
#include <charconv>

namespace hostlens::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> Decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = HexValue(in[i + 1]);
      const int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

}  // namespace

std::optional<ApiQuery> ParseApiQuery(std::string_view query_string,
                                      const std::vector<std::string_view>& allowed,
                                      std::string* error) {
  ApiQuery query;
  while (!query_string.empty()) {
    const size_t amp = query_string.find('&');
    std::string_view pair = query_string.substr(0, amp);
    query_string = amp == std::string_view::npos ? std::string_view() : query_string.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    auto value = Decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string keys;
      for (auto k : allowed) keys += (keys.empty() ? "" : ", ") + std::string(k);
      *error = "unknown parameter '" + std::string(key.substr(0, 64)) + "' (accepted: " + keys + ")";
      return std::nullopt;
    }
    if (!value) {
      *error = "bad percent-encoding in '" + std::string(key.substr(0, 64)) + "'";
      return std::nullopt;
    }
    if (key == "service") {
      query.service = std::move(*value);
    } else if (key == "system") {
      query.system = std::move(*value);
    } else if (key == "limit") {
      size_t n = 0;
      auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
      if (ec != std::errc() || end != value->data() + value->size() || n < 1 || n > kMaxApiLimit) {
        *error = "limit must be a whole number from 1 to " + std::to_string(kMaxApiLimit);
        return std::nullopt;
      }
      query.limit = n;
    }
  }
  return query;
}

}  // namespace hostlens::server
