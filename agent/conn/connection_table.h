#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agent/conn/endpoint.h"
#include "agent/protocols/http1/stream.h"
#include "hostlens/abi/events.h"

namespace hostlens::conn {

enum class Role { kUnknown, kServer, kClient };
enum class Protocol { kUndetected, kHttp1, kIgnored };

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
  std::unique_ptr<protocols::http1::Stream> http;
  protocols::http1::StreamStats http_stats_seen;  // already added to the table's stats
  std::optional<std::string> websocket_target;  // set while an upgraded websocket is open
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
};

// The kernel's side of the table (bpf::Probes in the agent).
class KernelConnections {
 public:
  virtual ~KernelConnections() = default;
  virtual void Ignore(uint32_t tgid, int32_t fd, uint64_t generation) = 0;
  virtual void Forget(uint32_t tgid, int32_t fd) = 0;
};

// Written by the event loop, read by scrapes.
struct ConnectionTableStats {
  std::atomic<uint64_t> evicted{0};         // dropped to stay under the size cap
  std::atomic<uint64_t> unmatched_data{0};  // data of a connection whose open was never seen
  std::atomic<uint64_t> parse_resyncs{0};   // parser lost sync and resynced
  // HTTP exchanges that could not be counted: requests dropped past the
  // outstanding cap, responses without a request, responses lost to a resync.
  std::atomic<uint64_t> http_requests_evicted{0};
  std::atomic<uint64_t> http_responses_unmatched{0};
  std::atomic<uint64_t> http_responses_lost{0};
  std::atomic<uint64_t> ignored{0};         // connections found not to carry a parsed protocol
  std::atomic<uint64_t> open{0};            // connections in the table now
};

// Connections of tracked processes, keyed (tgid, fd), each checked against
// its generation so a reused fd never mixes two connections. Detects the
// protocol once per connection, feeds its parser and hands results to the
// sink. Single-threaded: the event loop owns it.
class ConnectionTable {
 public:
  using ServiceOf = std::function<std::string(uint32_t tgid)>;

  ConnectionTable(ServiceOf service_of, KernelConnections& kernel, ConnectionSink& sink,
                  size_t max_connections = 262144);

  void OnOpen(const hl_conn_event& event);
  void OnClose(const hl_conn_event& event);
  // head: the captured first bytes, tail: the captured last bytes.
  void OnData(const hl_data_event& event, std::string_view head, std::string_view tail);
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
  void Drain(Connection& conn);
  void End(Connection& conn, uint64_t ts_ns);
  void EvictOne();

  ServiceOf service_of_;
  KernelConnections& kernel_;
  ConnectionSink& sink_;
  const size_t max_connections_;
  std::unordered_map<uint64_t, Connection> connections_;
  ConnectionTableStats stats_;
};

}  // namespace hostlens::conn
