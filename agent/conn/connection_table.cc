#include "agent/conn/connection_table.h"

#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "agent/protocols/http1/parse.h"

namespace hostlens::conn {
namespace {

namespace http1 = protocols::http1;

// A connection whose first bytes we saw mid-stream (opened before the
// agent) gets this many segments to show a message start before it is
// ignored.
constexpr int kMaxUndetectedSegments = 8;
// A request line may arrive a few bytes per write; this much is kept
// while it could still become one.
constexpr size_t kMaxPendingBytes = 64;

// A TLS record header: content type (change_cipher_spec 20, alert 21, handshake 22,
// application_data 23), then version 3.x with x ≤ 4. A read shorter than the header (nginx
// peeks at one byte to tell TLS from plain HTTP) counts when it starts a handshake record,
// which is how every TLS conversation starts.
bool LooksLikeTlsRecord(std::string_view bytes) {
  if (bytes.empty()) return false;
  if (bytes.size() < 3) return bytes[0] == 22 && (bytes.size() < 2 || bytes[1] == 3);
  return bytes[0] >= 20 && bytes[0] <= 23 && bytes[1] == 3 &&
         static_cast<unsigned char>(bytes[2]) <= 4;
}

// How an HTTP/2 client starts every connection (RFC 9113, 3.4): "PRI * HTTP/2.0", then "SM".
constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n";

// How an HTTP/2 server starts every connection (RFC 9113, 3.4): a SETTINGS frame, not an ACK,
// on stream 0, its length a multiple of 6. Go's server may send it before the client's
// preface is read.
bool IsHttp2ServerPreface(std::string_view bytes) {
  if (bytes.size() < 9) return false;
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(bytes[i]); };
  const uint32_t length = (uint32_t{byte(0)} << 16) | (uint32_t{byte(1)} << 8) | byte(2);
  const bool stream_zero = (byte(5) & 0x7f) == 0 && byte(6) == 0 && byte(7) == 0 && byte(8) == 0;
  return byte(3) == 0x04 /* SETTINGS */ && byte(4) == 0 && stream_zero && length % 6 == 0 &&
         length <= 16384;
}

// True while `bytes` could still grow into "METHOD SP": a method is a
// token of uppercase letters (and '-' '_'), at most 20 long.

bool CouldStartRequestLine(std::string_view bytes) {
  if (bytes.empty() || bytes.size() > 21) return false;
  for (size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    if (c == ' ') return i > 0 && i + 1 == bytes.size();
    if (!((c >= 'A' && c <= 'Z') || c == '-' || c == '_')) return false;
  }
  return true;
}

Endpoint MakeEndpoint(uint16_t family, const uint8_t* addr, uint16_t port) {
  Endpoint e;
  e.family = family;
  std::memcpy(e.addr.data(), addr, e.addr.size());
  e.port = port;
  return e;
}

Role RoleOf(uint8_t kernel_role) {
  switch (kernel_role) {
    case HL_ROLE_SERVER: return Role::kServer;
    case HL_ROLE_CLIENT: return Role::kClient;
    default: return Role::kUnknown;
  }
}

}  // namespace

ConnectionTable::ConnectionTable(ServiceOf service_of, KernelConnections& kernel,
                                 ConnectionSink& sink, size_t max_connections,
                                 DbStreamOptions db_options)
    : service_of_(std::move(service_of)),
      kernel_(kernel),
      sink_(sink),
      max_connections_(max_connections),
      db_options_(db_options) {}

void ConnectionTable::OnOpen(const hl_conn_event& event) {
  const uint64_t key = Key(event.hdr.tgid, event.fd);
  if (auto it = connections_.find(key); it != connections_.end()) {
    // The fd was reused without a close we saw (dup2, exit races).
    End(it->second, event.hdr.ts_ns);
    connections_.erase(it);
  }
  if (connections_.size() >= max_connections_) EvictOne();

  Connection conn;
  conn.tgid = event.hdr.tgid;
  conn.fd = event.fd;
  conn.generation = event.generation;
  conn.role = RoleOf(event.role);
  conn.local = MakeEndpoint(event.family, event.local_addr, event.local_port);
  conn.remote = MakeEndpoint(event.family, event.remote_addr, event.remote_port);
  if (event.family == AF_UNIX) {
    // Both ends talk about the same server socket.
    conn.remote.unix_path.assign(event.unix_path, strnlen(event.unix_path, sizeof(event.unix_path)));
    conn.local.unix_path = conn.remote.unix_path;
  }
  conn.service = service_of_(event.hdr.tgid);
  conn.last_activity_ns = event.hdr.ts_ns;
  auto [it, inserted] = connections_.emplace(key, std::move(conn));
  stats_.open.store(connections_.size(), std::memory_order_relaxed);
  if (it->second.role == Role::kServer) sink_.OnServerConnectionOpen(it->second);
  if (it->second.role == Role::kServer && event.family != AF_UNIX) {
    sink_.OnAccept(it->second, event.accept_wait_ns);
  }
}

void ConnectionTable::OnClose(const hl_conn_event& event) {
  const uint64_t key = Key(event.hdr.tgid, event.fd);
  auto it = connections_.find(key);
  if (it == connections_.end() || it->second.generation != event.generation) return;
  End(it->second, event.hdr.ts_ns);
  connections_.erase(it);
  stats_.open.store(connections_.size(), std::memory_order_relaxed);
}

void ConnectionTable::OnProcessExit(uint32_t tgid, uint64_t ts_ns) {
  // Its fds closed in the kernel without close(): no close events come.
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (it->second.tgid == tgid) {
      End(it->second, ts_ns);
      kernel_.Forget(tgid, it->second.fd);
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
  stats_.open.store(connections_.size(), std::memory_order_relaxed);
  sink_.OnProcessExit(tgid);
}

Connection* ConnectionTable::Find(uint32_t tgid, int32_t fd, uint64_t generation) {
  auto it = connections_.find(Key(tgid, fd));
  if (it == connections_.end() || it->second.generation != generation) return nullptr;
  return &it->second;
}

void ConnectionTable::OnData(const hl_data_event& event, std::string_view head,
                             std::string_view tail) {
  Connection* conn = Find(event.hdr.tgid, event.fd, event.generation);
  if (!conn) {
    ++stats_.unmatched_data;
    return;
  }
  conn->last_activity_ns = event.hdr.ts_ns;
  conn->last_tid = event.hdr.tid;
  if (event.syscall == HL_SYS_TLS && !conn->tls_plaintext) StartTlsPlaintext(*conn);
  if (conn->tls_start_expected) CheckTlsStart(*conn, event, head);
  if (conn->protocol == Protocol::kIgnored) return;
  if (conn->protocol == Protocol::kUndetected) {
    Detect(*conn, event, head, tail);
    MaybeRearmHttpFast(*conn, event);
    return;
  }
  http1::Segment segment;
  segment.head = head;
  segment.tail = tail;
  segment.length = event.length;
  segment.ts_ns = event.hdr.ts_ns;
  if (conn->protocol == Protocol::kDb) {
    FeedDb(*conn, event.direction, segment);
  } else {
    Feed(*conn, event.direction, segment);
    MaybeRearmHttpFast(*conn, event);
  }
}

void ConnectionTable::StartDb(Connection& conn, DbSystem system) {
  if (conn.role == Role::kUnknown) conn.role = Role::kClient;
  conn.protocol = Protocol::kDb;
  conn.db = MakeDbStream(system, db_options_);
  conn.server_address = conn.remote.ToString();
  conn.pending.clear();
  conn.first_bytes.clear();
  sink_.OnDbConnectionOpen(conn);
}

void ConnectionTable::FeedDb(Connection& conn, uint8_t direction,
                             const protocols::Segment& segment) {
  const bool ingress = direction == HL_DIR_INGRESS;
  sink_.OnDbBytes(conn, !ingress, segment.length);
  conn.db->OnSegment(ingress ? protocols::Direction::kIngress : protocols::Direction::kEgress,
                     segment);
  DrainDb(conn);
  if (conn.db->finished()) {
    // Encrypted from here on: the connection stays counted, its bytes are no longer copied. It
    // carries TLS by the protocol's own word: uncovered unless the TLS probes show its plaintext.
    if (!conn.tls_plaintext) conn.tls_records = true;
    StopCopying(conn);
  }
}

void ConnectionTable::DrainDb(Connection& conn) {
  operations_.clear();
  conn.db->TakeOperations(&operations_);
  for (const auto& op : operations_) sink_.OnDbOperation(conn, op);

  const DbStreamLosses now = conn.db->losses();
  auto& seen = conn.db_losses_seen;
  stats_.db_resyncs[static_cast<size_t>(conn.db->system())] += now.resyncs - seen.resyncs;
  stats_.db_requests_evicted += now.evicted_requests - seen.evicted_requests;
  stats_.db_responses_unmatched += now.unmatched_responses - seen.unmatched_responses;
  stats_.db_responses_lost += now.lost_responses - seen.lost_responses;
  stats_.db_statements_unknown += now.unknown_statements - seen.unknown_statements;
  stats_.db_unanswered[static_cast<size_t>(conn.db->system())] += now.unanswered - seen.unanswered;
  seen = now;
}

void ConnectionTable::Feed(Connection& conn, uint8_t direction, const http1::Segment& segment) {
  conn.http->OnSegment(
      direction == HL_DIR_INGRESS ? http1::Direction::kIngress : http1::Direction::kEgress,
      segment);
  Drain(conn);
}

void ConnectionTable::Detect(Connection& conn, const hl_data_event& event, std::string_view head,
                             std::string_view tail) {
  const bool ingress = event.direction == HL_DIR_INGRESS;
  const bool fully_captured = head.size() == event.length;
  // Requests flow in for a server, out for a client; an older connection
  // (unknown role) shows its role by the direction of its first request.
  const bool request_direction = conn.role == Role::kUnknown ||
                                 (conn.role == Role::kServer) == ingress;
  std::string_view first = head;
  if (request_direction && !conn.pending.empty()) {
    conn.first_bytes.append(head);
    first = conn.first_bytes;
  }
  if (request_direction && http1::LooksLikeRequest(first)) {
    StartHttp(conn, ingress ? Role::kServer : Role::kClient);
    auto pending = std::move(conn.pending);
    conn.first_bytes.clear();
    for (const auto& p : pending) {
      // Segments in the other direction before the request are not ours to parse.
      if ((p.direction == HL_DIR_INGRESS) != ingress) continue;
      Feed(conn, p.direction, {p.head, p.tail, p.length, p.ts_ns});
    }
    Feed(conn, event.direction, {head, tail, event.length, event.hdr.ts_ns});
    return;
  }
  if (request_direction && fully_captured && first.size() <= kMaxPendingBytes &&
      CouldStartRequestLine(first)) {
    if (conn.pending.empty()) conn.first_bytes.assign(head);
    conn.pending.push_back({event.direction, std::string(head), std::string(tail), event.length,
                            event.hdr.ts_ns});
    return;
  }
  // A command written a few bytes at a time ("PING", then "\r\n") is judged on all of it.
  const bool accumulated = request_direction && !conn.pending.empty();
  if (auto system = DetectDbClient(conn.role, ingress, first,
                                   accumulated ? first.size() : event.length, conn.remote.port)) {
    auto pending = std::move(conn.pending);
    StartDb(conn, *system);
    for (const auto& p : pending) {
      if ((p.direction == HL_DIR_INGRESS) != ingress) continue;
      FeedDb(conn, p.direction, {p.head, p.tail, p.length, p.ts_ns});
    }
    FeedDb(conn, event.direction, {head, tail, event.length, event.hdr.ts_ns});
    return;
  }
  conn.pending.clear();
  conn.first_bytes.clear();
  if (request_direction ? first.starts_with(kHttp2Preface)
                        : conn.role != Role::kUnknown && IsHttp2ServerPreface(first)) {
    // HTTP/2 is not decoded: the connection is counted as such rather than silently ignored.
    ++stats_.http2;
    conn.protocol = Protocol::kIgnored;
    ++stats_.ignored;
    StopCopying(conn);
    return;
  }
  // Accepted or connected here and not HTTP from the first byte: another
  // protocol. Older connections may be mid-message: give them a few tries.
  // TLS records: the plaintext, if the TLS probes cover this process, comes from them; the
  // ciphertext is not copied any further.
  if (!conn.tls_plaintext && LooksLikeTlsRecord(first)) conn.tls_records = true;
  if (conn.tls_records && !conn.tls_plaintext) {
    conn.protocol = Protocol::kIgnored;
    ++stats_.ignored;
    StopCopying(conn);
    return;
  }
  // TLS plaintext that starts with a reply lost its request (counted in the kernel as
  // tls_no_socket): like an older connection, it gets a few tries, not the verdict of its first
  // segment.
  const bool mid_stream = conn.role == Role::kUnknown || (conn.tls_plaintext && !request_direction);
  if (!mid_stream || ++conn.undetected_segments >= kMaxUndetectedSegments) {
    conn.protocol = Protocol::kIgnored;
    ++stats_.ignored;
    StopCopying(conn);
  }
}

void ConnectionTable::StartHttp(Connection& conn, Role role) {
  if (conn.role == Role::kUnknown) conn.role = role;
  conn.protocol = Protocol::kHttp1;
  conn.http = std::make_unique<http1::Stream>(
      conn.role == Role::kServer ? http1::Role::kServer : http1::Role::kClient);
  conn.fast_rearms_left = kFastRearms;
  sink_.OnHttpDetected(conn);
}

namespace {

std::string_view FastMethodName(uint8_t method) {
  switch (method) {
    case HL_HTTP_GET: return "GET";
    case HL_HTTP_HEAD: return "HEAD";
    case HL_HTTP_POST: return "POST";
    case HL_HTTP_PUT: return "PUT";
    case HL_HTTP_DELETE: return "DELETE";
    case HL_HTTP_PATCH: return "PATCH";
    case HL_HTTP_OPTIONS: return "OPTIONS";
    default: return {};
  }
}

}  // namespace

void ConnectionTable::OnHttpFast(const hl_http_fast_event& event) {
  Connection* conn = Find(event.hdr.tgid, event.fd, event.generation);
  const std::string_view method = FastMethodName(event.method);
  if (!conn || method.empty() || event.path_len == 0 || event.path_len > HL_FAST_PATH_MAX) {
    ++stats_.unmatched_data;
    return;
  }
  conn->last_activity_ns = event.hdr.ts_ns;
  conn->last_tid = event.hdr.tid;
  if (conn->protocol == Protocol::kUndetected) {
    // The kernel only keeps requests on server connections at a message boundary: the first
    // request of one accepted after the agent started, or one the agent re-armed.
    conn->pending.clear();
    conn->first_bytes.clear();
    StartHttp(*conn, Role::kServer);
  }
  if (conn->protocol != Protocol::kHttp1 || !conn->http) return;
  http1::Request request;
  request.method = method;
  request.target.assign(event.path, event.path_len);
  request.minor_version = event.minor_version;
  request.first_byte_ns = event.request_ts_ns;
  request.last_byte_ns = event.request_ts_ns;
  if (event.hdr.kind == HL_EV_HTTP_REQUEST) {
    conn->http->OnCompleteRequest(std::move(request));
    return;
  }
  conn->fast_rearms_left = kFastRearms;
  http1::Exchange exchange;
  exchange.request = std::move(request);
  exchange.response.status = event.status;
  exchange.response.first_byte_ns = event.hdr.ts_ns;
  exchange.response.last_byte_ns = event.hdr.ts_ns;
  sink_.OnHttpExchange(*conn, exchange);
}

void ConnectionTable::MaybeRearmHttpFast(Connection& conn, const hl_data_event& event) {
  // A response followed to its end by length leaves the kernel armed by itself.
  if (event.conn_seq == 0 || (event.conn_seq & HL_CONN_SEQ_ARMED) || conn.fast_rearms_left <= 0 ||
      conn.role != Role::kServer ||
      conn.tls_plaintext || conn.protocol != Protocol::kHttp1 || !conn.http->idle()) {
    return;
  }
  --conn.fast_rearms_left;
  kernel_.RearmHttpFast(conn.tgid, conn.fd, conn.generation, event.conn_seq & 0xffff);
}

void ConnectionTable::Drain(Connection& conn) {
  for (const auto& exchange : conn.http->TakeExchanges()) {
    sink_.OnHttpExchange(conn, exchange);
    if (conn.role == Role::kServer && exchange.response.status == 101 &&
        exchange.request.websocket_upgrade && !conn.websocket_target) {
      conn.websocket_target = exchange.request.target;
      sink_.OnWebsocketOpen(conn, *conn.websocket_target);
    }
  }
  const auto now = conn.http->stats();
  auto& seen = conn.http_stats_seen;
  stats_.parse_resyncs += now.resyncs - seen.resyncs;
  stats_.http_requests_evicted += now.evicted_requests - seen.evicted_requests;
  stats_.http_responses_unmatched += now.unmatched_responses - seen.unmatched_responses;
  stats_.http_responses_lost += now.lost_responses - seen.lost_responses;
  seen = now;
  if (conn.http->upgraded()) {
    // Nothing after the upgrade is HTTP; the kernel can stop copying.
    conn.protocol = Protocol::kIgnored;
    StopCopying(conn);
  }
}

void ConnectionTable::StopCopying(Connection& conn) {
  if (conn.tls_plaintext) {
    kernel_.IgnoreTls(conn.tgid, conn.fd, conn.generation);
  } else {
    kernel_.Ignore(conn.tgid, conn.fd, conn.generation);
  }
}

void ConnectionTable::StartTlsPlaintext(Connection& conn) {
  conn.tls_plaintext = true;
  conn.pending.clear();
  conn.first_bytes.clear();
  conn.undetected_segments = 0;
  if (conn.protocol == Protocol::kIgnored) {
    // Ignored for its ciphertext: the plaintext is judged afresh.
    conn.protocol = Protocol::kUndetected;
  } else if (conn.protocol == Protocol::kDb && conn.db) {
    // PostgreSQL and MySQL negotiate TLS in plaintext (SSLRequest, the SSL request packet).
    conn.tls_start_expected = conn.db->system() == DbSystem::kPostgresql ||
                              conn.db->system() == DbSystem::kMysql;
    // MySQL's stream goes on inside it by itself (ContinueInTls); PostgreSQL's conversation
    // starts again with a StartupMessage, in a fresh stream. The connection stays the same one.
    // What the stream before TLS still held ends here (nothing, after an accepted SSLRequest).
    if (conn.db->ContinueInTls()) return;
    conn.db->OnClose();
    DrainDb(conn);
    const DbSystem system = conn.db->system();
    conn.db = MakeDbStream(system, db_options_);
    conn.db_losses_seen = {};
  }
}

void ConnectionTable::CheckTlsStart(Connection& conn, const hl_data_event& event,
                                    std::string_view head) {
  conn.tls_start_expected = false;
  const auto* bytes = reinterpret_cast<const unsigned char*>(head.data());
  bool start = event.direction == HL_DIR_EGRESS && !head.empty();
  if (start && conn.db && conn.db->system() == DbSystem::kPostgresql) {
    start = bytes[0] == 0;  // a StartupMessage's length: typed messages start with a letter
  } else if (start && conn.db && conn.db->system() == DbSystem::kMysql) {
    start = head.size() >= 4 && bytes[3] == 2;  // the handshake response is packet 2
  }
  if (!start) ++stats_.tls_starts_missed;
}

void ConnectionTable::End(Connection& conn, uint64_t ts_ns) {
  if (conn.tls_records && !conn.tls_plaintext) {
    ++stats_.tls_uncovered;
    sink_.OnTlsUncovered(conn);
  }
  if (conn.http && conn.protocol == Protocol::kHttp1) {
    conn.http->OnClose(ts_ns);
    Drain(conn);
  }
  if (conn.websocket_target) {
    sink_.OnWebsocketClose(conn, *conn.websocket_target);
    conn.websocket_target.reset();
  }
  if (conn.db) {
    conn.db->OnClose();  // a query ended by a FATAL error has no ReadyForQuery after it
    DrainDb(conn);
    sink_.OnDbConnectionClose(conn);
    conn.db.reset();
  }
}

void ConnectionTable::EvictOne() {
  auto oldest = connections_.end();
  uint64_t oldest_ns = std::numeric_limits<uint64_t>::max();
  for (auto it = connections_.begin(); it != connections_.end(); ++it) {
    if (it->second.last_activity_ns < oldest_ns) {
      oldest_ns = it->second.last_activity_ns;
      oldest = it;
    }
  }
  if (oldest == connections_.end()) return;
  End(oldest->second, oldest_ns);
  kernel_.Forget(oldest->second.tgid, oldest->second.fd);
  connections_.erase(oldest);
  ++stats_.evicted;
}

}  // namespace hostlens::conn
