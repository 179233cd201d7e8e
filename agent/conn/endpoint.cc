#include "agent/conn/endpoint.h"

#include <arpa/inet.h>
#include <sys/socket.h>

namespace hostlens::conn {

std::string Endpoint::ToString() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET) {
    inet_ntop(AF_INET, addr.data(), text, sizeof(text));
    return std::string(text) + ":" + std::to_string(port);
  }
  if (family == AF_INET6) {
    inet_ntop(AF_INET6, addr.data(), text, sizeof(text));
    return "[" + std::string(text) + "]:" + std::to_string(port);
  }
  if (family == AF_UNIX) return unix_path.empty() ? "unix" : unix_path;
  return "unknown";
}

std::string ServerAddress(const Endpoint& remote, std::string_view host) {
  if (host.empty() || (remote.family != AF_INET && remote.family != AF_INET6)) {
    return remote.ToString();
  }
  // A port follows the last ':' that is not inside an IPv6 literal's brackets.
  const size_t colon = host.rfind(':');
  const bool has_port = colon != std::string_view::npos && host.find(']', colon) == std::string_view::npos;
  std::string out(host);
  if (!has_port) out += ":" + std::to_string(remote.port);
  return out;
}

}  // namespace hostlens::conn
