#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostlens::host {

// Read-only view of a procfs tree. The root is injectable so that tests and the golden test can
// point the agent at tests/fixtures/proc instead of the live /proc. Nothing here throws: a file
// that is missing or unreadable (often a process that just exited) is simply absent.
class Procfs {
 public:
  explicit Procfs(std::string root = "/proc");

  // Whole contents of root/relative, e.g. "stat" or "123/stat".
  std::optional<std::string> ReadFile(std::string_view relative) const;

  // Target of the symlink root/relative, e.g. "123/exe"; the target need not exist.
  std::optional<std::string> ReadLink(std::string_view relative) const;

  // Numeric entries of the root, ascending.
  std::vector<int> ListPids() const;

  // Inodes of the sockets the process holds open (fd links "socket:[N]"), ascending, each once.
  std::vector<uint64_t> SocketInodes(int pid) const;

  const std::string& root() const { return root_; }

 private:
  std::string PathOf(std::string_view relative) const;

  std::string root_;
};

}  // namespace hostlens::host
