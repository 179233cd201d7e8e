#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hostlens::config {

// --web-config-file: TLS and Basic auth for the agent's HTTP endpoint, in the format of
// Prometheus's exporter-toolkit (node_exporter's --web.config.file), so that one file and one
// scrape config serve both. Only the keys below are known; others are errors.

// tls_server_config.client_auth_type, named as in exporter-toolkit (Go's tls.ClientAuthType).
enum class ClientAuth {
  kNoClientCert,                // no client certificate asked for
  kRequireAnyClientCert,        // one required, not verified
  kVerifyClientCertIfGiven,     // optional; verified against client_ca_file if sent
  kRequireAndVerifyClientCert,  // required and verified against client_ca_file
};

struct TlsServerConfig {
  // Absolute paths: relative ones in the file are resolved against the file's directory.
  std::string cert_file;  // PEM, the server certificate followed by its chain
  std::string key_file;   // PEM private key
  ClientAuth client_auth = ClientAuth::kNoClientCert;
  std::string client_ca_file;  // empty unless client_auth verifies
};

struct WebConfig {
  std::optional<TlsServerConfig> tls;  // set: HTTPS only
  // User name -> bcrypt hash ($2a$, $2b$ or $2y$). Empty: no authentication.
  std::map<std::string, std::string> basic_auth_users;
};

struct WebConfigResult {
  std::optional<WebConfig> config;
  // When config is empty: one line, "<source>: line N: <problem>" (or "<source>: <problem>").
  std::string error;
};

// Strict like the config file: unknown or duplicate keys and malformed values are errors. Files
// are not opened here (a bad certificate is reported when the server starts); relative paths are
// joined to `base_dir`. A password hash is never quoted in an error: it might be a password.
WebConfigResult ParseWebConfig(std::string_view yaml, std::string_view source_name,
                               std::string_view base_dir);
// Reads `path` and parses it, relative paths against the file's directory.
WebConfigResult LoadWebConfig(const std::string& path);

// "NoClientCert", ... as in the file.
std::string_view ClientAuthName(ClientAuth client_auth);

}  // namespace hostlens::config
