#pragma once

// Frontend and backend messages of one connection → queries. Frontend messages queue requests
// (a simple Query, an Execute, a Sync); backend messages complete them in order:
// - 'Q' ... ReadyForQuery: one Query (the first ErrorResponse gives its SQLSTATE);
// - Execute ... CommandComplete / EmptyQueryResponse / PortalSuspended / ErrorResponse: one
//   Query each, so pipelined Executes before one Sync each end at their own completion;
// - after an ErrorResponse the server skips every message until Sync: the Executes still queued
//   at ReadyForQuery were skipped and are not reported; Executes whose completion was lost with
//   the framing (a gap) are reported, ended by the ReadyForQuery (inferred_end).
// The SQL of each Execute comes from its portal's Bind, whose statement's Parse is remembered
// per connection in a bounded map (the unnamed statement is the last unnamed Parse).

#include <cstdint>
#include <deque>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/protocols/postgres/limits.h"
#include "agent/protocols/postgres/types.h"

namespace hostlens::protocols::postgres {

struct StatementText {
  std::string sql;
  bool truncated = false;
  bool prepared = false;  // portals: bound to a named statement
};

// name → statement text, at most kMaxStatements entries; the least recently stored goes first.
class StatementMap {
 public:
  // Returns whether an entry was evicted to make room.
  bool Put(const std::string& name, StatementText text);
  const StatementText* Find(const std::string& name) const;
  void Erase(const std::string& name);
  size_t size() const { return map_.size(); }

 private:
  std::list<std::string> order_;
  std::unordered_map<std::string, std::pair<StatementText, std::list<std::string>::iterator>> map_;
};

class Matcher {
 public:
  void OnFrontend(const Message& message);
  void OnBackend(const Message& message);
  std::vector<Query> TakeQueries();

  size_t pending() const { return pending_.size(); }
  size_t statements() const { return statements_.size() + portals_.size(); }
  // Fills the matcher's counters into *stats.
  void AddStats(StreamStats* stats) const;

 private:
  enum class Kind { kSimple, kExecute, kSync };
  struct Pending {
    Kind kind = Kind::kSync;
    Query query;
  };

  void Push(Pending pending);
  void Complete(Pending* pending, uint64_t end_ns);
  void OpenGroup(uint64_t ts);

  std::deque<Pending> pending_;
  std::vector<Query> done_;
  StatementMap statements_;
  StatementMap portals_;
  bool group_open_ = false;  // Parse/Bind/Describe seen since the last Execute/Sync/Query
  uint64_t group_start_ns_ = 0;
  bool skipping_ = false;  // an ErrorResponse came: the rest until Sync is skipped

  uint64_t evicted_statements_ = 0;
  uint64_t unknown_statements_ = 0;
  uint64_t evicted_requests_ = 0;
  uint64_t unmatched_responses_ = 0;
  uint64_t lost_responses_ = 0;
  uint64_t skipped_after_error_ = 0;
};

}  // namespace hostlens::protocols::postgres
