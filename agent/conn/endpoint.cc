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

}  // namespace hostlens::conn
