#include "agent/protocols/postgres/match.h"

#include <iterator>
#include <utility>

#include "agent/protocols/postgres/parse.h"

namespace hostlens::protocols::postgres {

bool StatementMap::Put(const std::string& name, StatementText text) {
  auto it = map_.find(name);
  if (it != map_.end()) {
    it->second.first = std::move(text);
    order_.splice(order_.end(), order_, it->second.second);
    return false;
  }
  bool evicted = false;
  if (map_.size() >= kMaxStatements) {
    map_.erase(order_.front());
    order_.pop_front();
    evicted = true;
  }
  order_.push_back(name);
  map_.emplace(name, std::make_pair(std::move(text), std::prev(order_.end())));
  return evicted;
}

const StatementText* StatementMap::Find(const std::string& name) const {
  auto it = map_.find(name);
  return it == map_.end() ? nullptr : &it->second.first;
}

void StatementMap::Erase(const std::string& name) {
  auto it = map_.find(name);
  if (it == map_.end()) return;
  order_.erase(it->second.second);
  map_.erase(it);
}

void Matcher::OpenGroup(uint64_t ts) {
  if (!group_open_) {
    group_open_ = true;
    group_start_ns_ = ts;
  }
}

void Matcher::Push(Pending pending) {
  if (pending_.size() >= kMaxPending) {
    pending_.pop_front();
    ++evicted_requests_;
  }
  pending_.push_back(std::move(pending));
}

void Matcher::OnFrontend(const Message& message) {
  if (after_batch_) OnRequestAfterBatch(message);
  switch (message.type) {
    case 'Q': {
      Pending p;
      p.kind = Kind::kSimple;
      bool complete = false;
      ParseQueryMessage(message.payload, &p.query.sql, &complete);
      p.query.sql_truncated = !complete;
      p.query.start_ns = message.first_byte_ns;
      Push(std::move(p));
      group_open_ = false;
      group_statement_ = false;
      break;
    }
    case 'P': {
      OpenGroup(message.first_byte_ns);
      std::string name;
      StatementText text;
      bool complete = false;
      if (!ParseParseMessage(message.payload, &name, &text.sql, &complete)) break;
      text.truncated = !complete;
      text.prepared = !name.empty();
      group_statement_ = true;
      group_name_ = name;
      group_text_ = text;
      if (statements_.Put(name, std::move(text))) ++evicted_statements_;
      break;
    }
    case 'B': {
      OpenGroup(message.first_byte_ns);
      std::string portal, statement;
      if (!ParseBindMessage(message.payload, &portal, &statement)) break;
      StatementText text;
      if (const StatementText* s = statements_.Find(statement)) {
        text = *s;
      } else {
        ++unknown_statements_;
        text.truncated = true;
      }
      text.prepared = !statement.empty();
      group_statement_ = true;
      group_name_ = statement;
      group_text_ = text;
      if (portals_.Put(portal, std::move(text))) ++evicted_statements_;
      break;
    }
    case 'D':
      OpenGroup(message.first_byte_ns);
      break;
    case 'E': {
      Pending p;
      p.kind = Kind::kExecute;
      p.query.extended = true;
      p.query.start_ns = group_open_ ? group_start_ns_ : message.first_byte_ns;
      group_open_ = false;
      group_statement_ = false;
      std::string portal;
      const StatementText* text = nullptr;
      if (ParseExecuteMessage(message.payload, &portal)) text = portals_.Find(portal);
      if (text != nullptr) {
        p.query.sql = text->sql;
        p.query.sql_truncated = text->truncated;
        p.query.prepared = text->prepared;
      } else {
        ++unknown_statements_;
        p.query.sql_truncated = true;
      }
      Push(std::move(p));
      break;
    }
    case 'S': {
      if (copy_in_) break;  // the server ignores it
      Pending p;
      p.kind = Kind::kSync;
      p.query.start_ns = group_open_ ? group_start_ns_ : message.first_byte_ns;
      if (group_statement_) {
        p.batch = true;
        p.query.sql = std::move(group_text_.sql);
        p.query.sql_truncated = group_text_.truncated;
        p.query.prepared = group_text_.prepared;
        p.query.extended = true;
        after_batch_ = true;
        batch_name_ = std::move(group_name_);
      }
      Push(std::move(p));
      group_open_ = false;
      group_statement_ = false;
      break;
    }
    case 'c':  // CopyDone
    case 'f':  // CopyFail
      copy_in_ = false;
      break;
    case 'C': {
      char kind = 0;
      std::string name;
      if (!ParseCloseMessage(message.payload, &kind, &name)) break;
      if (kind == 'S') statements_.Erase(name);
      if (kind == 'P') portals_.Erase(name);
      break;
    }
    default:
      break;  // Flush, Terminate, CopyData, FunctionCall, password/SASL
  }
}

void Matcher::Complete(Pending* pending, uint64_t end_ns) {
  pending->query.end_ns = end_ns;
  if (done_.size() >= kMaxPending) {  // nobody is taking them: keep the newest
    done_.erase(done_.begin());
    ++evicted_requests_;
  }
  done_.push_back(std::move(pending->query));
}

void Matcher::OnBackend(const Message& message) {
  switch (message.type) {
    case 'C':
    case 'I':
    case 's':
      if (!pending_.empty() && pending_.front().kind == Kind::kExecute) {
        Complete(&pending_.front(), message.last_byte_ns);
        pending_.pop_front();
      } else if (pending_.empty() || pending_.front().kind != Kind::kSimple) {
        ++unmatched_responses_;
      }
      break;
    case 'E': {
      copy_in_ = false;
      std::string code = ErrorSqlState(message.payload);
      if (pending_.empty()) {
        // A FATAL with nothing asked (authentication failed, pg_terminate_backend on an idle
        // connection) is the server closing, not a response.
        if (!IsFatalError(message.payload)) ++unmatched_responses_;
        break;
      }
      Pending& front = pending_.front();
      if (front.kind == Kind::kExecute) {
        front.query.error_code = std::move(code);
        Complete(&front, message.last_byte_ns);
        pending_.pop_front();
        skipping_ = true;
      } else if (front.kind == Kind::kSimple) {
        if (front.query.error_code.empty()) {
          front.query.error_code = std::move(code);
          front.error_ns = message.last_byte_ns;
        }
      } else {
        if (front.batch) {  // a batch without Execute (a prepare) failed
          front.batch = false;
          front.query.error_code = std::move(code);
          front.error_ns = message.last_byte_ns;
          if (!front.next_seen) {
            Pending failed;  // assigned, not emplace()d: clang rejects that for a nested type
            failed.query = std::move(front.query);
            failed.error_ns = front.error_ns;
            failed_batch_ = std::move(failed);
          } else if (!front.next_executes) {
            Complete(&front, front.error_ns);
          }
        }
        skipping_ = true;
      }
      break;
    }
    case 'G':  // CopyInResponse
    case 'W':  // CopyBothResponse
      OnCopyStart();
      break;
    case 'Z':
      while (!pending_.empty() && pending_.front().kind == Kind::kExecute) {
        if (skipping_) {
          ++skipped_after_error_;
        } else {
          ++lost_responses_;
          pending_.front().query.inferred_end = true;
          Complete(&pending_.front(), message.last_byte_ns);
        }
        pending_.pop_front();
      }
      if (!pending_.empty()) {
        if (pending_.front().kind == Kind::kSimple) {
          pending_.front().query.inferred_end = message.inferred;
          Complete(&pending_.front(), message.last_byte_ns);
        }
        pending_.pop_front();
      }
      skipping_ = false;
      copy_in_ = false;
      break;
    default:
      break;  // row data, descriptions, notices, parameter status, notifications, COPY, auth
  }
}

// The client's first request after a Sync ending a batch without Execute: whether it binds the
// batch's statement anyway (pgbench -M prepared does, after a failed Parse), in which case that
// Execute's error reports the statement and the failed batch is not a Query of its own.
void Matcher::OnRequestAfterBatch(const Message& message) {
  after_batch_ = false;
  std::string portal, statement;
  bool executes = message.type == 'B' &&
                  ParseBindMessage(message.payload, &portal, &statement) &&
                  statement == batch_name_;
  if (failed_batch_) {  // the batch failed already
    if (!executes) Complete(&*failed_batch_, failed_batch_->error_ns);
    failed_batch_.reset();
  } else if (!pending_.empty() && pending_.back().batch) {  // its Sync, still unanswered
    pending_.back().next_seen = true;
    pending_.back().next_executes = executes;
  }
}

void Matcher::OnCopyStart() {
  if (pending_.empty() || pending_.front().kind == Kind::kSync) return;
  copy_in_ = true;
  // Sent after the COPY's Execute, read by the server during copy-in: ignored.
  auto first_sync = std::next(pending_.begin());
  auto end = first_sync;
  while (end != pending_.end() && end->kind == Kind::kSync) ++end;
  pending_.erase(first_sync, end);
}

void Matcher::OnClose() {
  for (Pending& p : pending_) {
    if (p.kind == Kind::kSimple && !p.query.error_code.empty()) {
      Complete(&p, p.error_ns);  // a FATAL error, then the server closed
    } else if (p.kind != Kind::kSync) {
      ++lost_responses_;
    }
  }
  pending_.clear();
  if (failed_batch_) Complete(&*failed_batch_, failed_batch_->error_ns);
  failed_batch_.reset();
  after_batch_ = false;
  skipping_ = false;
  copy_in_ = false;
}

std::vector<Query> Matcher::TakeQueries() {
  std::vector<Query> out;
  out.swap(done_);
  return out;
}

void Matcher::AddStats(StreamStats* stats) const {
  stats->evicted_statements += evicted_statements_;
  stats->unknown_statements += unknown_statements_;
  stats->evicted_requests += evicted_requests_;
  stats->unmatched_responses += unmatched_responses_;
  stats->lost_responses += lost_responses_;
  stats->skipped_after_error += skipped_after_error_;
}

}  // namespace hostlens::protocols::postgres
