#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/conn/db_operation.h"
#include "agent/conn/db_stream.h"
#include "agent/conn/detect.h"
#include "agent/conn/endpoint.h"
#include "agent/protocols/http1/stream.h"
#include "hostlens/abi/events.h"
#include "hostlens/abi/http_fast.h"

namespace hostlens::conn {

// kDb: PostgreSQL, MySQL, Redis or memcached, client side (Connection::db says which).
enum class Protocol { kUndetected, kHttp1, kDb, kIgnored };

// Opaque to the table: the sink's own per-connection state.
struct ConnectionSinkState {
  virtual ~ConnectionSinkState() = default;
};

struct Connection {
  uint32_t tgid = 0;
  int32_t fd = -1;
  uint64_t generation = 0;
  Role role = Role::kUnknown;
  Endpoint local;
  Endpoint remote;
  std::string service;
  Protocol protocol = Protocol::kUndetected;
  int undetected_segments = 0;
  // Segments seen while the first bytes could still become a message start
  // (a request line written a few bytes at a time): replayed once decided.
  struct PendingSegment {
    uint8_t direction;
    std::string head;
    std::string tail;
    uint64_t length;
    uint64_t ts_ns;
  };
  std::vector<PendingSegment> pending;
  std::string first_bytes;  // concatenated heads of `pending` in the request direction
  uint64_t last_activity_ns = 0;
  // Thread of the syscall being handled: for a server, the one writing a response as its
  // exchange completes; for a database client, the one reading a query's answer.
  uint32_t last_tid = 0;
  std::unique_ptr<protocols::http1::Stream> http;
  protocols::http1::StreamStats http_stats_seen;  // already added to the table's stats
  std::optional<std::string> websocket_target;  // set while an upgraded websocket is open
  std::unique_ptr<DbStream> db;                  // set when protocol == kDb
  std::string server_address;                    // kDb: remote host:port or socket path
  // What the sink keeps per database connection (its series), set in OnDbConnectionOpen.
  std::unique_ptr<ConnectionSinkState> sink_state;
  DbStreamLosses db_losses_seen;                 // already added to the table's stats
  // TLS: records seen on the socket (ciphertext), and plaintext seen from the TLS probes (from
  // then on every data event of the connection is plaintext).
  bool tls_records = false;
  bool tls_plaintext = false;
  // PostgreSQL or MySQL that negotiated TLS in front of the agent: the first plaintext must be
  // the client's StartupMessage or handshake response, else the TLS probes came too late.
  bool tls_start_expected = false;
  // Times left to re-arm the kernel's HTTP/1 fast path after its payloads; refilled by each
  // compact record, so a connection that never takes it stops asking.
  int fast_rearms_left = 0;
};

// Where the connection table's results go (metrics, later the per-request
// fan-out). Called on the event-loop thread.
class ConnectionSink {
 public:
  virtual ~ConnectionSink() = default;
  virtual void OnHttpExchange(const Connection& conn, const protocols::http1::Exchange& exchange) = 0;
  virtual void OnAccept(const Connection& conn, uint64_t accept_wait_ns) = 0;
  virtual void OnWebsocketOpen(const Connection& conn, const std::string& target) = 0;
  virtual void OnWebsocketClose(const Connection& conn, const std::string& target) = 0;
  // A connection found to be the client side of a database or cache (conn.db->system()), its
  // end (close, process exit, eviction), the full length of each read (sent = false) and write
  // on it, and each operation completed on it.
  virtual void OnDbConnectionOpen(Connection& /*conn*/) {}
  virtual void OnDbConnectionClose(const Connection& /*conn*/) {}
  virtual void OnDbBytes(const Connection& /*conn*/, bool /*sent*/, uint64_t /*bytes*/) {}
  virtual void OnDbOperation(const Connection& /*conn*/, const DbOperation& /*op*/) {}
  // A connection found to carry HTTP (its role decided).
  virtual void OnHttpDetected(const Connection& /*conn*/) {}
  // A connection the process accepted (any protocol, any family), when it opens.
  virtual void OnServerConnectionOpen(const Connection& /*conn*/) {}
  // A connection that carried TLS records ended without its plaintext seen (counted once).
  virtual void OnTlsUncovered(const Connection& /*conn*/) {}
  // A tracked process is gone, after its connections ended.
  virtual void OnProcessExit(uint32_t /*tgid*/) {}
};

// The kernel's side of the table (bpf::Probes in the agent).
class KernelConnections {
 public:
  virtual ~KernelConnections() = default;
  // Stop copying the connection's socket payloads (a TLS connection's ciphertext included).
  virtual void Ignore(uint32_t tgid, int32_t fd, uint64_t generation) = 0;
  // Stop copying its TLS plaintext as well.
  virtual void IgnoreTls(uint32_t tgid, int32_t fd, uint64_t generation) {
    Ignore(tgid, fd, generation);
  }
  virtual void Forget(uint32_t tgid, int32_t fd) = 0;
  // The parser is idle on this HTTP server connection after the payload event numbered `seq`:
  // the kernel may take the fast path again from the next request if nothing went out since.
  virtual void RearmHttpFast(uint32_t /*tgid*/, int32_t /*fd*/, uint64_t /*generation*/,
                             uint32_t /*seq*/) {}
};

// Written by the event loop, read by scrapes.
struct ConnectionTableStats {
  std::atomic<uint64_t> evicted{0};         // dropped to stay under the size cap
  std::atomic<uint64_t> unmatched_data{0};  // data of a connection whose open was never seen
  std::atomic<uint64_t> parse_resyncs{0};   // parser lost sync and resynced
  // Database parsers that lost a message boundary in an uncaptured gap (usually inside a result
  // far larger than the capture), by DbSystem. Not losses in themselves: an operation whose
  // answer went with it is counted in db_responses_lost / _unmatched.
  std::array<std::atomic<uint64_t>, 4> db_resyncs{};
  // Cache commands the server answered with nothing by the protocol's rules (Redis CLIENT REPLY
  // OFF/SKIP, memcached noreply and quiet meta commands), by DbSystem. Known, not a loss.
  std::array<std::atomic<uint64_t>, 4> db_unanswered{};
  // HTTP exchanges that could not be counted: requests dropped past the
  // outstanding cap, responses without a request, responses lost to a resync.
  std::atomic<uint64_t> http_requests_evicted{0};
  std::atomic<uint64_t> http_responses_unmatched{0};
  std::atomic<uint64_t> http_responses_lost{0};
  // Database and cache operations that could not be counted, the same way; and executions of
  // prepared statements never seen prepared (counted, without their SQL).
  std::atomic<uint64_t> db_requests_evicted{0};
  std::atomic<uint64_t> db_responses_unmatched{0};
  std::atomic<uint64_t> db_responses_lost{0};
  std::atomic<uint64_t> db_statements_unknown{0};
  // PostgreSQL and MySQL connections whose TLS conversation began before the library's probes
  // were attached (a client that connects within milliseconds of loading it): what it sent
  // before is not seen, and how many operations that was is not known.
  std::atomic<uint64_t> tls_starts_missed{0};
  std::atomic<uint64_t> ignored{0};         // connections found not to carry a parsed protocol
  // Of those, connections that began with HTTP/2's connection preface (Go's net/http and gRPC
  // negotiate h2 over TLS by default): not decoded.
  std::atomic<uint64_t> http2{0};
  // Connections that carried TLS records but whose plaintext the TLS probes never showed.
  std::atomic<uint64_t> tls_uncovered{0};
  std::atomic<uint64_t> open{0};            // connections in the table now
};

// Connections of tracked processes, keyed (tgid, fd), each checked against
// its generation so a reused fd never mixes two connections. Detects the
// protocol once per connection, feeds its parser and hands results to the
// sink. Single-threaded: the event loop owns it.
class ConnectionTable {
 public:
  using ServiceOf = std::function<std::string(uint32_t tgid)>;
  static constexpr size_t kDefaultMaxConnections = 262144;
  // Re-arms of the fast path a connection gets between two compact records.
  static constexpr int kFastRearms = 4;

  ConnectionTable(ServiceOf service_of, KernelConnections& kernel, ConnectionSink& sink,
                  size_t max_connections = kDefaultMaxConnections, DbStreamOptions db_options = {});

  void OnOpen(const hl_conn_event& event);
  void OnClose(const hl_conn_event& event);
  // head: the captured first bytes, tail: the captured last bytes.
  void OnData(const hl_data_event& event, std::string_view head, std::string_view tail);
  // A record of the kernel's HTTP/1 fast path: a whole exchange, or a kept request whose response
  // goes out as payload.
  void OnHttpFast(const hl_http_fast_event& event);
  void OnProcessExit(uint32_t tgid, uint64_t ts_ns);

  size_t size() const { return connections_.size(); }  // event-loop thread only
  const ConnectionTableStats& stats() const { return stats_; }

 private:
  static uint64_t Key(uint32_t tgid, int32_t fd) {
    return (static_cast<uint64_t>(tgid) << 32) | static_cast<uint32_t>(fd);
  }
  Connection* Find(uint32_t tgid, int32_t fd, uint64_t generation);
  // Decides the protocol from the first bytes; false while undecided.
  void Detect(Connection& conn, const hl_data_event& event, std::string_view head,
              std::string_view tail);
  void Feed(Connection& conn, uint8_t direction, const protocols::http1::Segment& segment);
  // The connection becomes HTTP/1 with `role` (Detect's verdict, or the kernel's fast path).
  void StartHttp(Connection& conn, Role role);
  void MaybeRearmHttpFast(Connection& conn, const hl_data_event& event);
  void Drain(Connection& conn);
  void StartDb(Connection& conn, DbSystem system);
  // The first plaintext from the TLS probes: what the ciphertext decided is undone.
  void StartTlsPlaintext(Connection& conn);
  void CheckTlsStart(Connection& conn, const hl_data_event& event, std::string_view head);
  // Tells the kernel to stop copying the connection (its TLS plaintext too once it has any).
  void StopCopying(Connection& conn);
  void FeedDb(Connection& conn, uint8_t direction, const protocols::Segment& segment);
  // Hands the database connection's completed operations to the sink, adds its new losses.
  void DrainDb(Connection& conn);
  void End(Connection& conn, uint64_t ts_ns);
  void EvictOne();

  ServiceOf service_of_;
  KernelConnections& kernel_;
  ConnectionSink& sink_;
  const size_t max_connections_;
  const DbStreamOptions db_options_;
  std::vector<DbOperation> operations_;  // scratch of FeedDb
  std::unordered_map<uint64_t, Connection> connections_;
  ConnectionTableStats stats_;
};

}  // namespace hostlens::conn
