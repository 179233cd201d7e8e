#include "agent/host/listening_ports.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ostream>
#include <string>

#include "tests/unit/host/fixture.h"
#include "tests/unit/host/scratch_procfs.h"

namespace hostlens::host {
namespace {

using test_util::FixtureRoot;
using test_util::ReadFixture;
using test_util::ScratchProcfs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

using PortsByPid = std::map<int, std::set<uint16_t>>;

// Fixture: 4000002 holds socket:[30395], listening on 0.0.0.0:8000 in net/tcp; 4000001 holds
// socket:[25648], listening on [::]:9090 in net/tcp6, plus two established sockets. Port 2024
// listens in net/tcp (inode 1470) but no fixture process holds it.
struct LookupCase {
  std::string name;
  std::set<uint16_t> ports;
  PortsByPid expected;
  friend void PrintTo(const LookupCase& c, std::ostream* os) { *os << c.name; }
};

class FindPidsListeningOnFixtureTest : public ::testing::TestWithParam<LookupCase> {};

TEST_P(FindPidsListeningOnFixtureTest, MatchesExpectedPids) {
  EXPECT_EQ(FindPidsListeningOn(Procfs(FixtureRoot()), GetParam().ports), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, FindPidsListeningOnFixtureTest,
    ::testing::Values(
        LookupCase{"Ipv4Listener", {8000}, {{4000002, {8000}}}},
        LookupCase{"Ipv6Listener", {9090}, {{4000001, {9090}}}},
        LookupCase{"BothAndUnowned", {2024, 8000, 9090}, {{4000001, {9090}}, {4000002, {8000}}}},
        LookupCase{"ListenerWithoutProcess", {2024}, {}},
        LookupCase{"EstablishedLocalPortIsNotListening", {39730}, {}},
        LookupCase{"UnusedPort", {1234}, {}}, LookupCase{"NoPorts", {}, {}}),
    [](const ::testing::TestParamInfo<LookupCase>& info) { return info.param.name; });

TEST(FindPidsListeningOnTest, ReturnsEveryProcessSharingAListeningSocket) {
  ScratchProcfs scratch;
  scratch.Write("net/tcp", ReadFixture("net/tcp"));
  scratch.Symlink("10/fd/3", "socket:[30395]");  // pre-fork server: master and worker
  scratch.Symlink("11/fd/3", "socket:[30395]");
  scratch.Symlink("12/fd/3", "socket:[30478]");  // an established socket
  EXPECT_THAT(FindPidsListeningOn(Procfs(scratch.root()), {8000, 39730}),
              ElementsAre(Pair(10, ElementsAre(8000)), Pair(11, ElementsAre(8000))));
}

TEST(FindPidsListeningOnTest, UsesTheReadableTableWhenTheOtherIsMissingOrMalformed) {
  ScratchProcfs scratch;
  scratch.Write("net/tcp", "not a socket table\n");
  scratch.Write("net/tcp6", ReadFixture("net/tcp6"));
  scratch.Symlink("20/fd/7", "socket:[25648]");
  EXPECT_THAT(FindPidsListeningOn(Procfs(scratch.root()), {9090, 8000}),
              ElementsAre(Pair(20, ElementsAre(9090))));
}

TEST(FindPidsListeningOnTest, MissingRootFindsNothing) {
  EXPECT_THAT(FindPidsListeningOn(Procfs("/nonexistent/proc"), {80}), IsEmpty());
}

TEST(FindPidsListeningOnLiveTest, FindsOwnListeningSocket) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  uint16_t port = ntohs(address.sin_port);

  PortsByPid found = FindPidsListeningOn(Procfs(), {port});
  close(fd);
  ASSERT_TRUE(found.contains(getpid()));
  EXPECT_THAT(found.at(getpid()), ElementsAre(port));
}

}  // namespace
}  // namespace hostlens::host
