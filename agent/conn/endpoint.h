#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace hostlens::conn {

// One side of a connection as the kernel reported it.
struct Endpoint {
  uint16_t family = 0;  // AF_INET, AF_INET6, AF_UNIX
  std::array<uint8_t, 16> addr{};
  uint16_t port = 0;
  std::string unix_path;  // AF_UNIX: the server's socket path; "@name" if abstract

  // "127.0.0.1:5432", "[::1]:80", the socket path for Unix sockets
  // ("unix" when the server's socket has no name).
  std::string ToString() const;
};

// The name of the server a client called: the request's Host ("api.example" or
// "api.example:8443", as HeaderFacts::host keeps it) with the connection's port when Host has
// none, as the application named it (OpenTelemetry's server.address); the remote address when
// there is no Host or the connection is not TCP (a Unix socket is named by its path).
std::string ServerAddress(const Endpoint& remote, std::string_view host);

}  // namespace hostlens::conn
