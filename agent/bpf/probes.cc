#include "agent/bpf/probes.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string_view>

#include "agent/bpf/link_set.h"
#include "agent/bpf/preflight.h"
#include "agent/bpf/uprobe_multi.h"
#include "process.skel.h"
#include "data.skel.h"
#include "go_tls.skel.h"
#include "sockets.skel.h"
#include "tls.skel.h"

namespace hostlens::bpf {
namespace {

void CollectPrograms(bpf_object* obj, const char* object_name, std::vector<AttachedProgram>* out) {
  bpf_program* prog;
  bpf_object__for_each_program(prog, obj) {
    // Programs a fallback choice left out are not loaded: not listed either.
    if (!bpf_program__autoload(prog)) continue;
    out->push_back({bpf_program__name(prog), bpf_program__section_name(prog), object_name});
  }
}

// Elements of the tracked_bytes map for this kernel's pid_max (64 pids each); the largest
// pid_max Linux allows when it cannot be read.
uint32_t TrackedByteEntries() {
  uint64_t pid_max = 4194304;
  std::ifstream in("/proc/sys/kernel/pid_max");
  uint64_t value = 0;
  if (in >> value && value > 0 && value <= pid_max) pid_max = value;
  return static_cast<uint32_t>((pid_max + HL_TRACKED_BYTES_PER_ENTRY - 1) /
                               HL_TRACKED_BYTES_PER_ENTRY);
}

// Makes every map of `obj` that `owner` also has use the owner's map.
int ReuseSharedMaps(bpf_object* owner, bpf_object* obj) {
  bpf_map* map;
  bpf_object__for_each_map(map, obj) {
    const char* name = bpf_map__name(map);
    if (std::strchr(name, '.')) continue;  // .rodata, .bss: per object
    bpf_map* shared = bpf_object__find_map_by_name(owner, name);
    if (!shared) continue;
    int err = bpf_map__reuse_fd(map, bpf_map__fd(shared));
    if (err) return err;
  }
  return 0;
}

// The programs of an object attached per file by AttachTls: made for uprobe_multi links.
void ExpectUprobeMulti(bpf_object* obj) {
  bpf_program* prog;
  bpf_object__for_each_program(prog, obj) {
    bpf_program__set_expected_attach_type(prog,
                                          static_cast<bpf_attach_type>(kAttachTypeUprobeMulti));
  }
}

// One program at one offset of a file.
struct UprobeSite {
  bpf_program* prog = nullptr;
  uint64_t offset = 0;
  bool ret = false;  // a uretprobe
  const std::string* symbol = nullptr;
};

}  // namespace

std::variant<std::unique_ptr<Probes>, LoadError> Probes::Load(const ProbeConfig& config) {
  std::unique_ptr<Probes> probes(new Probes());
  probes->features_ = ProbeKernelFeatures();
  if (auto missing = MissingRequiredFeature(probes->features_)) return *missing;
  const FeatureChoice choice = ChooseFeatures(probes->features_, config.without_features);
  probes->fallbacks_ = choice.fallbacks;

  probes->process_ = hl_process__open();
  if (!probes->process_) return DescribeBpfFailure("open BPF object process", -errno);
  auto* process = probes->process_;
  process->rodata->targ_exec_pending = config.exec_pending;
  process->rodata->targ_port_selectors = !config.listen_ports.empty();
  process->rodata->targ_self_tgid = config.self_tgid;
  bpf_map__set_max_entries(process->maps.events, config.ring_buffer_bytes);
  bpf_map__set_max_entries(process->maps.tracked, config.max_tracked_processes);
  bpf_map__set_max_entries(process->maps.tracked_bytes, TrackedByteEntries());
  if (int err = hl_process__load(process)) return DescribeBpfFailure("load BPF object process", err);
  probes->tracked_bytes_size_ =
      static_cast<size_t>(bpf_map__max_entries(process->maps.tracked_bytes)) *
      sizeof(hl_tracked_bytes);
  void* bytes = mmap(nullptr, probes->tracked_bytes_size_, PROT_READ | PROT_WRITE, MAP_SHARED,
                     bpf_map__fd(process->maps.tracked_bytes), 0);
  if (bytes == MAP_FAILED) return DescribeBpfFailure("map tracked_bytes", -errno);
  probes->tracked_bytes_ = static_cast<uint8_t*>(bytes);

  for (const auto& [port, selector] : config.listen_ports) {
    if (bpf_map_update_elem(bpf_map__fd(process->maps.listen_ports), &port, &selector, BPF_ANY)) {
      return DescribeBpfFailure("configure port selector " + std::to_string(port), -errno);
    }
  }

  probes->sockets_ = hl_sockets__open();
  if (!probes->sockets_) return DescribeBpfFailure("open BPF object sockets", -errno);
  if (int err = ReuseSharedMaps(process->obj, probes->sockets_->obj)) {
    return DescribeBpfFailure("share maps with BPF object sockets", err);
  }
  if (int err = hl_sockets__load(probes->sockets_)) {
    return DescribeBpfFailure("load BPF object sockets", err);
  }

  probes->data_ = hl_data__open();
  if (!probes->data_) return DescribeBpfFailure("open BPF object data", -errno);
  probes->data_->rodata->targ_capture_bytes = config.capture_bytes;
  probes->data_->rodata->targ_task_storage = choice.task_storage;
  probes->data_->rodata->targ_http_fast = config.http_fast_path;
  probes->data_->rodata->targ_exit_args = choice.task_pt_regs;
  if (choice.task_pt_regs) {
    // The exit programs read the arguments themselves: no enter program, no call kept.
    bpf_program* program = nullptr;
    bpf_object__for_each_program(program, probes->data_->obj) {
      if (std::string_view(bpf_program__section_name(program)).find("/sys_enter_") !=
          std::string_view::npos) {
        bpf_program__set_autoload(program, false);
      }
    }
    bpf_map__set_autocreate(probes->data_->maps.io_calls, false);
    bpf_map__set_autocreate(probes->data_->maps.io_calls_by_thread, false);
  } else {
    // Only the map of the variant kept: a kernel without task storage cannot create io_calls.
    bpf_map__set_autocreate(choice.task_storage ? probes->data_->maps.io_calls_by_thread
                                                : probes->data_->maps.io_calls,
                            false);
  }
  if (int err = ReuseSharedMaps(process->obj, probes->data_->obj)) {
    return DescribeBpfFailure("share maps with BPF object data", err);
  }
  if (int err = hl_data__load(probes->data_)) return DescribeBpfFailure("load BPF object data", err);

  // The TLS programs are attached per library file (AttachTls), not here.
  probes->tls_ = hl_tls__open();
  if (!probes->tls_) return DescribeBpfFailure("open BPF object tls", -errno);
  probes->tls_->rodata->targ_capture_bytes = config.capture_bytes;
  probes->uprobe_multi_ = choice.uprobe_multi;
  if (choice.uprobe_multi) ExpectUprobeMulti(probes->tls_->obj);
  if (int err = ReuseSharedMaps(process->obj, probes->tls_->obj)) {
    return DescribeBpfFailure("share maps with BPF object tls", err);
  }
  if (int err = hl_tls__load(probes->tls_)) return DescribeBpfFailure("load BPF object tls", err);

  // Go's crypto/tls, attached per Go executable alike.
  probes->go_tls_ = hl_go_tls__open();
  if (!probes->go_tls_) return DescribeBpfFailure("open BPF object go_tls", -errno);
  probes->go_tls_->rodata->targ_capture_bytes = config.capture_bytes;
  if (choice.uprobe_multi) ExpectUprobeMulti(probes->go_tls_->obj);
  if (int err = ReuseSharedMaps(process->obj, probes->go_tls_->obj)) {
    return DescribeBpfFailure("share maps with BPF object go_tls", err);
  }
  if (int err = hl_go_tls__load(probes->go_tls_)) {
    return DescribeBpfFailure("load BPF object go_tls", err);
  }

  if (int err = hl_process__attach(process)) {
    return DescribeBpfFailure("attach BPF programs of process", err);
  }
  if (int err = hl_sockets__attach(probes->sockets_)) {
    return DescribeBpfFailure("attach BPF programs of sockets", err);
  }
  if (int err = hl_data__attach(probes->data_)) {
    return DescribeBpfFailure("attach BPF programs of data", err);
  }
  for (bpf_object_skeleton* skeleton :
       {process->skeleton, probes->sockets_->skeleton, probes->data_->skeleton}) {
    probes->links_->AdoptSkeletonLinks(skeleton);
  }
  CollectPrograms(process->obj, "process", &probes->programs_);
  CollectPrograms(probes->sockets_->obj, "sockets", &probes->programs_);
  CollectPrograms(probes->data_->obj, "data", &probes->programs_);
  // Loaded now, attached to each TLS library file as it is found.
  CollectPrograms(probes->tls_->obj, "tls", &probes->programs_);
  CollectPrograms(probes->go_tls_->obj, "go_tls", &probes->programs_);
  return probes;
}

Probes::~Probes() {
  links_->DestroyAll();
  if (tracked_bytes_) munmap(tracked_bytes_, tracked_bytes_size_);
  // The others reuse the process object's maps, so they go first.
  hl_go_tls__destroy(go_tls_);
  hl_tls__destroy(tls_);
  hl_data__destroy(data_);
  hl_sockets__destroy(sockets_);
  hl_process__destroy(process_);
}

int Probes::events_fd() const { return bpf_map__fd(process_->maps.events); }
int Probes::tracked_fd() const { return bpf_map__fd(process_->maps.tracked); }

bool Probes::Track(uint32_t tgid, uint32_t selector) {
  hl_tracked value{selector, HL_TRACK_ON};
  if (bpf_map_update_elem(tracked_fd(), &tgid, &value, BPF_ANY) != 0) return false;
  // One byte, stored once: the kernel stores the other bytes of the element meanwhile.
  if (tgid < tracked_bytes_size_) __atomic_store_n(&tracked_bytes_[tgid], 1, __ATOMIC_RELEASE);
  return true;
}

void Probes::Untrack(uint32_t tgid) {
  bpf_map_delete_elem(tracked_fd(), &tgid);
  if (tgid < tracked_bytes_size_) __atomic_store_n(&tracked_bytes_[tgid], 0, __ATOMIC_RELEASE);
}

void Probes::IgnoreConnection(uint32_t tgid, int32_t fd, uint64_t generation, bool tls_too) {
  const int map = bpf_map__fd(process_->maps.conns);
  hl_conn_key key{tgid, fd};
  hl_conn_info info{};
  if (bpf_map_lookup_elem(map, &key, &info) != 0 || info.generation != generation) return;
  info.ignored = 1;
  if (tls_too) info.tls_ignored = 1;
  bpf_map_update_elem(map, &key, &info, BPF_EXIST);
}

void Probes::ForgetConnection(uint32_t tgid, int32_t fd) {
  hl_conn_key key{tgid, fd};
  bpf_map_delete_elem(bpf_map__fd(process_->maps.conns), &key);
  bpf_map_delete_elem(bpf_map__fd(process_->maps.http_pending), &key);
}

void Probes::RearmHttpFast(uint32_t tgid, int32_t fd, uint64_t generation, uint32_t seq) {
  hl_conn_key key{tgid, fd};
  hl_http_rearm value{generation, seq, 0};
  bpf_map_update_elem(bpf_map__fd(process_->maps.http_rearm), &key, &value, BPF_ANY);
}

std::array<uint64_t, HL_FAST_OUTCOME_MAX> Probes::ReadFastOutcomes() const {
  std::array<uint64_t, HL_FAST_OUTCOME_MAX> out{};
  const int map = bpf_map__fd(process_->maps.fast_outcomes);
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return out;
  std::vector<uint64_t> values(static_cast<size_t>(cpus));
  for (uint32_t i = 0; i < HL_FAST_OUTCOME_MAX; ++i) {
    if (bpf_map_lookup_elem(map, &i, values.data()) != 0) continue;
    for (uint64_t v : values) out[i] += v;
  }
  return out;
}

std::vector<MapFill> Probes::ReadMapFill() const {
  std::vector<MapFill> out;
  for (const bpf_object* obj :
       {process_->obj, sockets_->obj, data_->obj, tls_->obj, go_tls_->obj}) {
    const bpf_map* map = nullptr;
    bpf_object__for_each_map(map, obj) {
      const bpf_map_type type = bpf_map__type(map);
      if (type != BPF_MAP_TYPE_HASH && type != BPF_MAP_TYPE_LRU_HASH &&
          type != BPF_MAP_TYPE_PERCPU_HASH && type != BPF_MAP_TYPE_LRU_PERCPU_HASH) {
        continue;  // arrays are always full, the ring buffer has its own loss counter
      }
      const int fd = bpf_map__fd(map);
      const std::string name = bpf_map__name(map);
      if (fd < 0 || std::any_of(out.begin(), out.end(),
                                [&](const MapFill& m) { return m.name == name; })) {
        continue;  // not created (a fallback's), or shared and counted already
      }
      MapFill fill{name, 0, bpf_map__max_entries(map)};
      std::vector<char> key(bpf_map__key_size(map)), next(key.size());
      const void* previous = nullptr;
      // Bounded: entries deleted meanwhile make the walk start again from the first key.
      while (fill.entries < fill.max_entries &&
             bpf_map_get_next_key(fd, previous, next.data()) == 0) {
        ++fill.entries;
        key.swap(next);
        previous = key.data();
      }
      out.push_back(std::move(fill));
    }
  }
  return out;
}

void Probes::DetachAll() { links_->DestroyAll(); }

TlsLinks::~TlsLinks() { set_->Destroy(links_); }

std::variant<std::unique_ptr<TlsLinks>, LoadError> Probes::AttachTls(
    const std::string& path, const std::vector<TlsProbe>& probes) {
  if (links_->closed()) {
    return LoadError{"not attaching uprobes to " + path + ": the agent is stopping"};
  }
  std::vector<Link> links;
  auto fail = [&](const std::string& what, int err) {
    DestroyLinksTogether(links);
    return DescribeBpfFailure(what, err);
  };
  auto entry_program = [this](const TlsProbe& probe) {
    if (probe.go) {
      return probe.write ? go_tls_->progs.go_tls_write_enter : go_tls_->progs.go_tls_read_enter;
    }
    if (probe.handshake) return tls_->progs.tls_handshake_enter;
    return probe.ex ? (probe.write ? tls_->progs.tls_write_ex_enter : tls_->progs.tls_read_ex_enter)
                    : (probe.write ? tls_->progs.tls_write_enter : tls_->progs.tls_read_enter);
  };
  std::vector<UprobeSite> sites;
  for (const TlsProbe& probe : probes) {
    sites.push_back({entry_program(probe), probe.file_offset, false, &probe.symbol});
  }
  for (const TlsProbe& probe : probes) {
    if (!probe.go) {
      sites.push_back({tls_->progs.tls_exit, probe.file_offset, true, &probe.symbol});
      continue;
    }
    // Go: a plain uprobe on each RET, never a uretprobe.
    for (uint64_t at : probe.return_offsets) {
      sites.push_back({go_tls_->progs.go_tls_return, at, false, &probe.symbol});
    }
  }
  if (uprobe_multi_) {
    // One link per program, with all its offsets, in the order of `sites`.
    std::vector<std::pair<const UprobeSite*, std::vector<uint64_t>>> groups;
    for (const UprobeSite& site : sites) {
      auto group = std::find_if(groups.begin(), groups.end(),
                                [&](const auto& g) { return g.first->prog == site.prog; });
      if (group == groups.end()) group = groups.insert(groups.end(), {&site, {}});
      group->second.push_back(site.offset);
    }
    for (const auto& [site, at] : groups) {
      const int fd = AttachUprobeMulti(bpf_program__fd(site->prog), path, at, site->ret);
      if (fd < 0) {
        return fail(std::string("attach uprobe_multi ") + bpf_program__name(site->prog) + " in " +
                        path,
                    fd);
      }
      links.push_back({.fd = fd});
    }
  } else {
    for (const UprobeSite& site : sites) {
      LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = site.ret);
      bpf_link* link =
          bpf_program__attach_uprobe_opts(site.prog, -1, path.c_str(), site.offset, &opts);
      if (!link) return fail("attach uprobe " + *site.symbol + " in " + path, -errno);
      links.push_back({.libbpf = link});
    }
  }
  if (!links_->Add(links)) return fail("keep uprobes of " + path + " (stopping)", -ECANCELED);
  return std::make_unique<TlsLinks>(links_, std::move(links));
}

std::array<uint64_t, HL_CNT_MAX> Probes::ReadCounters() const {
  std::array<uint64_t, HL_CNT_MAX> totals{};
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return totals;
  std::vector<uint64_t> per_cpu(cpus);
  const int fd = bpf_map__fd(process_->maps.counters);
  for (uint32_t i = 0; i < HL_CNT_MAX; ++i) {
    if (bpf_map_lookup_elem(fd, &i, per_cpu.data()) != 0) continue;
    for (uint64_t v : per_cpu) totals[i] += v;
  }
  return totals;
}

}  // namespace hostlens::bpf
