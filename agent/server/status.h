#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hostlens::server {

// A TLS library a process maps (its own executable included) and whether its plaintext is seen.
struct StatusTlsLibrary {
  std::string path;
  std::string library;  // openssl, gnutls, go
  std::string state;    // attached, no_symbols, unsupported, failed
  std::string reason;   // why, when not attached
  std::vector<std::string> functions;  // attached: the functions probed
};

struct StatusProcess {
  int pid = 0;
  std::string service;
  std::string exe;
  std::vector<StatusTlsLibrary> tls;
};

struct StatusProgram {
  std::string name;
  std::string section;
  std::string object;
};

struct StatusInput {
  std::string version;
  std::string kernel_release;
  std::vector<StatusProgram> programs;
  std::map<std::string, bool> kernel_features;     // probed at start: name -> present
  std::map<std::string, std::string> fallbacks;   // feature lacking -> what is used instead
  std::vector<std::string> selectors;  // empty: every process
  std::vector<StatusProcess> processes;
  std::map<std::string, uint64_t> events;  // by kind
  std::map<std::string, uint64_t> lost;    // by reason
  // The kernel's HTTP/1 fast path: whether it is on, and its outcomes so far.
  bool http_fast_path = false;
  std::map<std::string, uint64_t> http_fast_path_outcomes;
};

// Processes listed in full at most; the count is always exact.
inline constexpr size_t kStatusMaxProcesses = 1000;

// /api/v1/status body. Processes sorted by pid, at most kStatusMaxProcesses.
std::string RenderStatus(StatusInput input);

}  // namespace hostlens::server
