#pragma once

#include <mutex>
#include <set>
#include <vector>

struct bpf_link;
struct bpf_object_skeleton;

namespace hostlens::bpf {

// A BPF link: libbpf's, or a bare link fd (the uprobe_multi links libbpf 1.1 cannot make).
struct Link {
  bpf_link* libbpf = nullptr;
  int fd = -1;
  auto operator<=>(const Link&) const = default;
};

// Every link the agent attached, so that all of them can be detached at once. Detaching a
// syscall tracepoint or a uprobe waits for RCU grace periods (about 40-80 ms each on 6.18, under
// a kernel mutex for perf-event links); one at a time, the agent's 28 tracepoints and a few TLS
// libraries took 2.3 s of its stop. Together, and started as soon as the stop begins, they
// overlap with the rest of the shutdown.
class LinkSet {
 public:
  LinkSet() = default;
  ~LinkSet() { DestroyAll(); }
  LinkSet(const LinkSet&) = delete;
  LinkSet& operator=(const LinkSet&) = delete;

  // Takes over every link `skeleton` attached (left null there, so the skeleton's own destroy
  // finds nothing more to detach).
  void AdoptSkeletonLinks(bpf_object_skeleton* skeleton);
  // False once DestroyAll() has begun: the caller still owns `links`.
  bool Add(const std::vector<Link>& links);
  // Destroys those of `links` still held (one owner's, e.g. a TLS library no longer mapped).
  void Destroy(const std::vector<Link>& links);
  // Destroys every link held, together; no link is taken after it.
  void DestroyAll();
  bool closed() const;

 private:
  mutable std::mutex mu_;
  std::set<Link> links_;
  bool closed_ = false;
};

// Destroys `links` concurrently (a few dozen threads at most) and returns when all are gone.
void DestroyLinksTogether(const std::vector<Link>& links);

}  // namespace hostlens::bpf
