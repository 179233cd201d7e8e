#include "agent/config/web_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "agent/config/value_parsers.h"
#include "agent/config/yaml_document.h"

namespace hostlens::config {
namespace {

constexpr std::string_view kTopLevelKeys = "tls_server_config, basic_auth_users";
constexpr std::string_view kTlsKeys = "cert_file, key_file, client_auth_type, client_ca_file";

constexpr std::array<std::pair<std::string_view, ClientAuth>, 4> kClientAuthNames = {{
    {"NoClientCert", ClientAuth::kNoClientCert},
    {"RequireAnyClientCert", ClientAuth::kRequireAnyClientCert},
    {"VerifyClientCertIfGiven", ClientAuth::kVerifyClientCertIfGiven},
    {"RequireAndVerifyClientCert", ClientAuth::kRequireAndVerifyClientCert},
}};

// What crypt(3) makes with bcrypt: "$2b$" (or 2a, 2y), a two-digit cost, "$", then 22 characters
// of salt and 31 of hash in bcrypt's base64 alphabet. Checked here so that a plain password or a
// truncated hash is refused at startup instead of failing every scrape.
bool LooksLikeBcrypt(std::string_view hash) {
  if (hash.size() != 60 || hash.substr(0, 2) != "$2") return false;
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return false;
  if (hash[3] != '$' || hash[6] != '$') return false;
  if (hash[4] < '0' || hash[4] > '3' || hash[5] < '0' || hash[5] > '9') return false;
  const int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (char c : hash.substr(7)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '/';
    if (!ok) return false;
  }
  return true;
}

// The --web-config-file's reader (YamlReader: the first problem, with its line).
class WebConfigReader : public YamlReader {
 public:
  explicit WebConfigReader(std::string_view base_dir) : base_dir_(base_dir) {}

  bool Read(const YAML::Node& root, WebConfig* config) {
    if (root.IsNull()) return true;
    if (!root.IsMap()) {
      return Fail(root.Mark(),
                  "expected a mapping of settings (key: value), got " + DescribeNode(root));
    }
    std::set<std::string> seen;
    for (const auto& entry : root) {
      const YAML::Node& key_node = entry.first;
      const YAML::Node& value = entry.second;
      std::string key;
      if (!ReadKey(key_node, &seen, &key)) return false;
      bool ok = true;
      if (key == "tls_server_config") {
        ok = ReadTls(key_node, value, config);
      } else if (key == "basic_auth_users") {
        ok = ReadUsers(value, &config->basic_auth_users);
      } else {
        ok = Fail(key_node.Mark(),
                  "unknown key " + Quote(key) + " (known: " + std::string(kTopLevelKeys) + ")");
      }
      if (!ok) return false;
    }
    return true;
  }

 private:
  // An empty value has no position worth showing (yaml-cpp puts it on the next line): problems
  // with it are reported on the key's line, as in config_file.cc.
  bool ReadScalar(const YAML::Node& key, const YAML::Node& value, std::string_view name,
                  std::string* text) {
    if (value.IsNull() || (value.IsScalar() && value.Scalar().empty())) {
      return Fail(key.Mark(), std::string(name) + ": missing value");
    }
    if (!value.IsScalar()) {
      return Fail(value.Mark(),
                  std::string(name) + ": expected a single value, got " + DescribeNode(value));
    }
    *text = value.Scalar();
    return true;
  }

  std::string Resolve(std::string path) const {
    if (path.front() == '/' || base_dir_.empty()) return path;
    return base_dir_ + (base_dir_.back() == '/' ? "" : "/") + path;
  }

  bool ReadTls(const YAML::Node& section_key, const YAML::Node& section, WebConfig* config) {
    if (!section.IsMap()) {
      return Fail(section.IsNull() ? section_key.Mark() : section.Mark(),
                  "tls_server_config: expected a mapping with cert_file and key_file, got " +
                      DescribeNode(section));
    }
    TlsServerConfig tls;
    std::set<std::string> seen;
    for (const auto& entry : section) {
      const YAML::Node& key_node = entry.first;
      const YAML::Node& value = entry.second;
      std::string key;
      if (!ReadKey(key_node, &seen, &key)) return false;
      if (key != "cert_file" && key != "key_file" && key != "client_auth_type" &&
          key != "client_ca_file") {
        return Fail(key_node.Mark(), "unknown tls_server_config key " + Quote(key) +
                                         " (known: " + std::string(kTlsKeys) + ")");
      }
      std::string text;
      if (!ReadScalar(key_node, value, key, &text)) return false;
      if (key == "cert_file") {
        tls.cert_file = Resolve(std::move(text));
      } else if (key == "key_file") {
        tls.key_file = Resolve(std::move(text));
      } else if (key == "client_ca_file") {
        tls.client_ca_file = Resolve(std::move(text));
      } else {
        auto it = std::find_if(kClientAuthNames.begin(), kClientAuthNames.end(),
                               [&text](const auto& entry) { return entry.first == text; });
        if (it == kClientAuthNames.end()) {
          return Fail(value.Mark(),
                      "client_auth_type: " + Quote(text) +
                          " is not one of NoClientCert, RequireAnyClientCert, "
                          "VerifyClientCertIfGiven, RequireAndVerifyClientCert");
        }
        tls.client_auth = it->second;
      }
    }
    if (tls.cert_file.empty()) return Fail(section.Mark(), "tls_server_config: missing cert_file");
    if (tls.key_file.empty()) return Fail(section.Mark(), "tls_server_config: missing key_file");
    const bool verifies = tls.client_auth == ClientAuth::kVerifyClientCertIfGiven ||
                          tls.client_auth == ClientAuth::kRequireAndVerifyClientCert;
    if (verifies && tls.client_ca_file.empty()) {
      return Fail(section.Mark(), "tls_server_config: client_auth_type " +
                                      std::string(ClientAuthName(tls.client_auth)) +
                                      " needs client_ca_file");
    }
    // As exporter-toolkit: a CA that nothing uses is a mistake, not a default.
    if (!tls.client_ca_file.empty() && tls.client_auth == ClientAuth::kNoClientCert) {
      return Fail(section.Mark(),
                  "tls_server_config: client_ca_file is set but client_auth_type is "
                  "NoClientCert (set VerifyClientCertIfGiven or RequireAndVerifyClientCert)");
    }
    config->tls = std::move(tls);
    return true;
  }

  bool ReadUsers(const YAML::Node& section, std::map<std::string, std::string>* users) {
    // Empty after commenting out every user: no authentication, as in exporter-toolkit.
    if (section.IsNull()) return true;
    if (!section.IsMap()) {
      return Fail(section.Mark(),
                  "basic_auth_users: expected a mapping of user: bcrypt hash, got " +
                      DescribeNode(section));
    }
    std::set<std::string> seen;
    for (const auto& entry : section) {
      const YAML::Node& key_node = entry.first;
      const YAML::Node& value = entry.second;
      std::string user;
      if (!ReadKey(key_node, &seen, &user)) return false;
      // Basic auth splits "user:password" at the first colon: such a user could never log in.
      if (user.empty() || user.find(':') != std::string::npos) {
        return Fail(key_node.Mark(),
                    "basic_auth_users: user name " + Quote(user) + " must be non-empty without ':'");
      }
      const std::string name = "basic_auth_users: " + Quote(user);
      std::string hash;
      if (!ReadScalar(key_node, value, name, &hash)) return false;
      if (!LooksLikeBcrypt(hash)) {
        return Fail(value.Mark(), name +
                                      ": not a bcrypt hash (expected $2y$, $2b$ or $2a$, a cost "
                                      "and 53 characters; make one with htpasswd -nBC 10 " +
                                      user + ")");
      }
      users->emplace(std::move(user), std::move(hash));
    }
    return true;
  }

  std::string base_dir_;
};

WebConfigResult Failure(std::string_view source_name, std::string_view problem) {
  WebConfigResult result;
  result.error = SourceError(source_name, problem);
  return result;
}

}  // namespace

std::string_view ClientAuthName(ClientAuth client_auth) {
  for (const auto& [name, value] : kClientAuthNames) {
    if (value == client_auth) return name;
  }
  return "?";
}

WebConfigResult ParseWebConfig(std::string_view yaml, std::string_view source_name,
                               std::string_view base_dir) {
  std::string problem;
  std::optional<YAML::Node> document = LoadSingleDocument(yaml, &problem);
  if (!document) return Failure(source_name, problem);
  WebConfig config;
  WebConfigReader reader(base_dir);
  if (!reader.Read(*document, &config)) return Failure(source_name, reader.problem());
  return WebConfigResult{std::move(config), {}};
}

WebConfigResult LoadWebConfig(const std::string& path) {
  std::string text, problem;
  if (!ReadSmallFile(path, "the web config file", &text, &problem)) {
    return Failure(path, problem);
  }
  const size_t slash = path.rfind('/');
  const std::string base_dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  return ParseWebConfig(text, path, base_dir);
}

}  // namespace hostlens::config
