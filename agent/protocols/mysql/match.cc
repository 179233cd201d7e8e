#include "agent/protocols/mysql/match.h"

#include <algorithm>
#include <utility>

#include "agent/protocols/mysql/parse.h"

namespace hostlens::protocols::mysql {

bool StatementMap::Put(uint32_t id, StatementText text) {
  auto it = map_.find(id);
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
  order_.push_back(id);
  map_.emplace(id, std::make_pair(std::move(text), std::prev(order_.end())));
  return evicted;
}

const StatementText* StatementMap::Find(uint32_t id) const {
  auto it = map_.find(id);
  return it == map_.end() ? nullptr : &it->second.first;
}

void StatementMap::Erase(uint32_t id) {
  auto it = map_.find(id);
  if (it == map_.end()) return;
  order_.erase(it->second.second);
  map_.erase(it);
}

namespace {

int FirstByte(const Packet& packet) {
  return packet.payload.empty() ? -1 : static_cast<uint8_t>(packet.payload[0]);
}

// The SQL after a COM_QUERY / COM_STMT_PREPARE command byte.
StatementText CommandSql(const Packet& packet) {
  StatementText text;
  std::string_view payload = packet.payload;
  text.sql.assign(payload.substr(1, kMaxSqlBytes));
  text.truncated = packet.payload_length - 1 > text.sql.size();
  return text;
}

bool ReturnsResultSet(uint8_t command) {
  return command == kComQuery || command == kComStmtExecute || command == kComStmtBulkExecute ||
         command == kComProcessInfo;
}

}  // namespace

void Matcher::Push(Pending pending) {
  if (pending_.size() >= kMaxPending) {
    pending_.pop_front();
    ++evicted_requests_;
  }
  pending_.push_back(std::move(pending));
}

void Matcher::OnClient(const Packet& packet, uint64_t last_server_ns) {
  if (packet.continuation) return;  // the rest of a command longer than 16 MiB
  if (sending_file_) {
    // LOCAL INFILE contents, ended by an empty packet. Their sequence ids run on from the
    // request's and wrap past 255 (to 0, like a command's): only the empty packet ends them.
    if (packet.payload_length == 0) sending_file_ = false;
    return;
  }
  if (phase_ == Phase::kHandshake && handshake_response_seq_ != 0 &&
      packet.seq == handshake_response_seq_) {
    uint32_t caps = 0;
    bool ssl = false;
    if (!ParseHandshakeResponse(packet.payload, packet.payload_length, &caps, &ssl)) return;
    if (ssl && handshake_response_seq_ == 1) {
      ssl_requested_ = true;
      return;  // the flags that count come again in the handshake response, inside TLS
    }
    handshake_response_seq_ = 0;
    if (!(caps & kClientDeprecateEof)) {
      deprecate_eof_ = DeprecateEof::kOff;
    } else if (server_caps_known_) {
      deprecate_eof_ =
          (server_caps_ & kClientDeprecateEof) ? DeprecateEof::kOn : DeprecateEof::kOff;
    }
    return;
  }
  // Other packets than commands: auth data, LOCAL INFILE contents.
  if (packet.seq != 0 || packet.payload.empty()) return;
  OnCommand(packet, last_server_ns);
}

void Matcher::OnCommand(const Packet& packet, uint64_t last_server_ns) {
  phase_ = Phase::kCommand;
  swallow_eof_ = false;
  while (!pending_.empty() && pending_.front().reply == Reply::kUnknown) {
    ++lost_responses_;
    pending_.front().query.inferred_end = true;
    Complete(&pending_.front(), last_server_ns);
    pending_.pop_front();
  }
  Pending p;
  p.command = static_cast<uint8_t>(packet.payload[0]);
  p.query.start_ns = packet.first_byte_ns;
  switch (p.command) {
    case kComQuery: {
      StatementText text = CommandSql(packet);
      p.report = true;
      p.query.sql = std::move(text.sql);
      p.query.sql_truncated = text.truncated;
      break;
    }
    case kComStmtPrepare: {
      last_prepare_ = CommandSql(packet);
      p.query.sql = last_prepare_.sql;
      p.query.sql_truncated = last_prepare_.truncated;
      p.query.prepared = true;
      break;
    }
    case kComStmtExecute:
    case kComStmtBulkExecute: {
      p.report = true;
      p.query.prepared = true;
      uint32_t id = 0;
      const StatementText* text = nullptr;
      if (ParseStatementId(packet.payload, &id)) {
        text = id == kLastPreparedStatement ? &last_prepare_ : statements_.Find(id);
      }
      if (text != nullptr) {
        p.query.sql = text->sql;
        p.query.sql_truncated = text->truncated;
      } else {
        ++unknown_statements_;
        p.query.sql_truncated = true;
      }
      break;
    }
    case kComStmtClose: {
      uint32_t id = 0;
      if (ParseStatementId(packet.payload, &id)) statements_.Erase(id);
      return;  // no response
    }
    case kComQuit:
    case kComStmtSendLongData:
      return;  // no response
    case kComChangeUser:
      phase_ = Phase::kHandshake;  // an authentication exchange ending with OK or ERR
      return;
    case kComStmtFetch:
      p.reply = Reply::kRows;
      break;
    default:
      break;  // ping, init db, statistics, ...: not queries, but their replies must be consumed
  }
  Push(std::move(p));
}

void Matcher::StartTls() {
  ssl_requested_ = false;
  handshake_response_seq_ = 2;
}

void Matcher::OnHandshakeServer(const Packet& packet) {
  int first = FirstByte(packet);
  if (first == 0x00 || first == 0xff) phase_ = Phase::kCommand;
  // Otherwise an auth switch request (0xfe) or more auth data (0x01).
}

void Matcher::OnServer(const Packet& packet) {
  if (phase_ == Phase::kStart) {
    uint32_t caps = 0;
    if (packet.seq == 0 && !packet.inferred && ParseServerGreeting(packet.payload, &caps)) {
      server_caps_ = caps;
      server_caps_known_ = true;
      phase_ = Phase::kHandshake;
      return;
    }
    phase_ = Phase::kCommand;  // attached to a connection in use
  }
  if (phase_ == Phase::kHandshake) {
    OnHandshakeServer(packet);
    return;
  }
  if (packet.continuation) return;  // the rest of a row longer than 16 MiB
  // The server answers a LOCAL INFILE only once it has read the whole file: the file is over
  // even if its empty packet was lost in a capture gap (commands would be ignored otherwise).
  sending_file_ = false;
  if (swallow_eof_) {
    swallow_eof_ = false;
    if (IsEofPacket(packet.payload, packet.payload_length)) return;
  }
  if (pending_.empty()) {
    ++unmatched_responses_;
    return;
  }
  Pending* front = &pending_.front();
  if (packet.inferred) {
    OnInferredEnd(packet);
    return;
  }
  if (Answer(front, packet)) {
    Complete(front, packet.last_byte_ns);
    pending_.pop_front();
  }
}

// A captured tail ended with an EOF or an OK (0xfe) after framing was lost. Without
// CLIENT_DEPRECATE_EOF an EOF also ends column definitions (a server may flush there): it is
// taken for that one when its sequence id says so, or, when the column count is not known,
// the reply is left to end at the next command.
void Matcher::OnInferredEnd(const Packet& packet) {
  Pending* p = &pending_.front();
  bool maybe_columns_eof = packet.payload_length == 5 && deprecate_eof_ != DeprecateEof::kOn &&
                           ReturnsResultSet(p->command);
  if (maybe_columns_eof) {
    switch (p->reply) {
      case Reply::kColumns:
      case Reply::kColumnsEof:
        if (packet.seq == static_cast<uint8_t>(p->columns + 2)) {
          p->reply = Reply::kRows;
          return;
        }
        break;
      case Reply::kFirst:
        p->reply = Reply::kUnknown;
        p->eofs = 1;
        return;
      case Reply::kUnknown:
        if (p->eofs == 0) {
          p->eofs = 1;
          return;
        }
        break;
      default:
        break;
    }
  }
  p->query.inferred_end = true;
  Complete(p, packet.last_byte_ns);
  pending_.pop_front();
}

// The status of a packet that ends a result set was not captured: whether more results follow
// is unknown, and the reply ends at the next command.
bool Matcher::Unsure(Pending* p) {
  p->reply = Reply::kUnknown;
  p->eofs = 0;
  return false;
}

bool Matcher::Answer(Pending* p, const Packet& packet) {
  int first = FirstByte(packet);
  bool on = deprecate_eof_ == DeprecateEof::kOn;
  bool off = deprecate_eof_ == DeprecateEof::kOff;
  switch (p->reply) {
    case Reply::kFirst: {
      if (first == 0xff) {
        p->query.error_code = ErrorCode(packet.payload);
        p->report = true;  // a failed prepare is reported: the statement never runs
        return true;
      }
      if (p->command == kComStmtPrepare) {
        uint32_t id = 0;
        uint16_t columns = 0, params = 0;
        bool counts = ParsePrepareOk(packet.payload, &id, &columns, &params);
        if (packet.payload.size() < 5 || first != 0x00) return true;
        StatementText text{p->query.sql, p->query.sql_truncated};
        if (statements_.Put(id, std::move(text))) ++evicted_statements_;
        if (!counts) {
          p->reply = Reply::kUnknown;  // definitions of unknown number follow
          return false;
        }
        p->prepare_columns = columns;
        if (params > 0) {
          p->reply = Reply::kParams;
          p->left = params;
          return false;
        }
        if (columns > 0) {
          p->reply = Reply::kPrepareColumns;
          p->left = columns;
          return false;
        }
        return true;
      }
      if (p->command == kComFieldList) return first == 0xfe;
      if (!ReturnsResultSet(p->command)) return true;
      if (first == 0x00) {
        uint16_t status = 0;
        if (!ParseOkStatus(packet.payload, &status)) return Unsure(p);
        return !(status & kServerMoreResultsExist);
      }
      if (first == 0xfb) {  // LOCAL INFILE: the client sends a file, then the server OK / ERR
        sending_file_ = true;
        return false;
      }
      std::string_view payload = packet.payload;
      uint64_t columns = 0;
      if (first == 0xfe) return true;
      if (!ReadLengthEncodedInt(&payload, &columns)) {
        p->reply = Reply::kUnknown;
        return false;
      }
      // One byte after the count (MariaDB's MARIADB_CLIENT_CACHE_METADATA, MySQL's
      // CLIENT_OPTIONAL_RESULTSET_METADATA): whether column definitions follow. libmariadb asks
      // for it, and a COM_STMT_EXECUTE's result set then comes without them (the client has
      // them from the prepare).
      size_t count_size = packet.payload.size() - payload.size();
      if (packet.payload_length == count_size + 1) {
        if (payload.empty()) {  // not captured: how many packets follow is unknown
          p->reply = Reply::kUnknown;
          p->eofs = 0;
          return false;
        }
        if (payload[0] == 0) columns = 0;
      }
      p->columns = columns;
      p->left = columns;
      p->reply = columns > 0 ? Reply::kColumns : Reply::kColumnsEof;
      return false;
    }
    case Reply::kColumns:
      if (--p->left == 0) p->reply = on ? Reply::kRows : Reply::kColumnsEof;
      return false;
    case Reply::kColumnsEof:
      p->reply = Reply::kRows;
      if (IsEofPacket(packet.payload, packet.payload_length)) {
        uint16_t status = 0;
        // A cursor was opened: the rows come with COM_STMT_FETCH.
        return ParseEofStatus(packet.payload, &status) && (status & kServerStatusCursorExists);
      }
      return Answer(p, packet);
    case Reply::kRows: {
      if (first == 0xff) {
        p->query.error_code = ErrorCode(packet.payload);
        return true;
      }
      if (first != 0xfe || packet.payload_length >= kMaxPacketLength) return false;  // a row
      uint16_t status = 0;
      if (!ParseTerminatorStatus(packet.payload, packet.payload_length, &status)) {
        return Unsure(p);
      }
      if (status & kServerMoreResultsExist) {
        p->reply = Reply::kFirst;
        return false;
      }
      return true;
    }
    case Reply::kParams:
      if (--p->left > 0) return false;
      if (!on) {
        p->reply = Reply::kParamsEof;
        if (off || p->prepare_columns > 0) return false;
        swallow_eof_ = true;  // flags unknown: an EOF may follow
        return true;
      }
      if (p->prepare_columns == 0) return true;
      p->reply = Reply::kPrepareColumns;
      p->left = p->prepare_columns;
      return false;
    case Reply::kParamsEof:
      if (p->prepare_columns == 0) return true;
      p->reply = Reply::kPrepareColumns;
      p->left = p->prepare_columns;
      if (IsEofPacket(packet.payload, packet.payload_length)) return false;
      return Answer(p, packet);  // flags unknown and no EOF: this is the first column
    case Reply::kPrepareColumns:
      if (--p->left > 0) return false;
      if (on) return true;
      if (off) {
        p->reply = Reply::kPrepareColumnsEof;
        return false;
      }
      swallow_eof_ = true;
      return true;
    case Reply::kPrepareColumnsEof:
      return true;
    case Reply::kUnknown: {
      if (first == 0xff) {
        p->query.error_code = ErrorCode(packet.payload);
        return true;
      }
      if (first != 0xfe || packet.payload_length >= kMaxPacketLength) return false;
      uint16_t status = 0;
      bool more = ParseTerminatorStatus(packet.payload, packet.payload_length, &status) &&
                  (status & kServerMoreResultsExist);
      if (packet.payload_length != 5) return !more;  // an OK ending a result set
      if (more) {
        p->eofs = 0;
        return false;
      }
      return ++p->eofs >= 2 && deprecate_eof_ == DeprecateEof::kOff;
    }
  }
  return true;
}

void Matcher::Complete(Pending* p, uint64_t end_ns) {
  if (!p->report) return;
  p->query.end_ns = std::max(end_ns, p->query.start_ns);
  if (done_.size() >= kMaxPending) {  // nobody is taking them: keep the newest
    done_.erase(done_.begin());
    ++evicted_requests_;
  }
  done_.push_back(std::move(p->query));
}

void Matcher::OnServerLost(uint64_t last_server_ns) {
  for (Pending& p : pending_) {
    ++lost_responses_;
    p.query.inferred_end = true;
    Complete(&p, last_server_ns);
  }
  pending_.clear();
  swallow_eof_ = false;
}

void Matcher::OnClose() {
  lost_responses_ += pending_.size();
  pending_.clear();
  swallow_eof_ = false;
  sending_file_ = false;
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
}

}  // namespace hostlens::protocols::mysql
