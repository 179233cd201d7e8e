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

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest()
      : procfs_("/nonexistent"),
        table_({*config::Selector::ForExe("/app$")}, procfs_, kernel_, 1),
        counters_(registry_),
        dispatcher_(table_, counters_) {}
  host::Procfs procfs_;
  NullKernelSet kernel_;
  targets::ProcessTable table_;
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

}  // namespace
}  // namespace hostlens::events
