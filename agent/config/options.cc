#include "agent/config/options.h"

#include "agent/metrics/bounded_regex.h"

#include <utility>

namespace hostlens::config {

Selector Selector::ForPid(int pid, std::string service_name) {
  Selector selector;
  selector.kind = Kind::kPid;
  selector.pid = pid;
  selector.service_name = std::move(service_name);
  return selector;
}

Selector Selector::ForPort(uint16_t port, std::string service_name) {
  Selector selector;
  selector.kind = Kind::kPort;
  selector.port = port;
  selector.service_name = std::move(service_name);
  return selector;
}

std::optional<Selector> Selector::ForExe(std::string pattern, std::string service_name,
                                         std::string* error) {
  Selector selector;
  selector.kind = Kind::kExe;
  std::string why;
  selector.exe_regex = metrics::CompileBoundedRegex(pattern, std::regex::ECMAScript, &why);
  if (!selector.exe_regex) {
    if (error != nullptr) *error = why;
    return std::nullopt;
  }
  selector.exe_pattern = std::move(pattern);
  selector.service_name = std::move(service_name);
  return selector;
}

std::string Selector::Describe() const {
  std::string text;
  switch (kind) {
    case Kind::kPid:
      text = "pid " + std::to_string(pid);
      break;
    case Kind::kPort:
      text = "port " + std::to_string(port);
      break;
    case Kind::kExe:
      text = "exe /" + exe_pattern + "/";
      break;
  }
  if (!service_name.empty()) text += " as " + service_name;
  return text;
}

std::string Options::ListenAddress() const {
  const bool is_ipv6 = listen_host.find(':') != std::string::npos;
  std::string host = is_ipv6 ? "[" + listen_host + "]" : listen_host;
  return host + ":" + std::to_string(listen_port);
}

}  // namespace hostlens::config
