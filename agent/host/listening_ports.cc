#include "agent/host/listening_ports.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/host/net_tcp_parser.h"

namespace hostlens::host {
namespace {

constexpr std::string_view kTcpTables[] = {"net/tcp", "net/tcp6"};

// Socket inode → port, for listening sockets on one of `ports`. An unreadable or malformed table
// is skipped: IPv6 may be disabled, and the other table can still answer.
std::map<uint64_t, uint16_t> ListeningInodes(const Procfs& procfs,
                                             const std::set<uint16_t>& ports) {
  std::map<uint64_t, uint16_t> port_by_inode;
  for (std::string_view table : kTcpTables) {
    std::optional<std::string> text = procfs.ReadFile(table);
    std::optional<std::vector<ListeningSocket>> sockets =
        text ? ParseListeningSockets(*text) : std::nullopt;
    if (!sockets) continue;
    for (const ListeningSocket& socket : *sockets) {
      if (ports.contains(socket.port)) port_by_inode[socket.inode] = socket.port;
    }
  }
  return port_by_inode;
}

}  // namespace

std::map<int, std::set<uint16_t>> FindPidsListeningOn(const Procfs& procfs,
                                                      const std::set<uint16_t>& ports) {
  std::map<int, std::set<uint16_t>> ports_by_pid;
  std::map<uint64_t, uint16_t> port_by_inode = ListeningInodes(procfs, ports);
  // Walking every process's fds is the expensive part; skip it when nothing can match.
  if (port_by_inode.empty()) return ports_by_pid;
  for (int pid : procfs.ListPids()) {
    for (uint64_t inode : procfs.SocketInodes(pid)) {
      auto it = port_by_inode.find(inode);
      if (it != port_by_inode.end()) ports_by_pid[pid].insert(it->second);
    }
  }
  return ports_by_pid;
}

}  // namespace hostlens::host
