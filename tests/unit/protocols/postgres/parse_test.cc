// Header parsers (the Pixie contract: consume only on success), field parsers and detection.

#include "agent/protocols/postgres/parse.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "tests/unit/protocols/segments.h"

namespace hostlens::protocols::postgres {
namespace {

using test_util::Bytes;

struct HeaderCase {
  std::string name;
  std::string bytes;
  bool frontend;
  ParseState want;
  char type;
  uint32_t length;
};

class HeaderTest : public testing::TestWithParam<HeaderCase> {};

TEST_P(HeaderTest, ParsesAndConsumesOnlyOnSuccess) {
  const HeaderCase& c = GetParam();
  std::string_view buf = c.bytes;
  char type = 0;
  uint32_t length = 0;
  ASSERT_EQ(ParseHeader(&buf, c.frontend, &type, &length), c.want);
  if (c.want == ParseState::kSuccess) {
    EXPECT_EQ(buf.size(), c.bytes.size() - 5);
    EXPECT_EQ(type, c.type);
    EXPECT_EQ(length, c.length);
  } else {
    EXPECT_EQ(buf.size(), c.bytes.size());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Headers, HeaderTest,
    testing::Values(
        HeaderCase{"Query", Bytes("Q\0\0\0\x0dselect 1\0"), true, ParseState::kSuccess, 'Q', 13},
        HeaderCase{"Sync", Bytes("S\0\0\0\x04"), true, ParseState::kSuccess, 'S', 4},
        HeaderCase{"SyncWithBody", Bytes("S\0\0\0\x05"), true, ParseState::kInvalid, 0, 0},
        HeaderCase{"ReadyForQuery", Bytes("Z\0\0\0\x05I"), false, ParseState::kSuccess, 'Z', 5},
        HeaderCase{"ReadyForQueryBadLength", Bytes("Z\0\0\0\x06I"), false, ParseState::kInvalid,
                   0, 0},
        HeaderCase{"DataRowHuge", Bytes("D\x7f\0\0\0"), false, ParseState::kInvalid, 0, 0},
        HeaderCase{"BackendTypeFromFrontend", Bytes("Z\0\0\0\x05"), true, ParseState::kInvalid,
                   0, 0},
        HeaderCase{"CutHeader", Bytes("Q\0\0"), true, ParseState::kNeedsMoreData, 0, 0},
        HeaderCase{"Empty", "", false, ParseState::kNeedsMoreData, 0, 0},
        HeaderCase{"NotAType", "GET / HTTP/1.1\r\n", true, ParseState::kInvalid, 0, 0}),
    [](const testing::TestParamInfo<HeaderCase>& info) { return info.param.name; });

TEST(StartupHeaderTest, ParsesStartupSslAndCancel) {
  std::string startup = Bytes("\0\0\0\x17\0\x03\0\0user\0bob\0\0");
  std::string_view buf = startup;
  uint32_t length = 0, code = 0;
  ASSERT_EQ(ParseStartupHeader(&buf, &length, &code), ParseState::kSuccess);
  EXPECT_EQ(code, kProtocolV3);
  EXPECT_EQ(length, 23u);
  std::string ssl = Bytes("\0\0\0\x08\x04\xd2\x16\x2f");
  buf = ssl;
  ASSERT_EQ(ParseStartupHeader(&buf, &length, &code), ParseState::kSuccess);
  EXPECT_EQ(code, kSslRequestCode);
  std::string cut = Bytes("\0\0\0");
  buf = cut;
  EXPECT_EQ(ParseStartupHeader(&buf, &length, &code), ParseState::kNeedsMoreData);
  EXPECT_EQ(buf.size(), 3u);
}

TEST(FieldsTest, ExtractsStatementsPortalsAndSqlState) {
  std::string name, sql, portal, statement;
  bool complete = false;
  ASSERT_TRUE(ParseParseMessage(Bytes("s1\0select $1\0\0\0"), &name, &sql, &complete));
  EXPECT_EQ(name, "s1");
  EXPECT_EQ(sql, "select $1");
  EXPECT_TRUE(complete);
  ASSERT_TRUE(ParseParseMessage(Bytes("\0select 12"), &name, &sql, &complete));
  EXPECT_EQ(sql, "select 12");
  EXPECT_FALSE(complete);
  ASSERT_TRUE(ParseBindMessage(Bytes("p\0s1\0\0\0"), &portal, &statement));
  EXPECT_EQ(portal, "p");
  EXPECT_EQ(statement, "s1");
  EXPECT_EQ(ErrorSqlState(Bytes("SERROR\0VERROR\0C42P01\0Mrelation does not exist\0\0")),
            "42P01");
  EXPECT_EQ(ErrorSqlState(Bytes("SERROR\0C42P0")), "");
}

TEST(DetectionTest, RecognizesStartupShapes) {
  EXPECT_TRUE(LooksLikePostgresClient(Bytes("\0\0\0\x08\x04\xd2\x16\x2f")));  // SSLRequest
  EXPECT_TRUE(LooksLikePostgresClient(Bytes("\0\0\0\x08\x04\xd2\x16\x30")));  // GSSENCRequest
  EXPECT_TRUE(LooksLikePostgresClient(Bytes("\0\0\0\x17\0\x03\0\0user\0bob\0\0")));
  EXPECT_TRUE(LooksLikePostgresClient(Bytes("\0\0\0\x10\x04\xd2\x16\x2e\0\0\0\x01\0\0\0\x02")));
  EXPECT_FALSE(LooksLikePostgresClient("GET / HTTP/1.1\r\n"));
  EXPECT_FALSE(LooksLikePostgresClient(Bytes("\0\0\0\x08\0\x02\0\0")));  // protocol 2
  EXPECT_FALSE(LooksLikePostgresClient(Bytes("\0\0\0")));
  EXPECT_FALSE(LooksLikePostgresClient(""));
}


// PostgreSQL 18: a client may ask for protocol 3.2, whose BackendKeyData key is 4 to 256 bytes.
TEST(ProtocolThreeTwoTest, StartupIsDetectedAndLongKeysFrame) {
  EXPECT_TRUE(LooksLikePostgresClient(Bytes("\0\0\0\x12\0\x03\0\x02user\0bob\0\0")));
  for (uint32_t length : {12u, 40u, 264u}) {
    std::string header = Bytes("K\0\0") + static_cast<char>(length >> 8) +
                         static_cast<char>(length & 0xff);
    std::string_view buf = header;
    char type = 0;
    uint32_t got = 0;
    EXPECT_EQ(ParseHeader(&buf, false, &type, &got), ParseState::kSuccess) << length;
    EXPECT_EQ(got, length);
  }
  for (uint32_t length : {11u, 265u}) {
    std::string header = Bytes("K\0\0") + static_cast<char>(length >> 8) +
                         static_cast<char>(length & 0xff);
    std::string_view buf = header;
    char type = 0;
    uint32_t got = 0;
    EXPECT_EQ(ParseHeader(&buf, false, &type, &got), ParseState::kInvalid) << length;
  }
}

TEST(FieldsTest, FatalSeverityPrefersTheUnlocalizedField) {
  EXPECT_TRUE(IsFatalError(Bytes("SFATAL\0VFATAL\0C57P01\0Mterminating\0\0")));
  EXPECT_TRUE(IsFatalError(Bytes("SFATAL\0C28P01\0\0")));  // before 9.6: no 'V'
  EXPECT_TRUE(IsFatalError(Bytes("SPANIK\0VPANIC\0\0")));
  EXPECT_FALSE(IsFatalError(Bytes("SFEHLER\0VERROR\0C42P01\0\0")));
  EXPECT_FALSE(IsFatalError(Bytes("SERROR\0VERROR\0C42P01\0\0")));
  EXPECT_FALSE(IsFatalError(Bytes("SFAT")));  // cut by the capture
  EXPECT_FALSE(IsFatalError(""));
}

}  // namespace
}  // namespace hostlens::protocols::postgres
