#include "agent/host/procfs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "tests/unit/host/fixture.h"
#include "tests/unit/host/scratch_procfs.h"

namespace hostlens::host {
namespace {

using test_util::FixtureRoot;
using test_util::ScratchProcfs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;

TEST(ProcfsTest, DefaultRootIsProc) { EXPECT_EQ(Procfs().root(), "/proc"); }

TEST(ProcfsTest, ReadsWholeFixtureFile) {
  Procfs procfs(FixtureRoot());
  EXPECT_EQ(procfs.root(), FixtureRoot());
  EXPECT_EQ(procfs.ReadFile("loadavg"), "0.05 0.07 0.03 1/91 4175\n");
  std::optional<std::string> stat = procfs.ReadFile("4000001/stat");
  ASSERT_TRUE(stat.has_value());
  EXPECT_THAT(*stat, StartsWith("4000001 (prometheus) S 1 "));
}

TEST(ProcfsTest, MissingFileOrDirectoryGivesNullopt) {
  Procfs procfs(FixtureRoot());
  EXPECT_EQ(procfs.ReadFile("no-such-file"), std::nullopt);
  EXPECT_EQ(procfs.ReadFile("4000009/stat"), std::nullopt);
  EXPECT_EQ(procfs.ReadFile("net"), std::nullopt);
}

TEST(ProcfsTest, ListsNumericEntriesOnly) {
  EXPECT_THAT(Procfs(FixtureRoot()).ListPids(), ElementsAre(4000001, 4000002));
}

TEST(ProcfsTest, ListPidsIgnoresNamesThatAreNotPositiveInts) {
  ScratchProcfs scratch;
  for (const char* name :
       {"12/stat", "3/stat", "0/stat", "12a/stat", "99999999999/stat", "self/x"}) {
    scratch.Write(name, "");
  }
  EXPECT_THAT(Procfs(scratch.root()).ListPids(), ElementsAre(3, 12));
}

TEST(ProcfsTest, ReadsExeLinksOfFixture) {
  Procfs procfs(FixtureRoot());
  EXPECT_EQ(procfs.ReadLink("4000001/exe"), "/usr/bin/prometheus");
  EXPECT_EQ(procfs.ReadLink("4000002/exe"), "/usr/bin/python3.11");
}

TEST(ProcfsTest, ReadsDanglingAndLongLinks) {
  ScratchProcfs scratch;
  std::string long_target = "/nonexistent/" + std::string(1000, 'x');
  scratch.Symlink("1/exe", "/nonexistent/nginx (deleted)");
  scratch.Symlink("2/exe", long_target);
  Procfs procfs(scratch.root());
  EXPECT_EQ(procfs.ReadLink("1/exe"), "/nonexistent/nginx (deleted)");
  EXPECT_EQ(procfs.ReadLink("2/exe"), long_target);
}

TEST(ProcfsTest, ReadLinkOfMissingOrRegularFileGivesNullopt) {
  Procfs procfs(FixtureRoot());
  EXPECT_EQ(procfs.ReadLink("4000009/exe"), std::nullopt);
  EXPECT_EQ(procfs.ReadLink("4000001/stat"), std::nullopt);
}

TEST(ProcfsTest, SocketInodesOfFixtureSkipFilesPipesAndAnonInodes) {
  // 4000001/fd: 0 → /dev/null, 4 → anon_inode:[eventpoll], 5 → pipe:[25644],
  // 7 → socket:[25648], 9 → socket:[30478], 11 → socket:[25687].
  Procfs procfs(FixtureRoot());
  EXPECT_THAT(procfs.SocketInodes(4000001), ElementsAre(25648, 25687, 30478));
  EXPECT_THAT(procfs.SocketInodes(4000002), ElementsAre(30395));
  EXPECT_THAT(procfs.SocketInodes(4000009), IsEmpty());
}

TEST(ProcfsTest, SocketInodesListsASharedSocketOnceAndIgnoresLookalikes) {
  ScratchProcfs scratch;
  scratch.Symlink("7/fd/3", "socket:[42]");
  scratch.Symlink("7/fd/4", "socket:[42]");
  scratch.Symlink("7/fd/5", "socket:[]");
  scratch.Symlink("7/fd/6", "socket:[12x]");
  scratch.Symlink("7/fd/7", "/tmp/socket:[43]");
  scratch.Symlink("7/fd/8", "socket:[44");
  EXPECT_THAT(Procfs(scratch.root()).SocketInodes(7), ElementsAre(42));
}

TEST(ProcfsTest, MissingRootGivesNothing) {
  Procfs procfs("/nonexistent/proc");
  EXPECT_EQ(procfs.ReadFile("stat"), std::nullopt);
  EXPECT_EQ(procfs.ReadLink("1/exe"), std::nullopt);
  EXPECT_THAT(procfs.ListPids(), IsEmpty());
  EXPECT_THAT(procfs.SocketInodes(1), IsEmpty());
}

// The live /proc reports st_size 0, so these check that reads do not trust the size.
TEST(ProcfsLiveTest, ReadsOwnProcessFromRealProc) {
  Procfs procfs;
  EXPECT_THAT(procfs.ListPids(), Contains(getpid()));
  std::optional<std::string> stat = procfs.ReadFile(std::to_string(getpid()) + "/stat");
  ASSERT_TRUE(stat.has_value());
  EXPECT_THAT(*stat, StartsWith(std::to_string(getpid()) + " ("));
  std::optional<std::string> meminfo = procfs.ReadFile("meminfo");
  ASSERT_TRUE(meminfo.has_value());
  EXPECT_THAT(*meminfo, StartsWith("MemTotal:"));
}

TEST(ProcfsLiveTest, FindsInodeOfOwnSocket) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  struct stat st {};
  ASSERT_EQ(fstat(fd, &st), 0);
  EXPECT_THAT(Procfs().SocketInodes(getpid()), Contains(static_cast<uint64_t>(st.st_ino)));
  close(fd);
}

}  // namespace
}  // namespace hostlens::host
