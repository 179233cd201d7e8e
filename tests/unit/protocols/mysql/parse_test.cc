// Header parser (the Pixie contract: consume only on success), field parsers and detection.

#include "agent/protocols/mysql/parse.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "tests/unit/protocols/fixture.h"
#include "tests/unit/protocols/mysql/wire.h"

namespace hostlens::protocols::mysql {
namespace {

using test_util::Le;

struct HeaderCase {
  std::string name;
  std::string bytes;
  ParseState want;
  uint32_t length;
  uint8_t seq;
};

class HeaderTest : public testing::TestWithParam<HeaderCase> {};

TEST_P(HeaderTest, ParsesAndConsumesOnlyOnSuccess) {
  const HeaderCase& c = GetParam();
  std::string_view buf = c.bytes;
  uint32_t length = 0;
  uint8_t seq = 0;
  ASSERT_EQ(ParsePacketHeader(&buf, &length, &seq), c.want);
  if (c.want == ParseState::kSuccess) {
    EXPECT_EQ(buf.size(), c.bytes.size() - 4);
    EXPECT_EQ(length, c.length);
    EXPECT_EQ(seq, c.seq);
  } else {
    EXPECT_EQ(buf.size(), c.bytes.size());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Headers, HeaderTest,
    testing::Values(
        HeaderCase{"Empty", "", ParseState::kNeedsMoreData, 0, 0},
        HeaderCase{"ThreeBytes", std::string("\x01\x00\x00", 3), ParseState::kNeedsMoreData, 0, 0},
        HeaderCase{"Ping", std::string("\x01\x00\x00\x00\x0e", 5), ParseState::kSuccess, 1, 0},
        HeaderCase{"LongWithSeq", std::string("\x10\x27\x01\x07", 4), ParseState::kSuccess,
                   0x012710, 7},
        HeaderCase{"Max", std::string("\xff\xff\xff\x01xyz", 7), ParseState::kSuccess, 0xffffff,
                   1}),
    [](const testing::TestParamInfo<HeaderCase>& info) { return info.param.name; });

struct LengthEncodedCase {
  std::string name;
  std::string bytes;
  bool ok;
  uint64_t value;
  size_t consumed;
};

class LengthEncodedTest : public testing::TestWithParam<LengthEncodedCase> {};

TEST_P(LengthEncodedTest, ReadsOrLeavesInput) {
  const LengthEncodedCase& c = GetParam();
  std::string_view buf = c.bytes;
  uint64_t value = 0;
  ASSERT_EQ(ReadLengthEncodedInt(&buf, &value), c.ok);
  EXPECT_EQ(buf.size(), c.bytes.size() - c.consumed);
  if (c.ok) {
    EXPECT_EQ(value, c.value);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Values, LengthEncodedTest,
    testing::Values(LengthEncodedCase{"OneByte", "\x05rest", true, 5, 1},
                    LengthEncodedCase{"TwoBytes", "\xfc" + Le(300, 2), true, 300, 3},
                    LengthEncodedCase{"ThreeBytes", "\xfd" + Le(70000, 3), true, 70000, 4},
                    LengthEncodedCase{"EightBytes", "\xfe" + Le(1ull << 40, 8), true, 1ull << 40,
                                      9},
                    LengthEncodedCase{"Cut", "\xfc\x01", false, 0, 0},
                    LengthEncodedCase{"Null", "\xfb", false, 0, 0},
                    LengthEncodedCase{"Empty", "", false, 0, 0}),
    [](const testing::TestParamInfo<LengthEncodedCase>& info) { return info.param.name; });

TEST(FieldsTest, ErrorCodeIsDecimal) {
  std::string err = test_util::Err(1, 1146);
  EXPECT_EQ(ErrorCode(std::string_view(err).substr(4)), "1146");
  EXPECT_EQ(ErrorCode("\xff\x7a"), "");  // code not captured
  EXPECT_EQ(ErrorCode(std::string("\x00\x00\x00", 3)), "");
}

TEST(FieldsTest, OkEofAndTerminatorStatus) {
  uint16_t status = 0;
  std::string ok = test_util::Ok(1, 0x000a);
  ASSERT_TRUE(ParseOkStatus(std::string_view(ok).substr(4), &status));
  EXPECT_EQ(status, 0x000a);
  std::string eof = test_util::Eof(5, 0x0022);
  ASSERT_TRUE(ParseEofStatus(std::string_view(eof).substr(4), &status));
  EXPECT_EQ(status, 0x0022);
  EXPECT_TRUE(IsEofPacket(std::string_view(eof).substr(4), 5));
  std::string okfe = test_util::OkFe(5, 0x0008);
  EXPECT_FALSE(IsEofPacket(std::string_view(okfe).substr(4), 7));
  ASSERT_TRUE(ParseTerminatorStatus(std::string_view(okfe).substr(4), 7, &status));
  EXPECT_EQ(status, 0x0008);
  EXPECT_FALSE(ParseOkStatus("\x00\xfc", &status));
}

TEST(FieldsTest, PrepareOkAndStatementId) {
  std::string ok = test_util::PrepareOk(1, 7, 2, 3);
  uint32_t id = 0;
  uint16_t columns = 0, params = 0;
  ASSERT_TRUE(ParsePrepareOk(std::string_view(ok).substr(4), &id, &columns, &params));
  EXPECT_EQ(id, 7u);
  EXPECT_EQ(columns, 2);
  EXPECT_EQ(params, 3);
  std::string exec = test_util::Execute(0x01020304);
  ASSERT_TRUE(ParseStatementId(std::string_view(exec).substr(4), &id));
  EXPECT_EQ(id, 0x01020304u);
  EXPECT_FALSE(ParseStatementId("\x17\x01", &id));
}

TEST(FieldsTest, HandshakeCapabilities) {
  uint32_t caps = 0;
  std::string greeting = test_util::Greeting(test_util::kBaseCaps | kClientDeprecateEof);
  ASSERT_TRUE(ParseServerGreeting(std::string_view(greeting).substr(4), &caps));
  EXPECT_EQ(caps, test_util::kBaseCaps | kClientDeprecateEof);
  bool ssl = true;
  std::string response = test_util::HandshakeResponse(test_util::kBaseCaps);
  ASSERT_TRUE(ParseHandshakeResponse(std::string_view(response).substr(4), response.size() - 4,
                                     &caps, &ssl));
  EXPECT_EQ(caps, test_util::kBaseCaps);
  EXPECT_FALSE(ssl);
  std::string request = test_util::SslRequest(test_util::kBaseCaps);
  ASSERT_TRUE(ParseHandshakeResponse(std::string_view(request).substr(4), 32, &caps, &ssl));
  EXPECT_TRUE(ssl);
}

TEST(FieldsTest, FinalPacketInTail) {
  size_t size = 0;
  std::string rows = test_util::TextRow(9, "xxxxxxxxxx");
  EXPECT_TRUE(EndsWithFinalResultPacket(rows + test_util::Eof(10), &size));
  EXPECT_EQ(size, 9u);
  EXPECT_TRUE(EndsWithFinalResultPacket(rows + test_util::OkFe(10), &size));
  EXPECT_EQ(size, 11u);
  EXPECT_FALSE(EndsWithFinalResultPacket(rows + test_util::Eof(10, 0x000a), &size));  // more
  EXPECT_FALSE(EndsWithFinalResultPacket(rows, &size));
  EXPECT_FALSE(EndsWithFinalResultPacket("", &size));
}

TEST(FieldsTest, PlausiblePacketStart) {
  std::string reply = test_util::ColumnCount(1, 1) + test_util::ColumnDef(2, "a") +
                      test_util::Eof(3) + test_util::TextRow(4, "1") + test_util::Eof(5);
  EXPECT_TRUE(PlausiblePacketStart(reply, reply.size(), 1));
  EXPECT_TRUE(PlausiblePacketStart(std::string_view(reply).substr(0, 20), reply.size(), 1));
  EXPECT_FALSE(PlausiblePacketStart(reply, reply.size(), 0));  // wrong seq
  EXPECT_FALSE(PlausiblePacketStart(std::string_view(reply).substr(6), reply.size() - 6, 1));
  std::string command = test_util::Command(kComQuery, "select 1");
  EXPECT_TRUE(PlausiblePacketStart(command, command.size(), 0));
  EXPECT_TRUE(PlausiblePacketStart(command, command.size() + 3, 0));  // next header in the gap
  EXPECT_FALSE(PlausiblePacketStart(command + "xy", command.size() + 2, 0));  // does not chain
}

TEST(DetectionTest, RealGreetingsAreMysql) {
  for (const std::string& name : test_util::CaptureNames("mysql")) {
    auto capture = test_util::LoadSqlCapture("mysql", name);
    for (const auto& r : capture.records) {
      if (r.from_client) continue;
      SCOPED_TRACE(name);
      EXPECT_TRUE(LooksLikeMysqlServerGreeting(r.bytes));
      for (size_t n = 6; n < r.bytes.size(); n += 7) {
        EXPECT_TRUE(LooksLikeMysqlServerGreeting(std::string_view(r.bytes).substr(0, n))) << n;
      }
      break;
    }
  }
  EXPECT_TRUE(LooksLikeMysqlServerGreeting(test_util::Greeting(test_util::kBaseCaps)));
}

TEST(DetectionTest, OtherProtocolsAreNot) {
  EXPECT_FALSE(LooksLikeMysqlServerGreeting(""));
  EXPECT_FALSE(LooksLikeMysqlServerGreeting("HTTP/1.1 200 OK\r\n\r\n"));
  EXPECT_FALSE(LooksLikeMysqlServerGreeting(std::string("\x00\x00\x00\x08\x04\xd2\x16\x2f", 8)));
  EXPECT_FALSE(LooksLikeMysqlServerGreeting("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"));
  EXPECT_FALSE(LooksLikeMysqlServerGreeting(test_util::Command(kComQuery, "select 1")));
  // An ERR as first packet (host blocked): not a greeting.
  EXPECT_FALSE(LooksLikeMysqlServerGreeting(test_util::Wire(0, "\xff\x69\x04Host blocked")));
}

}  // namespace
}  // namespace hostlens::protocols::mysql
