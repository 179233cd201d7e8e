#pragma once
// nginx serving HTTPS on a loopback port with a certificate the test makes, for the TLS tests:
// /hello (6 bytes) and /static/large.bin (100 KiB: several TLS records).

#include <cstddef>
#include <memory>
#include <string>

#include "harness.h"

namespace hostlens::testing {

class HttpsNginx {
 public:
  static constexpr char kLargePath[] = "/static/large.bin";
  static constexpr size_t kLargeBytes = 100 * 1024;

  // Makes the certificate and the files in `dir`, starts nginx and waits until it answers.
  // Empty on success, else what went wrong (for ASSERT).
  std::string Start(const std::string& dir);
  ~HttpsNginx();

  uint16_t port() const { return port_; }
  pid_t pid() const { return nginx_->pid(); }
  std::string Url(const std::string& path, const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(port_) + path;
  }

 private:
  uint16_t port_ = 0;
  std::unique_ptr<Process> nginx_;
};

}  // namespace hostlens::testing
