#include "agent/events/dispatcher.h"

#include <gtest/gtest.h>

#include <cstring>

#include <filesystem>
#include <fstream>

namespace hostlens::events {
namespace {

class NullKernelSet : public targets::TrackedSet {
 public:
  bool Track(uint32_t, uint32_t) override { return true; }
  void Untrack(uint32_t) override {}
};

class NullKernelConnections : public conn::KernelConnections {
 public:
  void Ignore(uint32_t, int32_t, uint64_t) override {}
  void Forget(uint32_t, int32_t) override {}
};

class CountingSink : public conn::ConnectionSink {
 public:
  void OnHttpExchange(const conn::Connection&, const protocols::http1::Exchange&) override {
    ++exchanges;
  }
  void OnAccept(const conn::Connection&, uint64_t) override {}
  void OnWebsocketOpen(const conn::Connection&, const std::string&) override {}
  void OnWebsocketClose(const conn::Connection&, const std::string&) override {}
  int exchanges = 0;
};

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest()
      : procfs_("/nonexistent"),
        table_({*config::Selector::ForExe("/app$")}, procfs_, kernel_, 1),
        connections_([](uint32_t) { return std::string("app"); }, kernel_connections_, sink_),
        counters_(registry_),
        dispatcher_(table_, connections_, counters_) {}
  host::Procfs procfs_;
  NullKernelSet kernel_;
  targets::ProcessTable table_;
  NullKernelConnections kernel_connections_;
  CountingSink sink_;
  conn::ConnectionTable connections_;
  prometheus::Registry registry_;
  metrics::EventCounters counters_;
  Dispatcher dispatcher_;
};

TEST_F(DispatcherTest, ShortOrUnknownRecordsAreParseLossesNotCrashes) {
  hl_proc_exec_event exec{};
  exec.hdr.kind = HL_EV_PROC_EXEC;
  for (size_t size = 0; size < sizeof(exec); ++size) dispatcher_.Handle(&exec, size);
  EXPECT_EQ(counters_.parse_errors(), sizeof(exec));
  EXPECT_EQ(counters_.events(HL_EV_PROC_EXEC), 0u);

  hl_event_header unknown{};
  unknown.kind = 4242;
  dispatcher_.Handle(&unknown, sizeof(unknown));
  EXPECT_EQ(counters_.parse_errors(), sizeof(exec) + 1);
}

TEST_F(DispatcherTest, ExecWithoutNulTerminatorIsSafe) {
  hl_proc_exec_event exec{};
  exec.hdr.kind = HL_EV_PROC_EXEC;
  exec.hdr.tgid = 5;
  std::memset(exec.filename, 'a', sizeof(exec.filename));
  std::memcpy(exec.filename, "/app", 4);
  dispatcher_.Handle(&exec, sizeof(exec));
  EXPECT_EQ(counters_.events(HL_EV_PROC_EXEC), 1u);
  EXPECT_FALSE(table_.IsTracked(5));  // "/appaaaa..." does not end in /app
}

TEST_F(DispatcherTest, ConnectionEventsOfUntrackedProcessesAreIgnoredNotCounted) {
  hl_proc_exec_event exec{};
  exec.hdr.kind = HL_EV_PROC_EXEC;
  exec.hdr.tgid = 6;
  std::strcpy(exec.filename, "/srv/app");
  dispatcher_.Handle(&exec, sizeof(exec));
  ASSERT_TRUE(table_.IsTracked(6));

  hl_conn_event conn{};
  conn.hdr.kind = HL_EV_CONN_OPEN;
  conn.hdr.tgid = 6;
  dispatcher_.Handle(&conn, sizeof(conn));
  conn.hdr.tgid = 7;  // pending, then not matched
  dispatcher_.Handle(&conn, sizeof(conn));
  EXPECT_EQ(counters_.events(HL_EV_CONN_OPEN), 1u);
  EXPECT_EQ(counters_.ignored(), 1u);
}

// A data record as the kernel writes it: fixed part, head, tail.
std::string DataRecord(uint32_t tgid, uint64_t generation, uint8_t direction,
                       std::string_view head, uint64_t length, std::string_view tail) {
  hl_data_event e{};
  e.hdr.kind = HL_EV_DATA;
  e.hdr.tgid = tgid;
  e.generation = generation;
  e.fd = 3;
  e.direction = direction;
  e.length = length;
  e.head_len = static_cast<uint16_t>(head.size());
  e.tail_len = static_cast<uint16_t>(tail.size());
  std::string record(reinterpret_cast<const char*>(&e), HL_DATA_EVENT_FIXED_SIZE);
  record.append(head);
  record.append(tail);
  return record;
}

TEST_F(DispatcherTest, DataRecordsReachTheParserAndBadLengthsAreParseLosses) {
  hl_proc_exec_event exec{};
  exec.hdr.kind = HL_EV_PROC_EXEC;
  exec.hdr.tgid = 6;
  std::strcpy(exec.filename, "/srv/app");
  dispatcher_.Handle(&exec, sizeof(exec));
  hl_conn_event open{};
  open.hdr.kind = HL_EV_CONN_OPEN;
  open.hdr.tgid = 6;
  open.fd = 3;
  open.generation = 1;
  open.role = HL_ROLE_SERVER;
  dispatcher_.Handle(&open, sizeof(open));

  const std::string request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
  const std::string response = "HTTP/1.1 204 No Content\r\n\r\n";
  auto in = DataRecord(6, 1, HL_DIR_INGRESS, request, request.size(), "");
  auto out = DataRecord(6, 1, HL_DIR_EGRESS, response, response.size(), "");
  dispatcher_.Handle(in.data(), in.size());
  dispatcher_.Handle(out.data(), out.size());
  EXPECT_EQ(sink_.exchanges, 1);
  EXPECT_EQ(counters_.events(HL_EV_DATA), 2u);

  const uint64_t errors = counters_.parse_errors();
  auto cut = DataRecord(6, 1, HL_DIR_INGRESS, request, request.size(), "");
  dispatcher_.Handle(cut.data(), cut.size() - 1);  // head runs past the record
  auto liar = DataRecord(6, 1, HL_DIR_INGRESS, request, 3, "");  // head longer than length
  dispatcher_.Handle(liar.data(), liar.size());
  EXPECT_EQ(counters_.parse_errors(), errors + 2);
  EXPECT_EQ(counters_.events(HL_EV_DATA), 2u);
}

}  // namespace
}  // namespace hostlens::events
