#include "agent/host/procfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "agent/host/proc_text.h"

namespace hostlens::host {
namespace {

constexpr std::string_view kSocketLinkPrefix = "socket:[";

struct DirCloser {
  void operator()(DIR* dir) const { closedir(dir); }
};
using DirHandle = std::unique_ptr<DIR, DirCloser>;

class FdHandle {
 public:
  explicit FdHandle(int fd) : fd_(fd) {}
  FdHandle(const FdHandle&) = delete;
  FdHandle& operator=(const FdHandle&) = delete;
  ~FdHandle() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Names of the entries of `path` other than "." and ".."; empty if it cannot be opened.
std::vector<std::string> ListDirectory(const std::string& path) {
  std::vector<std::string> names;
  DirHandle dir(opendir(path.c_str()));
  if (!dir) return names;
  while (const dirent* entry = readdir(dir.get())) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  return names;
}

std::optional<uint64_t> SocketInodeOf(std::string_view link_target) {
  if (!link_target.starts_with(kSocketLinkPrefix) || !link_target.ends_with(']')) {
    return std::nullopt;
  }
  link_target.remove_prefix(kSocketLinkPrefix.size());
  link_target.remove_suffix(1);
  return ParseInteger<uint64_t>(link_target);
}

}  // namespace

Procfs::Procfs(std::string root) : root_(std::move(root)) {}

std::string Procfs::PathOf(std::string_view relative) const {
  std::string path = root_;
  path += '/';
  path += relative;
  return path;
}

std::optional<std::string> Procfs::ReadFile(std::string_view relative) const {
  // procfs reports st_size 0 for most files, so read until EOF instead of trusting the size.
  FdHandle fd(open(PathOf(relative).c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return std::nullopt;
  std::string contents;
  char buffer[8192];
  while (true) {
    ssize_t n = read(fd.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
  }
  return contents;
}

std::optional<std::string> Procfs::ReadLink(std::string_view relative) const {
  std::string path = PathOf(relative);
  std::string target(256, '\0');
  while (true) {
    ssize_t n = readlink(path.c_str(), target.data(), target.size());
    if (n < 0) return std::nullopt;
    // readlink truncates silently; a full buffer may mean the target is longer.
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

std::vector<int> Procfs::ListPids() const {
  std::vector<int> pids;
  for (const std::string& name : ListDirectory(root_)) {
    std::optional<int> pid = ParseInteger<int>(name);
    if (pid && *pid > 0) pids.push_back(*pid);
  }
  std::sort(pids.begin(), pids.end());
  return pids;
}

std::vector<uint64_t> Procfs::SocketInodes(int pid) const {
  std::string fd_dir = std::to_string(pid) + "/fd";
  std::vector<uint64_t> inodes;
  for (const std::string& fd : ListDirectory(PathOf(fd_dir))) {
    std::optional<std::string> target = ReadLink(fd_dir + '/' + fd);
    if (!target) continue;  // the fd was closed between listing and reading
    if (std::optional<uint64_t> inode = SocketInodeOf(*target)) inodes.push_back(*inode);
  }
  std::sort(inodes.begin(), inodes.end());
  inodes.erase(std::unique(inodes.begin(), inodes.end()), inodes.end());
  return inodes;
}

}  // namespace hostlens::host
