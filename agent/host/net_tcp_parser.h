#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace hostlens::host {

// A TCP socket in state LISTEN, from /proc/net/tcp or /proc/net/tcp6.
struct ListeningSocket {
  uint16_t port = 0;   // local port, host byte order
  uint64_t inode = 0;  // matches the "socket:[N]" link of the fds that hold it
};

// Listening sockets (st 0A), in file order. nullopt if the header line is missing or a socket
// line does not have the kernel's layout; a file with only the header gives an empty vector.
std::optional<std::vector<ListeningSocket>> ParseListeningSockets(std::string_view text);

}  // namespace hostlens::host
