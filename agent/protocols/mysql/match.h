#pragma once

// Client and server packets of one connection → queries.
// - Handshake: the server greeting (sequence id 0, protocol 10) and the client's handshake
//   response give the capability flags (CLIENT_DEPRECATE_EOF decides whether EOF packets follow
//   column and parameter definitions); auth switch / more data packets are skipped until the
//   server's OK or ERR. An SSLRequest (sequence id 1) ends parsing of the plaintext; inside TLS
//   (StartTls) the handshake goes on where it was: the handshake response comes with sequence
//   id 2, the greeting's flags still hold. Attached mid-connection, the flags are
//   unknown and EOF packets are told apart by their size (an EOF is 5 bytes, an OK ending a
//   result set at least 7).
// - Commands (client packets with sequence id 0) queue in order; server packets answer the
//   oldest: OK / ERR, or a result set (column count, column definitions, [EOF], rows, EOF or OK),
//   repeated while SERVER_MORE_RESULTS_EXISTS is set. The query ends at the last packet. A
//   column count packet with one byte after the count carries a "metadata follows" flag
//   (MariaDB's MARIADB_CLIENT_CACHE_METADATA, which libmariadb asks for; MySQL's
//   CLIENT_OPTIONAL_RESULTSET_METADATA): when it is 0 no column definitions follow (the
//   [EOF] still does) — libmariadb's COM_STMT_EXECUTE results come so. Rows are text or binary
//   (starting with 0x00): only 0xfe / 0xff packets end them.
// - COM_STMT_PREPARE's SQL is remembered under the statement id of its PREPARE_OK in a bounded
//   map; COM_STMT_EXECUTE reports it; COM_STMT_CLOSE forgets it (and has no response).

#include <cstdint>
#include <deque>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/protocols/mysql/limits.h"
#include "agent/protocols/mysql/types.h"

namespace hostlens::protocols::mysql {

struct StatementText {
  std::string sql;
  bool truncated = false;
};

// statement id → statement text, at most kMaxStatements entries; the least recently stored
// goes first.
class StatementMap {
 public:
  // Returns whether an entry was evicted to make room.
  bool Put(uint32_t id, StatementText text);
  const StatementText* Find(uint32_t id) const;
  void Erase(uint32_t id);
  size_t size() const { return map_.size(); }

 private:
  std::list<uint32_t> order_;
  std::unordered_map<uint32_t, std::pair<StatementText, std::list<uint32_t>::iterator>> map_;
};

class Matcher {
 public:
  // last_server_ns: ts of the last server segment, the end of replies found unknowable.
  void OnClient(const Packet& packet, uint64_t last_server_ns);
  void OnServer(const Packet& packet);
  // The server side lost framing and a new command is being sent: every response still awaited
  // was lost; each ends (inferred) at last_server_ns, the last server segment seen.
  void OnServerLost(uint64_t last_server_ns);
  // The connection closed: every reply still awaited is lost.
  void OnClose();
  std::vector<Query> TakeQueries();

  // The server asked for a LOCAL INFILE: the client's packets are the file until an empty one.
  bool sending_file() const { return sending_file_; }
  size_t pending() const { return pending_.size(); }
  size_t statements() const { return statements_.size(); }
  // The client asked for TLS: nothing after it can be parsed as it is.
  bool ssl_requested() const { return ssl_requested_; }
  // The decrypted bytes of the TLS session the SSLRequest asked for follow: the handshake
  // response, then commands.
  void StartTls();
  // Whether both sides announced CLIENT_DEPRECATE_EOF; unknown before a handshake was seen.
  enum class DeprecateEof { kUnknown, kOff, kOn };
  DeprecateEof deprecate_eof() const { return deprecate_eof_; }
  // Fills the matcher's counters into *stats.
  void AddStats(StreamStats* stats) const;

 private:
  enum class Phase { kStart, kHandshake, kCommand };
  // Where in its response a command is.
  enum class Reply {
    kFirst,       // OK / ERR / column count (or a prepare OK, or a command's single reply)
    kColumns,     // `left` column definitions to come
    kColumnsEof,  // the EOF after the column definitions, unless CLIENT_DEPRECATE_EOF
    kRows,        // rows until EOF / OK (0xfe) or ERR
    kParams,      // prepare: `left` parameter definitions to come
    kParamsEof,   // prepare: the EOF after the parameter definitions
    kPrepareColumns,
    kPrepareColumnsEof,
    // The reply's first packet, or the status of a result set's last one, was not captured:
    // what follows can only be guessed. It ends at an
    // ERR, at an OK ending a result set, at a second EOF when EOFs follow column definitions, or
    // else at the next command (the client reads the whole reply before sending one).
    kUnknown,
  };
  struct Pending {
    uint8_t command = 0;
    bool report = false;  // a query (COM_QUERY, COM_STMT_EXECUTE); prepares only on error
    Reply reply = Reply::kFirst;
    uint64_t left = 0;
    uint16_t prepare_columns = 0;
    uint64_t columns = 0;  // column definitions sent in the current result set
    int eofs = 0;          // kUnknown: EOF packets seen
    Query query;
  };

  void OnCommand(const Packet& packet, uint64_t last_server_ns);
  void OnInferredEnd(const Packet& packet);
  void OnHandshakeServer(const Packet& packet);
  // Feeds one packet to the oldest command's response; true when it was the last one.
  bool Answer(Pending* p, const Packet& packet);
  bool Unsure(Pending* p);
  void Complete(Pending* p, uint64_t end_ns);
  void Push(Pending pending);

  Phase phase_ = Phase::kStart;
  uint32_t server_caps_ = 0;
  bool server_caps_known_ = false;
  DeprecateEof deprecate_eof_ = DeprecateEof::kUnknown;
  bool ssl_requested_ = false;
  // Sequence id of the handshake response still to come: 1, or 2 inside TLS (after the
  // SSLRequest); 0 once it was seen (COM_CHANGE_USER's exchange has none).
  uint8_t handshake_response_seq_ = 1;
  bool swallow_eof_ = false;  // flags unknown: an EOF may still follow a prepare's definitions
  bool sending_file_ = false;

  std::deque<Pending> pending_;
  std::vector<Query> done_;
  StatementMap statements_;
  StatementText last_prepare_;  // SQL of the last COM_STMT_PREPARE sent (for id 0xffffffff)

  uint64_t evicted_statements_ = 0;
  uint64_t unknown_statements_ = 0;
  uint64_t evicted_requests_ = 0;
  uint64_t unmatched_responses_ = 0;
  uint64_t lost_responses_ = 0;
};

}  // namespace hostlens::protocols::mysql
