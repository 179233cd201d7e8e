#include "agent/protocols/postgres/match.h"

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
      break;
    }
    case 'P': {
      OpenGroup(message.first_byte_ns);
      std::string name;
      StatementText text;
      bool complete = false;
      if (!ParseParseMessage(message.payload, &name, &text.sql, &complete)) break;
      text.truncated = !complete;
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
      Pending p;
      p.kind = Kind::kSync;
      p.query.start_ns = message.first_byte_ns;
      Push(std::move(p));
      group_open_ = false;
      break;
    }
    case 'C': {
      char kind = 0;
      std::string name;
      if (!ParseCloseMessage(message.payload, &kind, &name)) break;
      if (kind == 'S') statements_.Erase(name);
      if (kind == 'P') portals_.Erase(name);
      break;
    }
    default:
      break;  // Flush, Terminate, COPY data/done/fail, FunctionCall, password/SASL
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
      std::string code = ErrorSqlState(message.payload);
      if (pending_.empty()) {
        ++unmatched_responses_;  // e.g. a FATAL during authentication
      } else if (pending_.front().kind == Kind::kExecute) {
        pending_.front().query.error_code = std::move(code);
        Complete(&pending_.front(), message.last_byte_ns);
        pending_.pop_front();
        skipping_ = true;
      } else if (pending_.front().kind == Kind::kSimple) {
        if (pending_.front().query.error_code.empty()) pending_.front().query.error_code = code;
      } else {
        skipping_ = true;  // a Parse/Bind-only batch failed
      }
      break;
    }
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
      break;
    default:
      break;  // row data, descriptions, notices, parameter status, notifications, COPY, auth
  }
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
