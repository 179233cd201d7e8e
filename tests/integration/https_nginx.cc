#include "https_nginx.h"

#include <filesystem>
#include <fstream>

namespace hostlens::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// nginx's server block: HTTPS on a loopback port, a short reply and a file larger than a record.
constexpr char kNginxServer[] = R"(  server {
    listen 127.0.0.1:@PORT@ ssl;
    ssl_certificate @DIR@/cert.pem;
    ssl_certificate_key @DIR@/key.pem;
    keepalive_requests 100000;
    location = /hello {
      default_type text/plain;
      return 200 "hello\n";
    }
    location /static/ {
      root @DIR@/www;
    }
  }
)";

}  // namespace

std::string HttpsNginx::Start(const std::string& dir) {
  // nginx's workers run as www-data: they must reach the files.
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
  port_ = FreePort();
  if (auto error = MakeTestCertificate(dir); !error.empty()) return error;
  fs::create_directories(dir + "/www/static");
  std::ofstream(dir + "/www" + kLargePath) << std::string(kLargeBytes, 'x');
  nginx_ = StartNginx(dir, port_, kNginxServer);
  if (!WaitFor([&] { return RunCommand("curl -sk -o /dev/null " + Url("/hello")).exit_code == 0; },
               10s)) {
    return "nginx did not answer: " + nginx_->Stderr() + ReadFile(dir + "/error.log");
  }
  return "";
}

HttpsNginx::~HttpsNginx() {
  if (nginx_) nginx_->KillGroup();
}

}  // namespace hostlens::testing
