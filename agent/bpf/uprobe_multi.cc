#include "agent/bpf/uprobe_multi.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace hostlens::bpf {
namespace {

// BPF_LINK_CREATE's part of union bpf_attr as of Linux 6.6 (include/uapi/linux/bpf.h).
struct LinkCreateUprobeMulti {
  uint32_t prog_fd;
  uint32_t target_fd;
  uint32_t attach_type;
  uint32_t flags;
  uint64_t path;
  uint64_t offsets;
  uint64_t ref_ctr_offsets;
  uint64_t cookies;
  uint32_t cnt;
  uint32_t multi_flags;  // BPF_F_UPROBE_MULTI_RETURN
  uint32_t pid;
};
static_assert(offsetof(LinkCreateUprobeMulti, path) == 16);
static_assert(offsetof(LinkCreateUprobeMulti, cnt) == 48);
static_assert(offsetof(LinkCreateUprobeMulti, pid) == 56);
static_assert(sizeof(bpf_attr) >= sizeof(LinkCreateUprobeMulti));

constexpr uint32_t kUprobeMultiReturn = 1;  // BPF_F_UPROBE_MULTI_RETURN

}  // namespace

int AttachUprobeMulti(int prog_fd, const std::string& path, const std::vector<uint64_t>& offsets,
                      bool ret) {
  if (offsets.empty()) return -EINVAL;
  // The kernel reads `offsets` as unsigned longs: 64-bit here (x86_64, arm64).
  static_assert(sizeof(unsigned long) == sizeof(uint64_t));
  union {
    LinkCreateUprobeMulti link;
    char attr[sizeof(bpf_attr)];
  } attr;
  std::memset(&attr, 0, sizeof(attr));
  attr.link.prog_fd = static_cast<uint32_t>(prog_fd);
  attr.link.attach_type = kAttachTypeUprobeMulti;
  attr.link.path = reinterpret_cast<uint64_t>(path.c_str());
  attr.link.offsets = reinterpret_cast<uint64_t>(offsets.data());
  attr.link.cnt = static_cast<uint32_t>(offsets.size());
  attr.link.multi_flags = ret ? kUprobeMultiReturn : 0;
  const long fd = syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
  return fd < 0 ? -errno : static_cast<int>(fd);
}

bool KernelHasUprobeMulti() {
  const bpf_insn insns[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0},  // r0 = 0
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},                   // exit
  };
  LIBBPF_OPTS(bpf_prog_load_opts, opts,
              .expected_attach_type = static_cast<bpf_attach_type>(kAttachTypeUprobeMulti));
  const int prog = bpf_prog_load(BPF_PROG_TYPE_KPROBE, nullptr, "GPL", insns, 2, &opts);
  if (prog < 0) return false;
  // "/" is a directory: a kernel that knows the link type refuses it with EBADF.
  const int link = AttachUprobeMulti(prog, "/", {0}, false);
  close(prog);
  if (link >= 0) {
    close(link);
    return false;
  }
  return link == -EBADF;
}

}  // namespace hostlens::bpf
