#include "agent/bpf/link_set.h"

#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>

namespace hostlens::bpf {
namespace {

// Grace-period waits sleep; more threads than this gain nothing measurable.
constexpr size_t kMaxDetachThreads = 32;

}  // namespace

void DestroyLinksTogether(const std::vector<Link>& links) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < links.size();) {
      if (links[i].libbpf) bpf_link__destroy(links[i].libbpf);
      if (links[i].fd >= 0) close(links[i].fd);
    }
  };
  std::vector<std::thread> threads;
  const size_t wanted = std::min(links.size(), kMaxDetachThreads);
  for (size_t i = 1; i < wanted; ++i) {
    try {
      threads.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no thread to spare: fewer at a time is still correct
    }
  }
  work();
  for (auto& thread : threads) thread.join();
}

void LinkSet::AdoptSkeletonLinks(bpf_object_skeleton* skeleton) {
  std::vector<Link> links;
  for (int i = 0; i < skeleton->prog_cnt; ++i) {
    // Entries are prog_skel_sz apart: libbpf may know more fields than the skeleton.
    auto* prog = reinterpret_cast<bpf_prog_skeleton*>(reinterpret_cast<char*>(skeleton->progs) +
                                                      i * skeleton->prog_skel_sz);
    if (!prog->link || !*prog->link) continue;
    links.push_back({.libbpf = *prog->link});
    *prog->link = nullptr;
  }
  if (!Add(links)) DestroyLinksTogether(links);
}

bool LinkSet::Add(const std::vector<Link>& links) {
  std::lock_guard lock(mu_);
  if (closed_) return false;
  links_.insert(links.begin(), links.end());
  return true;
}

void LinkSet::Destroy(const std::vector<Link>& links) {
  std::vector<Link> held;
  {
    std::lock_guard lock(mu_);
    for (const Link& link : links) {
      if (links_.erase(link)) held.push_back(link);
    }
  }
  DestroyLinksTogether(held);
}

void LinkSet::DestroyAll() {
  std::vector<Link> held;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    held.assign(links_.begin(), links_.end());
    links_.clear();
  }
  DestroyLinksTogether(held);
}

bool LinkSet::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

}  // namespace hostlens::bpf
