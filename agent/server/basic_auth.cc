#include "agent/server/basic_auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

namespace hostlens::server {
namespace {

// Run against when the user is unknown, so that it costs what a known user does (cost 10, the
// usual one; the password behind it does not matter).
constexpr char kDummyHash[] = "$2b$10$M.EuTz.BZHVwlg/rCJh/WOO3ZhsjycVmvsbmMZTHpCIFXHZqZUgZm";

// OpenSSL's decoder; nullopt unless `text` is canonical padded base64.
std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  const bool alphabet = std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=';
  });
  if (!alphabet) return std::nullopt;
  const size_t padding = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  if (text.find('=') < text.size() - padding) return std::nullopt;  // '=' inside
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

std::string Sha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr) != 1) return {};
  return std::string(reinterpret_cast<const char*>(digest), size);
}

}  // namespace

BasicCredentials::~BasicCredentials() { OPENSSL_cleanse(password.data(), password.size()); }

std::optional<BasicCredentials> ParseBasicAuthorization(std::string_view header) {
  constexpr std::string_view kScheme = "basic ";
  if (header.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return std::nullopt;
  }
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  std::optional<std::string> decoded = DecodeBase64(token);
  if (!decoded) return std::nullopt;
  const size_t colon = decoded->find(':');
  std::optional<BasicCredentials> credentials;
  if (colon != std::string::npos) {
    credentials.emplace();
    credentials->user = decoded->substr(0, colon);
    credentials->password = decoded->substr(colon + 1);
  }
  OPENSSL_cleanse(decoded->data(), decoded->size());
  return credentials;
}

bool PasswordMatchesHash(std::string_view password, const std::string& hash) {
  // crypt_r's state is 32 KiB: on the heap, not a CivetWeb worker's stack. It holds the password
  // while it works, so it is wiped after.
  auto data = std::make_unique<crypt_data>();
  const std::string key(password);  // crypt_r wants it NUL-terminated
  const char* result = crypt_r(key.c_str(), hash.c_str(), data.get());
  // libxcrypt fails with null or a string starting with '*', never equal to a valid hash.
  const bool match = result != nullptr && std::strlen(result) == hash.size() &&
                     CRYPTO_memcmp(result, hash.data(), hash.size()) == 0;
  OPENSSL_cleanse(const_cast<char*>(key.data()), key.size());
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return match;
}

bool CheckBasicAuthorization(const char* header, const std::map<std::string, std::string>& users) {
  if (header == nullptr) return false;
  std::optional<BasicCredentials> credentials = ParseBasicAuthorization(header);
  if (!credentials) return false;
  auto it = users.find(credentials->user);
  if (it == users.end()) {
    PasswordMatchesHash(credentials->password, kDummyHash);
    return false;
  }
  return PasswordMatchesHash(credentials->password, it->second);
}

BasicAuthenticator::BasicAuthenticator(std::map<std::string, std::string> users)
    : users_(std::move(users)) {}

bool BasicAuthenticator::Allows(const char* header) {
  if (header == nullptr) return false;
  std::optional<BasicCredentials> credentials = ParseBasicAuthorization(header);
  if (!credentials) return false;
  auto it = users_.find(credentials->user);
  // The key also holds the hash so that an entry only ever stands for this user's current hash.
  std::string key;
  {
    std::string user_password = credentials->user + ":" + credentials->password;
    key = Sha256(user_password) + (it == users_.end() ? std::string() : it->second);
    OPENSSL_cleanse(user_password.data(), user_password.size());
  }
  {
    std::lock_guard lock(mu_);
    if (it != users_.end() && cached_.count(key) > 0) return true;
  }
  const bool ok = it == users_.end()
                      ? (PasswordMatchesHash(credentials->password, kDummyHash), false)
                      : PasswordMatchesHash(credentials->password, it->second);
  if (!ok) return false;
  std::lock_guard lock(mu_);
  if (cached_.insert(key).second) {
    order_.push_back(key);
    if (order_.size() > kMaxCached) {
      cached_.erase(order_.front());
      order_.pop_front();
    }
  }
  return true;
}

size_t BasicAuthenticator::cached() const {
  std::lock_guard lock(mu_);
  return cached_.size();
}

}  // namespace hostlens::server
