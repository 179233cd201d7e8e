#pragma once

// One database or cache client connection's parser behind one interface: segments in, DbOperation
// records out. The SQL streams (PostgreSQL, MySQL) turn each query's text into its labels and
// normalized text here, once per query.

#include <cstdint>
#include <memory>
#include <vector>

#include "agent/conn/db_operation.h"
#include "agent/protocols/segment.h"

namespace hostlens::conn {

// Cumulative losses of one connection's parser; the table adds the differences to its stats.
struct DbStreamLosses {
  uint64_t resyncs = 0;              // framing lost
  uint64_t evicted_requests = 0;     // more requests waiting than the parser keeps
  uint64_t unmatched_responses = 0;  // responses with no request waiting
  uint64_t lost_responses = 0;       // requests whose response was lost with the framing
  uint64_t unknown_statements = 0;   // prepared statements executed but never seen prepared
  // Not a loss: cache commands the server answers with nothing by the protocol's rules (Redis
  // CLIENT REPLY OFF/SKIP, memcached noreply and quiet meta commands).
  uint64_t unanswered = 0;
};

class DbStream {
 public:
  virtual ~DbStream() = default;
  virtual DbSystem system() const = 0;
  virtual void OnSegment(protocols::Direction direction, const protocols::Segment& segment) = 0;
  // Operations completed since the last call, appended to *out.
  virtual void TakeOperations(std::vector<DbOperation>* out) = 0;
  virtual DbStreamLosses losses() const = 0;
  // The connection ended: what is still waiting is reported (a query a FATAL error ended) or
  // counted lost; TakeOperations hands out the former.
  virtual void OnClose() {}
  // Nothing more can be parsed (TLS accepted): the kernel may stop copying.
  virtual bool finished() const { return false; }
  // The TLS probes' plaintext of the session finished() waited for begins: true when this
  // stream parses it on (MySQL: the handshake goes on inside TLS, its sequence ids and the
  // greeting's flags carry over); false when the conversation starts over and needs a fresh
  // stream (PostgreSQL: a StartupMessage comes first).
  virtual bool ContinueInTls() { return false; }
};

struct DbStreamOptions {
  bool capture_literals = false;  // keep the SQL as sent in DbOperation::raw_sql
};

std::unique_ptr<DbStream> MakeDbStream(DbSystem system, const DbStreamOptions& options);

}  // namespace hostlens::conn
