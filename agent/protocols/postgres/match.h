#pragma once

// Frontend and backend messages of one connection → queries. Frontend messages queue requests
// (a simple Query, an Execute, a Sync); backend messages complete them in order:
// - 'Q' ... ReadyForQuery: one Query (the first ErrorResponse gives its SQLSTATE);
// - Execute ... CommandComplete / EmptyQueryResponse / PortalSuspended / ErrorResponse: one
//   Query each, so pipelined Executes before one Sync each end at their own completion;
// - after an ErrorResponse the server skips every message until Sync: the Executes still queued
//   at ReadyForQuery were skipped and are not reported; Executes whose completion was lost with
//   the framing (a gap) are reported, ended by the ReadyForQuery (inferred_end);
// - a batch without Execute (Parse/Describe/Sync: a prepare) that fails is one Query, with the
//   SQL of its last Parse (or Bind) and the error, ended by the ErrorResponse; unless the
//   client's next request binds that statement anyway (pgbench -M prepared), whose Execute
//   then fails and is the statement's Query;
// - COPY: from CopyInResponse / CopyBothResponse until the frontend's CopyDone / CopyFail (or
//   an ErrorResponse) the server ignores Sync, so the Syncs sent meanwhile get no ReadyForQuery
//   (libpq sends one after Execute and another after CopyDone). Every client waits for
//   CopyInResponse before sending data, so the Syncs queued when it comes are all ignored;
// - a connection that closes (after a FATAL ErrorResponse, say) ends a simple Query that had an
//   error at that error; any other request still waiting is lost.
// The SQL of each Execute comes from its portal's Bind, whose statement's Parse is remembered
// per connection in a bounded map (the unnamed statement is the last unnamed Parse).

#include <cstdint>
#include <deque>
#include <list>
#include <optional>
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
  // The connection closed: nothing more will answer what is pending.
  void OnClose();
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
    // kSync ending a batch without Execute (query: the statement it names); whether the
    // client's next request was seen, and whether it binds that statement.
    bool batch = false;
    bool next_seen = false;
    bool next_executes = false;
    uint64_t error_ns = 0;  // end of the ErrorResponse (kSimple: the first one)
  };

  void Push(Pending pending);
  void Complete(Pending* pending, uint64_t end_ns);
  void OpenGroup(uint64_t ts);
  void OnRequestAfterBatch(const Message& message);
  void OnCopyStart();

  std::deque<Pending> pending_;
  std::vector<Query> done_;
  StatementMap statements_;
  StatementMap portals_;
  bool group_open_ = false;  // Parse/Bind/Describe seen since the last Execute/Sync/Query
  uint64_t group_start_ns_ = 0;
  // The statement the open group's last Parse or Bind names (what a Sync ending the group
  // without Execute reports when the group fails).
  bool group_statement_ = false;
  std::string group_name_;
  StatementText group_text_;
  // The last request was a Sync ending a batch without Execute, named batch_name_.
  bool after_batch_ = false;
  std::string batch_name_;
  // That batch failed before the client's next request was seen.
  std::optional<Pending> failed_batch_;
  bool skipping_ = false;  // an ErrorResponse came: the rest until Sync is skipped
  bool copy_in_ = false;   // the server reads COPY data: Sync is ignored until CopyDone/CopyFail

  uint64_t evicted_statements_ = 0;
  uint64_t unknown_statements_ = 0;
  uint64_t evicted_requests_ = 0;
  uint64_t unmatched_responses_ = 0;
  uint64_t lost_responses_ = 0;
  uint64_t skipped_after_error_ = 0;
};

}  // namespace hostlens::protocols::postgres
