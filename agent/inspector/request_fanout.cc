#include "agent/inspector/request_fanout.h"

#include <string_view>

namespace hostlens::inspector {
namespace {
// Threads idle this long lose their kept queries when the thread table is full.
constexpr uint64_t kIdleThreadNs = 60ull * 1000 * 1000 * 1000;
}  // namespace

void RequestFanOut::OnQuery(uint32_t tgid, uint32_t tid, const conn::DbOperation& op) {
  if (conn::IsCache(op.system)) return;
  sql_clients_.insert(tgid);
  if (!servers_.count(tgid)) return;
  const uint64_t key = Key(tgid, tid);
  auto it = threads_.find(key);
  if (it == threads_.end()) {
    if (threads_.size() >= max_threads_) MakeRoom(op.end_ns);
    if (threads_.size() >= max_threads_) {
      ++dropped_;
      return;
    }
    it = threads_.emplace(key, Thread{}).first;
  }
  Thread& thread = it->second;
  if (thread.entries.size() >= max_queries_per_thread_) {
    thread.entries.pop_front();
    ++dropped_;
  }
  thread.entries.push_back({op.start_ns, op.end_ns, op.system, op.statement});
  thread.last_ns = op.end_ns;
}

RequestQueries RequestFanOut::OnRequest(uint32_t tgid, uint32_t tid, uint64_t start_ns,
                                        uint64_t end_ns) {
  RequestQueries result;
  auto it = threads_.find(Key(tgid, tid));
  if (it == threads_.end()) return result;
  auto& entries = it->second.entries;
  // Statement → count in this request; requests rarely make more than a few hundred queries.
  std::unordered_map<std::string_view, uint32_t> repeats;
  size_t consumed = 0;
  for (const auto& e : entries) {
    if (e.end_ns > end_ns) break;  // answered after this response: a later request's
    ++consumed;
    if (e.start_ns < start_ns) continue;  // before this request was read
    ++result.queries;
    result.db_ns += e.end_ns > e.start_ns ? e.end_ns - e.start_ns : 0;
    if (e.statement.empty()) continue;
    const uint32_t n = ++repeats[e.statement];
    if (n > result.top_count) {
      result.top_count = n;
      result.top_statement = e.statement;
      result.top_system = e.system;
    }
  }
  entries.erase(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(consumed));
  if (entries.empty()) threads_.erase(it);
  return result;
}

void RequestFanOut::OnProcessExit(uint32_t tgid) {
  servers_.erase(tgid);
  sql_clients_.erase(tgid);
  for (auto it = threads_.begin(); it != threads_.end();) {
    if (static_cast<uint32_t>(it->first >> 32) == tgid) {
      it = threads_.erase(it);
    } else {
      ++it;
    }
  }
}

void RequestFanOut::MakeRoom(uint64_t now_ns) {
  for (auto it = threads_.begin(); it != threads_.end();) {
    if (it->second.last_ns + kIdleThreadNs < now_ns) {
      dropped_.fetch_add(it->second.entries.size(), std::memory_order_relaxed);
      it = threads_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace hostlens::inspector
