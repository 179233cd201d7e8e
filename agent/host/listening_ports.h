#pragma once

#include <cstdint>
#include <map>
#include <set>

#include "agent/host/procfs.h"

namespace hostlens::host {

// pid → those of `ports` on which the process holds a listening TCP socket, IPv4 or IPv6. Every
// process sharing a listening socket (pre-fork servers) is returned. Only net/tcp and net/tcp6
// under the procfs root are read: on a live system they describe the reader's network namespace,
// so a process listening in another namespace is not found.
std::map<int, std::set<uint16_t>> FindPidsListeningOn(const Procfs& procfs,
                                                      const std::set<uint16_t>& ports);

}  // namespace hostlens::host
