#include "agent/bpf/tracefs.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstring>

namespace hostlens::bpf {
namespace {

constexpr long kTracefsMagic = 0x74726163;  // TRACEFS_MAGIC

bool IsTracefs(const char* path) {
  struct statfs fs {};
  return statfs(path, &fs) == 0 && fs.f_type == kTracefsMagic;
}

}  // namespace

std::optional<LoadError> EnsureTracefs(bool* mounted) {
  *mounted = false;
  if (IsTracefs(kTracefsPath)) return std::nullopt;
  // Older setups only have it under debugfs; libbpf looks there too.
  if (IsTracefs("/sys/kernel/debug/tracing")) return std::nullopt;
  if (mount("nodev", kTracefsPath, "tracefs", 0, nullptr) != 0) {
    return LoadError{std::string("failed to mount tracefs at ") + kTracefsPath + ": " +
                     std::strerror(errno) +
                     " (mount it yourself: mount -t tracefs nodev /sys/kernel/tracing, or run "
                     "with CAP_SYS_ADMIN)"};
  }
  *mounted = true;
  return std::nullopt;
}

}  // namespace hostlens::bpf
