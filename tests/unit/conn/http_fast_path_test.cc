// The kernel's HTTP/1 fast path (include/hostlens/abi/http_fast.h), in userspace: the decision
// code the BPF program runs, compiled here, against the agent's own parser.
//  - Each decision on hand-made heads: what it takes and every reason it declines.
//  - Differential: every real capture in tests/fixtures/http1 replayed as a server connection
//    twice, once as payloads only and once through a model of bpf/data.bpf.c's fast_path()
//    (the same state machine over the same decision functions), whole, with each syscall split
//    in two at every byte, and with the capture cut short: the exchanges reported must be the
//    same, field by field.

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "agent/conn/connection_table.h"
#include "hostlens/abi/http_fast.h"
#include "tests/unit/protocols/http1/fixture.h"

namespace hostlens::conn {
namespace {

namespace http1 = protocols::http1;
namespace fixture = protocols::http1::test_util;

int Request(std::string_view bytes, uint64_t total, hl_http_fast_request* out, std::string* path) {
  std::string copy(bytes);
  copy.resize(std::max<size_t>(copy.size(), HL_FAST_HEAD_MAX), '\0');
  hl_fast_scan scan{};
  int outcome = hl_fast_request(reinterpret_cast<const __u8*>(copy.data()),
                                static_cast<__u32>(std::min<size_t>(bytes.size(), HL_CAPTURE_MAX)),
                                total, &scan, out);
  if (outcome == HL_FAST_COMPACT && path) path->assign(copy.data() + out->path_off, out->path_len);
  return outcome;
}

int Request(std::string_view bytes, std::string* path = nullptr) {
  hl_http_fast_request out{};
  return Request(bytes, bytes.size(), &out, path);
}

int Response(std::string_view bytes, uint8_t method = HL_HTTP_GET, uint64_t total = 0,
             hl_http_fast_response* out = nullptr) {
  hl_http_fast_response unused{};
  std::string copy(bytes);
  copy.resize(std::max<size_t>(copy.size(), HL_FAST_HEAD_MAX), '\0');
  hl_fast_scan scan{};
  return hl_fast_response(reinterpret_cast<const __u8*>(copy.data()),
                          static_cast<__u32>(std::min<size_t>(bytes.size(), HL_CAPTURE_MAX)),
                          total ? total : bytes.size(), method, &scan, out ? out : &unused);
}

TEST(HttpFastDecision, TakesOneWholeRequestAndKeepsItsPathWithoutTheQuery) {
  std::string path;
  hl_http_fast_request req{};
  constexpr std::string_view kGet = "GET /items/7?token=secret HTTP/1.1\r\nHost: a\r\n\r\n";
  ASSERT_EQ(Request(kGet, kGet.size(), &req, &path), HL_FAST_COMPACT);
  EXPECT_EQ(path, "/items/7");
  EXPECT_EQ(req.method, HL_HTTP_GET);
  EXPECT_EQ(req.minor_version, 1);
  EXPECT_EQ(req.head_len, kGet.size());
  EXPECT_EQ(req.body_len, 0u);
  constexpr std::string_view kPost =
      "POST /orders HTTP/1.0\r\nContent-Length:  5 \r\nX-A: b\tc\r\n\r\nhello";
  ASSERT_EQ(Request(kPost, kPost.size(), &req, &path), HL_FAST_COMPACT);
  EXPECT_EQ(path, "/orders");
  EXPECT_EQ(req.method, HL_HTTP_POST);
  EXPECT_EQ(req.minor_version, 0);
  EXPECT_EQ(req.body_len, 5u);
  for (auto [line, method] : std::vector<std::pair<std::string, int>>{
           {"HEAD", HL_HTTP_HEAD}, {"PUT", HL_HTTP_PUT}, {"DELETE", HL_HTTP_DELETE},
           {"PATCH", HL_HTTP_PATCH}, {"OPTIONS", HL_HTTP_OPTIONS}}) {
    const std::string bytes = line + " / HTTP/1.1\r\n\r\n";
    ASSERT_EQ(Request(bytes, bytes.size(), &req, &path), HL_FAST_COMPACT) << line;
    EXPECT_EQ(req.method, method);
  }
}

TEST(HttpFastDecision, DeclinesEveryRequestItIsNotSureOf) {
  const std::string max_path = "/" + std::string(HL_FAST_PATH_MAX - 1, 'a');
  EXPECT_EQ(Request("GET " + max_path + " HTTP/1.1\r\n\r\n"), HL_FAST_COMPACT);
  const std::vector<std::pair<std::string, int>> cases = {
      {"GET / HTTP/1.1\r\nHost: a\r\n", HL_FAST_REQ_INCOMPLETE},
      {"GET / HTT", HL_FAST_REQ_INCOMPLETE},
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhel", HL_FAST_REQ_INCOMPLETE},
      {"GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n", HL_FAST_REQ_EXTRA},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\nab", HL_FAST_REQ_EXTRA},
      {"BREW / HTTP/1.1\r\n\r\n", HL_FAST_REQ_METHOD},
      {"get / HTTP/1.1\r\n\r\n", HL_FAST_REQ_METHOD},
      {"CONNECT a:443 HTTP/1.1\r\n\r\n", HL_FAST_REQ_METHOD},
      {"\r\nGET / HTTP/1.1\r\n\r\n", HL_FAST_REQ_METHOD},
      {"\x16\x03\x01\x02\x00", HL_FAST_REQ_METHOD},
      {"GET http://a/ HTTP/1.1\r\n\r\n", HL_FAST_REQ_TARGET},
      {"OPTIONS * HTTP/1.1\r\n\r\n", HL_FAST_REQ_TARGET},
      {"GET /a#b HTTP/1.1\r\n\r\n", HL_FAST_REQ_TARGET},
      {"GET /a\x01 HTTP/1.1\r\n\r\n", HL_FAST_REQ_TARGET},
      {"GET " + max_path + "b HTTP/1.1\r\n\r\n", HL_FAST_REQ_TARGET},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", HL_FAST_REQ_CHUNKED},
      {"POST / HTTP/1.1\r\ntransfer-ENCODING: gzip\r\n\r\n", HL_FAST_REQ_CHUNKED},
      {"POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n",
       HL_FAST_REQ_EXPECT},
      {"GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n", HL_FAST_REQ_UPGRADE},
      {"GET / HTTP/2.0\r\n\r\n", HL_FAST_REQ_MALFORMED},
      {"GET / HTTP/1.1\n\n", HL_FAST_REQ_MALFORMED},
      {"GET /  HTTP/1.1\r\n\r\n", HL_FAST_REQ_MALFORMED},
      {"GET / HTTP/1.1\r\nHost : a\r\n\r\n", HL_FAST_REQ_MALFORMED},
      {"GET / HTTP/1.1\r\n folded\r\n\r\n", HL_FAST_REQ_MALFORMED},
      {"GET / HTTP/1.1\r\nX: caf\xc3\xa9\r\n\r\n", HL_FAST_REQ_MALFORMED},
      {"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", HL_FAST_REQ_MALFORMED},
      {"POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\na", HL_FAST_REQ_MALFORMED},
      {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
       HL_FAST_REQ_MALFORMED},
      {"POST / HTTP/1.1\r\nContent-Length: 1 2\r\n\r\na", HL_FAST_REQ_MALFORMED},
      {"POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", HL_FAST_REQ_MALFORMED},
      {"POST / HTTP/1.1\r\nContent-Length: 1234567890\r\n\r\n", HL_FAST_REQ_MALFORMED},
      {"GET / HTTP/1.1\r\nCookie: " + std::string(HL_FAST_HEAD_MAX, 'c') + "\r\n\r\n",
       HL_FAST_REQ_TOO_LONG},
  };
  for (const auto& [bytes, outcome] : cases) EXPECT_EQ(Request(bytes), outcome) << bytes;
  // A head longer than what was captured of the read.
  hl_http_fast_request req{};
  EXPECT_EQ(Request("GET / HTTP/1.1\r\nHost: a", 200, &req, nullptr), HL_FAST_REQ_TOO_LONG);
}

TEST(HttpFastDecision, TakesOneWholeResponseByItsLength) {
  hl_http_fast_response resp{};
  constexpr std::string_view kOk = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n";
  ASSERT_EQ(Response(kOk, HL_HTTP_GET, 0, &resp), HL_FAST_COMPACT);
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body_len, 6u);
  // writev: the head in the first iovec (what is captured), the body in the second.
  constexpr std::string_view kHead = "HTTP/1.1 404 Not Found\r\nContent-Length: 100\r\n\r\n";
  ASSERT_EQ(Response(kHead, HL_HTTP_GET, kHead.size() + 100, &resp), HL_FAST_COMPACT);
  EXPECT_EQ(resp.status, 404);
  // No body whatever the length says: HEAD, 204, 304.
  EXPECT_EQ(Response("HTTP/1.1 200 OK\r\nContent-Length: 612\r\n\r\n", HL_HTTP_HEAD),
            HL_FAST_COMPACT);
  EXPECT_EQ(Response("HTTP/1.1 204 No Content\r\n\r\n"), HL_FAST_COMPACT);
  EXPECT_EQ(Response("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"), HL_FAST_COMPACT);
  EXPECT_EQ(Response("HTTP/1.0 500\r\nContent-Length: 0\r\n\r\n"), HL_FAST_COMPACT);
}

TEST(HttpFastDecision, DeclinesEveryResponseItIsNotSureOf) {
  const std::vector<std::pair<std::string, int>> cases = {
      {"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhel", HL_FAST_RESP_PIECES},
      {"HTTP/1.1 200 OK\r\nContent-Len", HL_FAST_RESP_PIECES},
      {"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab", HL_FAST_RESP_EXTRA},
      {"HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", HL_FAST_RESP_EXTRA},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", HL_FAST_RESP_FRAMING},
      {"HTTP/1.0 200 OK\r\n\r\nuntil close", HL_FAST_RESP_FRAMING},
      {"HTTP/1.1 100 Continue\r\n\r\n", HL_FAST_RESP_STATUS},
      {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", HL_FAST_RESP_STATUS},
      {"HTTP/1.1 600 Odd\r\nContent-Length: 0\r\n\r\n", HL_FAST_RESP_STATUS},
      {"HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n", HL_FAST_RESP_STATUS},
      {"HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n", HL_FAST_RESP_MALFORMED},
      {"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", HL_FAST_RESP_MALFORMED},
      {"HTTP/2 200\r\nContent-Length: 0\r\n\r\n", HL_FAST_RESP_MALFORMED},
      {"HTTP/1.1 200 OK\nContent-Length: 0\n\n", HL_FAST_RESP_MALFORMED},
      {"HTTP/1.1 200 OK\r\nX: \x7f\r\nContent-Length: 0\r\n\r\n", HL_FAST_RESP_MALFORMED},
      {"hello", HL_FAST_RESP_MALFORMED},
      {"HTTP/1.1 200 OK\r\nX: " + std::string(HL_FAST_HEAD_MAX, 'x') + "\r\n\r\n",
       HL_FAST_RESP_TOO_LONG},
  };
  for (const auto& [bytes, outcome] : cases) EXPECT_EQ(Response(bytes), outcome) << bytes;
}

// The plain run of header values 8 bytes at once against the byte-by-byte rule, on words mixing the
// bytes at every edge (0x00, 0x09, 0x0d, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xff) with plain ones.
TEST(HttpFastDecision, EightBytesAtOnceAgreeWithOneByOne) {
  const uint8_t edges[] = {0x00, 0x09, 0x0d, 0x1f, 0x20, 0x21, 0x41, 0x7e, 0x7f, 0x80, 0xfe, 0xff};
  uint64_t seed = 12345;
  for (int n = 0; n < 200000; ++n) {
    uint8_t bytes[8];
    for (auto& b : bytes) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      const uint32_t r = static_cast<uint32_t>(seed >> 33);
      b = (r % 4 == 0) ? edges[(r >> 2) % sizeof(edges)] : static_cast<uint8_t>(0x20 + (r >> 2) % 95);
    }
    uint32_t run = 0;
    while (run < 8 && bytes[run] >= 0x20 && bytes[run] <= 0x7e) ++run;
    ASSERT_EQ(hl_fast_plain_run8(hl_fast_load8(bytes)), run) << n;
  }
}

// A name's leading letters and dashes 8 at a time against one by one, on words mixing letters,
// '-' and the bytes next to them (and to their lowercase forms) with every other byte.
TEST(HttpFastDecision, NameBytesEightAtOnceAgreeWithOneByOne) {
  const uint8_t edges[] = {'-', 'a', 'z', 'A', 'Z', '@', '[', '`', '{', ',', '.', 0x0d,
                           ':', '0', 0x00, 0x7f, 0x80, 0xc1, 0xe1, 0xff, 0xad, 0x61 | 0x80};
  uint64_t seed = 777;
  for (int n = 0; n < 300000; ++n) {
    uint8_t bytes[8];
    for (auto& b : bytes) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      const uint32_t r = static_cast<uint32_t>(seed >> 33);
      b = (r % 3 == 0)   ? edges[(r >> 2) % sizeof(edges)]
          : (r % 3 == 1) ? static_cast<uint8_t>('a' + (r >> 2) % 26)
                         : static_cast<uint8_t>(r >> 2);
    }
    uint32_t k = 0;
    while (k < 8 && (std::isalpha(bytes[k]) || bytes[k] == '-') && bytes[k] < 0x80) ++k;
    const uint64_t word = hl_fast_load8(bytes);
    ASSERT_EQ(hl_fast_name8(word), k) << n;
    if (k == 0) continue;
    uint64_t packed = 0;
    for (uint32_t j = 0; j < k; ++j) packed = (packed << 8) | std::tolower(bytes[j]);
    ASSERT_EQ(hl_fast_pack_lower(word, k), packed) << n;
  }
}

// The 128-bit set of header-name bytes against RFC 9110's list, for every byte.
TEST(HttpFastDecision, TokenBytesAreExactlyRfc9110Tchar) {
  const std::string specials = "!#$%&'*+-.^_`|~";
  for (int c = 0; c < 256; ++c) {
    const bool tchar = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       (c >= '0' && c <= '9') ||
                       (c != 0 && specials.find(static_cast<char>(c)) != std::string::npos);
    ASSERT_EQ(hl_fast_tchar(static_cast<uint8_t>(c)) != 0, tchar) << c;
  }
}

// ---- differential ----

struct NullKernel : KernelConnections {
  void Ignore(uint32_t, int32_t, uint64_t) override {}
  void Forget(uint32_t, int32_t) override {}
};

// bpf/data.bpf.c's fast_path() for one server connection: the same states and decisions, the
// maps replaced by members. What it sends goes straight into a ConnectionTable.
class KernelModel : public KernelConnections {
 public:
  static constexpr uint32_t kTgid = 7;
  static constexpr int32_t kFd = 5;
  static constexpr uint64_t kGeneration = 9;

  explicit KernelModel(ConnectionTable** table) : table_(table) {}

  void Ignore(uint32_t, int32_t, uint64_t) override { ignored_ = true; }
  void Forget(uint32_t, int32_t) override {}
  void RearmHttpFast(uint32_t, int32_t, uint64_t generation, uint32_t seq) override {
    rearm_ = hl_http_rearm{generation, seq, 0};
    ++rearms_;
  }

  // One read (ingress) or write of `bytes`, of which the first `captured` are copied.
  void Syscall(bool ingress, std::string_view bytes, size_t captured, uint64_t ts_ns) {
    if (ignored_ || bytes.empty()) return;
    captured = std::min({captured, bytes.size(), size_t{HL_CAPTURE_MAX}});
    hl_data_event ev{};
    ev.hdr.kind = HL_EV_DATA;
    ev.hdr.tgid = kTgid;
    ev.hdr.tid = kTgid;
    ev.hdr.ts_ns = ts_ns;
    ev.generation = kGeneration;
    ev.length = bytes.size();
    ev.fd = kFd;
    ev.direction = ingress ? HL_DIR_INGRESS : HL_DIR_EGRESS;
    ev.role = HL_ROLE_SERVER;
    ev.syscall = ingress ? HL_SYS_READ : HL_SYS_WRITE;
    ev.head_len = static_cast<uint16_t>(captured);
    std::memcpy(ev.data, bytes.data(), captured);
    const size_t tail = std::min<size_t>(HL_TAIL_LEN, bytes.size() - captured);
    ev.tail_len = static_cast<uint16_t>(tail);
    std::memcpy(ev.data + captured, bytes.data() + bytes.size() - tail, tail);
    if (FastPath(ev, bytes.size())) return;
    (*table_)->OnData(ev, std::string_view(reinterpret_cast<const char*>(ev.data), ev.head_len),
                      std::string_view(reinterpret_cast<const char*>(ev.data) + ev.head_len,
                                       ev.tail_len));
  }

  size_t compact() const { return compact_; }
  size_t drained() const { return drained_; }
  size_t rearms() const { return rearms_; }

 private:
  void Emit(uint32_t kind, const hl_http_pending& p, uint16_t status, uint64_t ts_ns) {
    hl_http_fast_event ev{};
    ev.hdr.kind = kind;
    ev.hdr.tgid = kTgid;
    ev.hdr.tid = kTgid;
    ev.hdr.ts_ns = ts_ns;
    ev.generation = p.generation;
    ev.request_ts_ns = p.ts_ns;
    ev.request_bytes = p.bytes;
    ev.fd = kFd;
    ev.method = p.method;
    ev.minor_version = p.minor_version;
    ev.status = status;
    ev.path_len = p.path_len;
    std::memcpy(ev.path, p.path, sizeof(ev.path));
    (*table_)->OnHttpFast(ev);
  }

  // fast_before() and fast_after() of bpf/data.bpf.c in one: true when no data event goes out.
  // A write that only continues a response goes out by length (head and tail cleared).
  bool FastPath(hl_data_event& ev, uint64_t ret) {
    const uint8_t* head = ev.data;
    const bool ingress = ev.direction == HL_DIR_INGRESS;
    if (fast_ == HL_FAST_DRAINING) {
      if (!ingress && ret <= pending_.remaining) {
        pending_.remaining -= ret;
        ev.head_len = 0;
        ev.tail_len = 0;
        PayloadOut(ev);
        fast_ = pending_.remaining == 0 ? HL_FAST_ARMED : HL_FAST_DRAINING;
        if (fast_ == HL_FAST_ARMED) ev.conn_seq |= HL_CONN_SEQ_ARMED;
        return false;
      }
    } else if (ingress) {
      if (fast_ == HL_FAST_PENDING) {
        Emit(HL_EV_HTTP_REQUEST, pending_, 0, ev.hdr.ts_ns);
      } else {
        int armed = fast_ == HL_FAST_ARMED ? 1 : 0;
        if (!armed && rearm_) {
          armed = rearm_->generation == kGeneration && static_cast<uint16_t>(rearm_->seq) == seq_
                      ? 1
                      : -1;
          rearm_.reset();
        }
        if (armed > 0) {
          hl_http_pending p{};
          hl_http_fast_request req{};
          if (hl_fast_request(head, ev.head_len, ret, &scan_, &req) == HL_FAST_COMPACT) {
            std::memcpy(p.path, head + req.path_off, req.path_len);
            p.generation = kGeneration;
            p.ts_ns = ev.hdr.ts_ns;
            p.bytes = ret;
            p.method = req.method;
            p.minor_version = req.minor_version;
            p.path_len = req.path_len;
            pending_ = p;
            fast_ = HL_FAST_PENDING;
            return true;
          }
        }
      }
    } else if (fast_ == HL_FAST_PENDING) {
      hl_http_fast_response resp{};
      const int outcome = hl_fast_response(head, ev.head_len, ret, pending_.method, &scan_, &resp);
      if (outcome == HL_FAST_COMPACT) {
        Emit(HL_EV_HTTP_EXCHANGE, pending_, resp.status, ev.hdr.ts_ns);
        fast_ = HL_FAST_ARMED;
        ++compact_;
        return true;
      }
      Emit(HL_EV_HTTP_REQUEST, pending_, 0, ev.hdr.ts_ns);
      if (outcome == HL_FAST_RESP_PIECES && scan_.head_len) {
        pending_.remaining = scan_.head_len + scan_.cl - ret;
        PayloadOut(ev);
        fast_ = HL_FAST_DRAINING;
        ++drained_;
        return false;
      }
    }
    PayloadOut(ev);
    return false;
  }

  void PayloadOut(hl_data_event& ev) {
    fast_ = HL_FAST_UNARMED;
    ++seq_;
    ev.conn_seq = seq_;
  }

  ConnectionTable** table_;
  hl_fast_scan scan_{};
  uint8_t fast_ = HL_FAST_ARMED;  // accepted after the agent started
  uint16_t seq_ = 0;
  hl_http_pending pending_{};
  std::optional<hl_http_rearm> rearm_;
  bool ignored_ = false;
  size_t compact_ = 0;
  size_t drained_ = 0;
  size_t rearms_ = 0;
};

struct Recorder : ConnectionSink {
  void OnHttpExchange(const Connection&, const http1::Exchange& exchange) override {
    exchanges.push_back(exchange);
  }
  void OnAccept(const Connection&, uint64_t) override {}
  void OnWebsocketOpen(const Connection&, const std::string&) override { ++websockets; }
  void OnWebsocketClose(const Connection&, const std::string&) override {}
  std::vector<http1::Exchange> exchanges;
  int websockets = 0;
};

hl_conn_event ServerOpen(uint8_t kind) {
  hl_conn_event e{};
  e.hdr.kind = kind;
  e.hdr.tgid = KernelModel::kTgid;
  e.hdr.ts_ns = 1;
  e.fd = KernelModel::kFd;
  e.generation = KernelModel::kGeneration;
  e.family = AF_INET;
  e.role = HL_ROLE_SERVER;
  e.local_port = 8080;
  return e;
}

// One replay: each syscall as (ingress, bytes).
using Syscalls = std::vector<std::pair<bool, std::string>>;

struct Replay {
  std::vector<http1::Exchange> exchanges;
  size_t compact = 0;
  size_t drained = 0;
  size_t rearms = 0;
  int websockets = 0;
};

Replay Replayed(const Syscalls& calls, size_t captured, bool fast) {
  Recorder sink;
  ConnectionTable* table = nullptr;
  KernelModel model(&table);
  NullKernel null;
  ConnectionTable t([](uint32_t) { return std::string("svc"); },
                    fast ? static_cast<KernelConnections&>(model) : null, sink);
  table = &t;
  t.OnOpen(ServerOpen(HL_EV_CONN_OPEN));
  uint64_t ts = 1000;
  for (const auto& [ingress, bytes] : calls) {
    if (fast) {
      model.Syscall(ingress, bytes, captured, ts);
    } else {
      hl_data_event ev{};
      ev.hdr.kind = HL_EV_DATA;
      ev.hdr.tgid = KernelModel::kTgid;
      ev.hdr.tid = KernelModel::kTgid;
      ev.hdr.ts_ns = ts;
      ev.generation = KernelModel::kGeneration;
      ev.length = bytes.size();
      ev.fd = KernelModel::kFd;
      ev.direction = ingress ? HL_DIR_INGRESS : HL_DIR_EGRESS;
      const size_t head = std::min({captured, bytes.size(), size_t{HL_CAPTURE_MAX}});
      const size_t tail = std::min<size_t>(HL_TAIL_LEN, bytes.size() - head);
      ev.head_len = static_cast<uint16_t>(head);
      ev.tail_len = static_cast<uint16_t>(tail);
      t.OnData(ev, std::string_view(bytes).substr(0, head),
               std::string_view(bytes).substr(bytes.size() - tail));
    }
    ts += 1000;
  }
  t.OnClose(ServerOpen(HL_EV_CONN_CLOSE));
  Replay out;
  out.exchanges = std::move(sink.exchanges);
  out.compact = model.compact();
  out.drained = model.drained();
  out.rearms = model.rearms();
  out.websockets = sink.websockets;
  return out;
}

std::string PathOf(const std::string& target) { return target.substr(0, target.find('?')); }

// Everything the sink uses of a server exchange (the query is dropped from routes; a server's
// exchange does not use the Host header).
void ExpectSame(const Replay& payloads, const Replay& fast, const std::string& what) {
  ASSERT_EQ(payloads.exchanges.size(), fast.exchanges.size()) << what;
  EXPECT_EQ(payloads.websockets, fast.websockets) << what;
  for (size_t i = 0; i < payloads.exchanges.size(); ++i) {
    const auto& a = payloads.exchanges[i];
    const auto& b = fast.exchanges[i];
    EXPECT_EQ(a.request.method, b.request.method) << what << " #" << i;
    EXPECT_EQ(PathOf(a.request.target), PathOf(b.request.target)) << what << " #" << i;
    EXPECT_EQ(a.request.minor_version, b.request.minor_version) << what << " #" << i;
    EXPECT_EQ(a.request.websocket_upgrade, b.request.websocket_upgrade) << what << " #" << i;
    EXPECT_EQ(a.request.first_byte_ns, b.request.first_byte_ns) << what << " #" << i;
    EXPECT_EQ(a.request.last_byte_ns, b.request.last_byte_ns) << what << " #" << i;
    EXPECT_EQ(a.response.status, b.response.status) << what << " #" << i;
    EXPECT_EQ(a.response.first_byte_ns, b.response.first_byte_ns) << what << " #" << i;
    EXPECT_EQ(a.response.last_byte_ns, b.response.last_byte_ns) << what << " #" << i;
  }
}

Syscalls FromCapture(const fixture::HttpCapture& capture) {
  Syscalls calls;
  for (const auto& r : capture.records) calls.emplace_back(r.from_client, r.bytes);
  return calls;
}

class HttpFastDifferential : public ::testing::TestWithParam<std::string> {};

TEST_P(HttpFastDifferential, ReportsWhatTheParserReportsFromPayloads) {
  const auto capture = fixture::LoadCapture(GetParam());
  const Syscalls calls = FromCapture(capture);
  const Replay payloads = Replayed(calls, HL_CAPTURE_MAX, false);
  const Replay fast = Replayed(calls, HL_CAPTURE_MAX, true);
  ExpectSame(payloads, fast, "whole");
  // What the client saw: the payload path agrees with it (the parser's own tests check that),
  // and so the fast path does too.
  EXPECT_EQ(payloads.exchanges.size(), capture.exchanges.size());
  std::cout << GetParam() << ": " << fast.compact << " of " << fast.exchanges.size()
            << " exchanges compact, " << fast.drained << " responses followed by length\n";
}

TEST_P(HttpFastDifferential, SameWithEverySyscallSplitInTwoAtEveryByte) {
  const auto capture = fixture::LoadCapture(GetParam());
  const Syscalls calls = FromCapture(capture);
  for (size_t i = 0; i < calls.size(); ++i) {
    const std::string& bytes = calls[i].second;
    // Large bodies: every byte of the first 2 KB, then a stride.
    for (size_t cut = 1; cut < bytes.size(); cut += cut < 2048 ? 1 : 997) {
      Syscalls split(calls.begin(), calls.begin() + static_cast<long>(i));
      split.emplace_back(calls[i].first, bytes.substr(0, cut));
      split.emplace_back(calls[i].first, bytes.substr(cut));
      split.insert(split.end(), calls.begin() + static_cast<long>(i) + 1, calls.end());
      ExpectSame(Replayed(split, HL_CAPTURE_MAX, false), Replayed(split, HL_CAPTURE_MAX, true),
                 "syscall " + std::to_string(i) + " split at " + std::to_string(cut));
      if (HasFatalFailure() || HasNonfatalFailure()) return;
    }
  }
}

TEST_P(HttpFastDifferential, SameWithTheCaptureCutShort) {
  const auto capture = fixture::LoadCapture(GetParam());
  const Syscalls calls = FromCapture(capture);
  for (size_t captured : {16, 40, 64, 100, 128, 200, 256, 512, 1024, 2048}) {
    ExpectSame(Replayed(calls, captured, false), Replayed(calls, captured, true),
               "capture " + std::to_string(captured));
  }
}

TEST_P(HttpFastDifferential, SameForEveryPrefixOfTheConversation) {
  const auto capture = fixture::LoadCapture(GetParam());
  const Syscalls calls = FromCapture(capture);
  for (size_t n = 0; n <= calls.size(); ++n) {
    const Syscalls prefix(calls.begin(), calls.begin() + static_cast<long>(n));
    ExpectSame(Replayed(prefix, HL_CAPTURE_MAX, false), Replayed(prefix, HL_CAPTURE_MAX, true),
               "first " + std::to_string(n) + " syscalls");
  }
}

INSTANTIATE_TEST_SUITE_P(Captures, HttpFastDifferential,
                         ::testing::ValuesIn(fixture::CaptureNames()),
                         [](const auto& info) { return info.param; });

// The fast path takes the plain keep-alive exchanges of the captures, and gives back the ones
// it cannot take without losing them: a pipelined request, a chunked response, 100-continue.
TEST(HttpFastPath, TakesPlainExchangesAndHandsBackTheRest) {
  const Syscalls keepalive = FromCapture(fixture::LoadCapture("nginx_keepalive_get"));
  EXPECT_EQ(Replayed(keepalive, HL_CAPTURE_MAX, true).compact, 3u);
  // After a fallback the agent re-arms the connection: the next plain exchange is compact again.
  Syscalls mixed = {
      {true, "GET /a HTTP/1.1\r\n\r\n"},
      {false, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"},
      {true, "GET /b HTTP/1.1\r\n\r\n"},
      {false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
      {true, "GET /c HTTP/1.1\r\n\r\nGET /d HTTP/1.1\r\n\r\n"},
      {false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
      {false, "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"},
      {true, "GET /e HTTP/1.1\r\n\r\n"},
      {false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
  };
  const Replay payloads = Replayed(mixed, HL_CAPTURE_MAX, false);
  const Replay fast = Replayed(mixed, HL_CAPTURE_MAX, true);
  ExpectSame(payloads, fast, "mixed");
  ASSERT_EQ(fast.exchanges.size(), 5u);
  EXPECT_EQ(fast.compact, 2u);  // /b (re-armed after the chunked one), /e (after the pipeline)
}

// A response whose body follows its head in later writes (Python's http.server, nginx's sendfile)
// is followed to its end by length: the kernel is armed again by itself, the agent does not
// re-arm it, and the next exchange is compact.
TEST(HttpFastPath, AResponseInPiecesIsFollowedToItsEndAndTheNextExchangeIsCompact) {
  const Syscalls calls = {
      {true, "GET /file HTTP/1.1\r\n\r\n"},
      {false, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"},
      {false, "01234"},
      {false, "56789"},
      {true, "GET /next HTTP/1.1\r\n\r\n"},
      {false, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
  };
  const Replay payloads = Replayed(calls, HL_CAPTURE_MAX, false);
  const Replay fast = Replayed(calls, HL_CAPTURE_MAX, true);
  ExpectSame(payloads, fast, "pieces");
  ASSERT_EQ(fast.exchanges.size(), 2u);
  EXPECT_EQ(fast.drained, 1u);
  EXPECT_EQ(fast.compact, 1u);
  EXPECT_EQ(fast.rearms, 0u);
}

}  // namespace
}  // namespace hostlens::conn
