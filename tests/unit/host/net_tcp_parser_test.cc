#include "agent/host/net_tcp_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>

#include "tests/unit/host/fixture.h"
#include "tests/unit/host/prefix_sweep.h"

namespace hostlens::host {
namespace {

using test_util::ForEachPrefix;
using test_util::ReadFixture;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;

constexpr std::string_view kTcpHeader =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode\n";

auto IsListening(uint16_t port, uint64_t inode) {
  return ::testing::AllOf(Field("port", &ListeningSocket::port, port),
                          Field("inode", &ListeningSocket::inode, inode));
}

TEST(ParseListeningSocketsTest, ReadsIpv4FixtureSkippingEstablished) {
  // 00000000:1F40 (8000) inode 30395 and 00000000:07E8 (2024) inode 1470 are LISTEN (0A);
  // 0100007F:9B32 inode 30478 is ESTABLISHED (01).
  std::optional<std::vector<ListeningSocket>> sockets =
      ParseListeningSockets(ReadFixture("net/tcp"));
  ASSERT_TRUE(sockets.has_value());
  EXPECT_THAT(*sockets, ElementsAre(IsListening(8000, 30395), IsListening(2024, 1470)));
}

TEST(ParseListeningSocketsTest, ReadsIpv6Fixture) {
  // [::]:2382 (9090) inode 25648 is LISTEN; the v4-mapped peer socket inode 25687 is not.
  std::optional<std::vector<ListeningSocket>> sockets =
      ParseListeningSockets(ReadFixture("net/tcp6"));
  ASSERT_TRUE(sockets.has_value());
  EXPECT_THAT(*sockets, ElementsAre(IsListening(9090, 25648)));
}

TEST(ParseListeningSocketsTest, HeaderOnlyMeansNoSockets) {
  std::optional<std::vector<ListeningSocket>> sockets = ParseListeningSockets(kTcpHeader);
  ASSERT_TRUE(sockets.has_value());
  EXPECT_THAT(*sockets, IsEmpty());
}

TEST(ParseListeningSocketsTest, ReadsHighestPort) {
  std::string text(kTcpHeader);
  text +=
      "   0: 00000000:FFFF 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 "
      "77 1 0000000000000000 100 0 0 10 0\n";
  std::optional<std::vector<ListeningSocket>> sockets = ParseListeningSockets(text);
  ASSERT_TRUE(sockets.has_value());
  EXPECT_THAT(*sockets, ElementsAre(IsListening(65535, 77)));
}

struct MalformedCase {
  std::string name;
  std::string socket_line;  // appended to the header; "<none>" means the text has no header
  friend void PrintTo(const MalformedCase& c, std::ostream* os) { *os << c.name; }
};

class ParseListeningSocketsMalformedTest : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(ParseListeningSocketsMalformedTest, ReturnsNullopt) {
  std::string text = GetParam().socket_line == "<none>" ? "" : std::string(kTcpHeader);
  if (GetParam().socket_line != "<none>") text += GetParam().socket_line;
  EXPECT_EQ(ParseListeningSockets(text), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseListeningSocketsMalformedTest,
    ::testing::Values(
        MalformedCase{"EmptyText", "<none>"},
        MalformedCase{"TooFewFields", "   0: 00000000:1F40 00000000:0000 0A 00000000:00000000\n"},
        MalformedCase{"SlotWithoutColon",
                      "   0 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 "
                      "00000000     0        0 30395 1\n"},
        MalformedCase{"LocalWithoutPort",
                      "   0: 000000001F40 00000000:0000 0A 00000000:00000000 00:00000000 "
                      "00000000     0        0 30395 1\n"},
        MalformedCase{"PortNotHex",
                      "   0: 00000000:1G40 00000000:0000 0A 00000000:00000000 00:00000000 "
                      "00000000     0        0 30395 1\n"},
        MalformedCase{"PortTooLarge",
                      "   0: 00000000:10000 00000000:0000 0A 00000000:00000000 00:00000000 "
                      "00000000     0        0 30395 1\n"},
        MalformedCase{"StateNotHex",
                      "   0: 00000000:1F40 00000000:0000 ZZ 00000000:00000000 00:00000000 "
                      "00000000     0        0 30395 1\n"},
        MalformedCase{"InodeNotDecimal",
                      "   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 "
                      "00000000     0        0 7A7B 1\n"}),
    [](const ::testing::TestParamInfo<MalformedCase>& info) { return info.param.name; });

TEST(ParseListeningSocketsTest, TextWithoutHeaderIsMalformed) {
  std::string text = ReadFixture("net/tcp");
  text.erase(0, text.find('\n') + 1);
  EXPECT_EQ(ParseListeningSockets(text), std::nullopt);
}

class ParseListeningSocketsPrefixTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ParseListeningSocketsPrefixTest, EveryPrefixIsSafeAndNeverInventsSockets) {
  std::string text = ReadFixture(GetParam());
  ForEachPrefix(text, [](size_t length, std::string_view prefix) {
    std::optional<std::vector<ListeningSocket>> sockets = ParseListeningSockets(prefix);
    if (length == 0) {
      EXPECT_EQ(sockets, std::nullopt);
    }
    if (sockets) {
      EXPECT_LE(sockets->size(), 2u) << "prefix length " << length;
    }
  });
}

INSTANTIATE_TEST_SUITE_P(Tables, ParseListeningSocketsPrefixTest,
                         ::testing::Values("net/tcp", "net/tcp6"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param == "net/tcp" ? "Tcp" : "Tcp6";
                         });

}  // namespace
}  // namespace hostlens::host
