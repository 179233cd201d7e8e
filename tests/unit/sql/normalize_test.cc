#include "agent/sql/normalize.h"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace hostlens::sql {
namespace {

struct Case {
  std::string name;
  std::string sql;
  std::string operation;
  std::string collection;
  std::string normalized;
  Dialect dialect = Dialect::kPostgres;
  friend void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }
};

class NormalizeTest : public testing::TestWithParam<Case> {};

TEST_P(NormalizeTest, GivesOperationCollectionAndNormalizedText) {
  const Case& c = GetParam();
  Statement s = Normalize(c.sql, c.dialect);
  EXPECT_EQ(s.operation, c.operation);
  EXPECT_EQ(s.collection, c.collection);
  EXPECT_EQ(s.normalized, c.normalized);
}

std::string CaseName(const testing::TestParamInfo<Case>& info) { return info.param.name; }

constexpr Dialect kMy = Dialect::kMySql;

INSTANTIATE_TEST_SUITE_P(
    DjangoOrm, NormalizeTest,
    testing::Values(
        Case{
            "GetById",
            R"(SELECT "app_item"."id", "app_item"."name" FROM "app_item" WHERE "app_item"."id" = 42 LIMIT 21)",
            "SELECT", "app_item",
            R"(SELECT "app_item"."id", "app_item"."name" FROM "app_item" WHERE "app_item"."id" = ? LIMIT ?)"},
        Case{"FilterIn",
             R"(SELECT "app_item"."id" FROM "app_item" WHERE "app_item"."owner_id" IN (1, 2, 3))",
             "SELECT", "app_item",
             R"(SELECT "app_item"."id" FROM "app_item" WHERE "app_item"."owner_id" IN (...))"},
        Case{
            "InsertReturning",
            R"(INSERT INTO "app_item" ("name", "price") VALUES ('widget', 9.99) RETURNING "app_item"."id")",
            "INSERT", "app_item",
            R"(INSERT INTO "app_item" ("name", "price") VALUES (...) RETURNING "app_item"."id")"},
        Case{"BulkCreate", R"(INSERT INTO "app_item" ("name") VALUES ('a'), ('b'), ('c'))",
             "INSERT", "app_item", R"(INSERT INTO "app_item" ("name") VALUES (...))"},
        Case{"Update",
             R"(UPDATE "app_item" SET "name" = 'x', "price" = 1.5E3 WHERE "app_item"."id" = 7)",
             "UPDATE", "app_item",
             R"(UPDATE "app_item" SET "name" = ?, "price" = ? WHERE "app_item"."id" = ?)"},
        Case{"Delete", R"(DELETE FROM "app_item" WHERE "app_item"."id" IN (5))", "DELETE",
             "app_item", R"(DELETE FROM "app_item" WHERE "app_item"."id" IN (...))"},
        Case{"Count", R"(SELECT COUNT(*) AS "__count" FROM "app_item")", "SELECT", "app_item",
             R"(SELECT COUNT(*) AS "__count" FROM "app_item")"},
        Case{"Savepoint", R"(SAVEPOINT "s140_x1")", "SAVEPOINT", "", R"(SAVEPOINT "s140_x1")"}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    Pgbench, NormalizeTest,
    testing::Values(
        Case{"UpdateAccounts",
             "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;", "UPDATE",
             "pgbench_accounts",
             "UPDATE pgbench_accounts SET abalance = abalance + ? WHERE aid = ?;"},
        Case{"SelectAccount", "SELECT abalance FROM pgbench_accounts WHERE aid = $1;", "SELECT",
             "pgbench_accounts", "SELECT abalance FROM pgbench_accounts WHERE aid = ?;"},
        Case{"SimpleSelect", "SELECT abalance FROM pgbench_accounts WHERE aid = 83771;", "SELECT",
             "pgbench_accounts", "SELECT abalance FROM pgbench_accounts WHERE aid = ?;"},
        Case{"UpdateTellersSimple",
             "UPDATE pgbench_tellers SET tbalance = tbalance + -4211 WHERE tid = 7;", "UPDATE",
             "pgbench_tellers",
             "UPDATE pgbench_tellers SET tbalance = tbalance + ? WHERE tid = ?;"},
        Case{"InsertHistory",
             "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, "
             "CURRENT_TIMESTAMP);",
             "INSERT", "pgbench_history",
             "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (...);"},
        Case{"Begin", "BEGIN;", "BEGIN", "", "BEGIN;"}, Case{"End", "END;", "END", "", "END;"},
        Case{"Vacuum", "vacuum analyze pgbench_branches", "VACUUM", "",
             "vacuum analyze pgbench_branches"},
        Case{"Truncate", "truncate pgbench_history", "TRUNCATE", "pgbench_history",
             "truncate pgbench_history"},
        Case{"Copy", "copy pgbench_accounts from stdin with (freeze on)", "COPY",
             "pgbench_accounts", "copy pgbench_accounts from stdin with (freeze on)"}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    MySql, NormalizeTest,
    testing::Values(Case{"Backticks",
                         "SELECT `id`, `name` FROM `shop`.`orders` WHERE `status` = \"paid\"",
                         "SELECT", "orders",
                         "SELECT `id`, `name` FROM `shop`.`orders` WHERE `status` = ?", kMy},
                    Case{"BackslashEscape", R"(SELECT * FROM t WHERE a = 'it\'s 42' AND b = 1)",
                         "SELECT", "t", "SELECT * FROM t WHERE a = ? AND b = ?", kMy},
                    Case{"HashComment", "SELECT 1 # secret 99\nFROM dual", "SELECT", "dual",
                         "SELECT ? FROM dual", kMy},
                    Case{"InsertWithoutInto", "INSERT IGNORE `Log` VALUES (1,'x')", "INSERT", "Log",
                         "INSERT IGNORE `Log` VALUES (...)", kMy},
                    Case{"Replace", "REPLACE INTO kv (k, v) VALUES ('a', 'b')", "REPLACE", "kv",
                         "REPLACE INTO kv (k, v) VALUES (...)", kMy},
                    Case{"Placeholders", "UPDATE users SET name = ? WHERE id = ?", "UPDATE",
                         "users", "UPDATE users SET name = ? WHERE id = ?", kMy},
                    Case{"CharsetIntroducer", "SELECT _utf8mb4'secret' COLLATE utf8mb4_bin",
                         "SELECT", "", "SELECT ? COLLATE utf8mb4_bin", kMy},
                    Case{"HexAndBit", "SELECT x'DEADBEEF', b'0101', 0xCAFE FROM t", "SELECT", "t",
                         "SELECT ?, ?, ? FROM t", kMy},
                    Case{"MixedCaseKeptInMySql", "select * from Users", "SELECT", "Users",
                         "select * from Users", kMy},
                    Case{"VersionComment", "/*!40101 SET NAMES utf8 */ SELECT 1", "SELECT", "",
                         "SELECT ?", kMy}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    Structure, NormalizeTest,
    testing::Values(
        Case{"Cte",
             "WITH recent AS (SELECT * FROM orders WHERE ts > now() - interval '1 day') "
             "SELECT count(*) FROM recent",
             "SELECT", "recent",
             "WITH recent AS (SELECT * FROM orders WHERE ts > now() - interval ?) "
             "SELECT count(*) FROM recent"},
        Case{"CteInsert",
             "WITH moved AS (DELETE FROM a RETURNING *) INSERT INTO b SELECT * FROM moved",
             "INSERT", "b",
             "WITH moved AS (DELETE FROM a RETURNING *) INSERT INTO b SELECT * FROM moved"},
        Case{"RecursiveCteWithColumns",
             "WITH RECURSIVE t(n) AS (VALUES (1) UNION ALL SELECT n+1 FROM t WHERE n < 100) "
             "SELECT sum(n) FROM t",
             "SELECT", "t",
             "WITH RECURSIVE t(n) AS (VALUES (...) UNION ALL SELECT n+? FROM t WHERE n < ?) "
             "SELECT sum(n) FROM t"},
        Case{"JoinFirstTable",
             "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.id = 3",
             "SELECT", "orders",
             "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.id = ?"},
        Case{"SubqueryInFrom", "SELECT * FROM (SELECT id FROM users) AS u", "SELECT", "",
             "SELECT * FROM (SELECT id FROM users) AS u"},
        Case{"SubqueryInSelectList", "SELECT (SELECT max(id) FROM b), extract(year from d) FROM a",
             "SELECT", "a", "SELECT (SELECT max(id) FROM b), extract(year from d) FROM a"},
        Case{"InSubqueryKept", "SELECT * FROM a WHERE id IN (SELECT a_id FROM b)", "SELECT", "a",
             "SELECT * FROM a WHERE id IN (SELECT a_id FROM b)"},
        Case{"InColumnsKept", "SELECT * FROM a WHERE 3 IN (x, y)", "SELECT", "a",
             "SELECT * FROM a WHERE ? IN (x, y)"},
        Case{"FunctionInFrom", "SELECT * FROM generate_series(1, 10)", "SELECT", "",
             "SELECT * FROM generate_series(?, ?)"},
        Case{"NoFrom", "SELECT 1", "SELECT", "", "SELECT ?"},
        Case{"SchemaQualified", "SELECT * FROM public.users", "SELECT", "users",
             "SELECT * FROM public.users"},
        Case{"QuotedWithEscapedQuote", R"(SELECT * FROM "My ""Big"" Table")", "SELECT",
             R"(My "Big" Table)", R"(SELECT * FROM "My ""Big"" Table")"},
        Case{"UnquotedFoldedToLowercase", "SELECT * FROM Public.USERS", "SELECT", "users",
             "SELECT * FROM Public.USERS"},
        Case{"BracketName", "SELECT * FROM dbo.[Orders]", "SELECT", "Orders",
             "SELECT * FROM dbo.[Orders]"},
        Case{"FromOnly", "DELETE FROM ONLY parent WHERE id = 1", "DELETE", "parent",
             "DELETE FROM ONLY parent WHERE id = ?"},
        Case{"ParenthesizedUnion", "(SELECT a FROM x) UNION (SELECT a FROM y)", "SELECT", "x",
             "(SELECT a FROM x) UNION (SELECT a FROM y)"},
        Case{"Explain", "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM t WHERE id = 1", "EXPLAIN", "t",
             "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM t WHERE id = ?"},
        Case{"CopyQuery", "COPY (SELECT * FROM t) TO STDOUT", "COPY", "",
             "COPY (SELECT * FROM t) TO STDOUT"},
        Case{"UnknownVerb", "FOO bar baz", "", "", "FOO bar baz"}, Case{"Empty", "", "", "", ""},
        Case{"OnlyComment", "-- nothing 42", "", "", ""},
        Case{"SetConfig", "SET statement_timeout = 5000", "SET", "", "SET statement_timeout = ?"},
        Case{"Show", "SHOW server_version", "SHOW", "", "SHOW server_version"},
        Case{"MultiStatement", "BEGIN; SELECT * FROM t", "BEGIN", "", "BEGIN; SELECT * FROM t"},
        Case{"ArrayCollapsed", "SELECT * FROM t WHERE id = ANY(ARRAY[1, 2, 3])", "SELECT", "t",
             "SELECT * FROM t WHERE id = ANY(ARRAY[...])"},
        Case{"CastAndSubscript", "SELECT a[1]::int, b[i:j] FROM t", "SELECT", "t",
             "SELECT a[?]::int, b[i:j] FROM t"}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    Literals, NormalizeTest,
    testing::Values(
        Case{"DoubledQuote", "SELECT 'it''s 42'", "SELECT", "", "SELECT ?"},
        Case{"BackslashIsPlainInStandardString", R"(SELECT 'a\', 7)", "SELECT", "", "SELECT ?, ?"},
        Case{"EscapeString", R"(SELECT E'a\'b 42', 7)", "SELECT", "", "SELECT ?, ?"},
        Case{"UnicodeString", "SELECT U&'d\\0061t\\+000061'", "SELECT", "", "SELECT ?"},
        Case{"DollarQuoted", "SELECT $$it's 42$$, 1", "SELECT", "", "SELECT ?, ?"},
        Case{"DollarTagged", "DO $body$ BEGIN RAISE 'x$$y 42'; END $body$", "DO", "", "DO ?"},
        Case{"Numbers", "SELECT 1, 1.5, .5, 1e10, 2.5E-3, 0x1F, 1_000", "SELECT", "",
             "SELECT ?, ?, ?, ?, ?, ?, ?"},
        Case{"NegativeAfterOperator", "SELECT * FROM t WHERE a = -5 AND b < -.5", "SELECT", "t",
             "SELECT * FROM t WHERE a = ? AND b < ?"},
        Case{"SubtractionKept", "SELECT a - 5, a-5, (a)-5", "SELECT", "",
             "SELECT a - ?, a-?, (a)-?"},
        Case{"NegativeAfterKeyword", "SELECT -1 WHERE x IS NOT -2", "SELECT", "",
             "SELECT ? WHERE x IS NOT ?"},
        Case{"Booleans", "UPDATE t SET a = TRUE, b = false, c = NULL", "UPDATE", "t",
             "UPDATE t SET a = ?, b = ?, c = NULL"},
        Case{"NamedPlaceholder", "SELECT * FROM t WHERE id = :id AND x = %s AND y = %(y)s",
             "SELECT", "t", "SELECT * FROM t WHERE id = ? AND x = ? AND y = ?"},
        Case{"Modulo", "SELECT a % 2, a%b FROM t", "SELECT", "t", "SELECT a % ?, a%b FROM t"},
        Case{"TypedLiteral", "SELECT DATE '2024-01-01', INTERVAL '5 minutes'", "SELECT", "",
             "SELECT DATE ?, INTERVAL ?"},
        Case{"BitAndHex", "SELECT B'1010', X'1F'", "SELECT", "", "SELECT ?, ?"},
        Case{"InListWithNullAndPlaceholders", "SELECT 1 FROM t WHERE a IN ($1, NULL, $2)", "SELECT",
             "t", "SELECT ? FROM t WHERE a IN (...)"},
        Case{"PgSleep", "SELECT pg_sleep(0.25)", "SELECT", "", "SELECT pg_sleep(?)"},
        Case{"NumberGluedToName", "SELECT 123abc", "SELECT", "", "SELECT ?"},
        Case{"UnterminatedString", "SELECT * FROM t WHERE a = 'secret 42 and more", "SELECT", "t",
             "SELECT * FROM t WHERE a = ?"},
        Case{"UnterminatedDollar", "SELECT $q$ secret 42", "SELECT", "", "SELECT ?"},
        Case{"UnterminatedQuotedName", R"(SELECT "secret 42)", "SELECT", "", "SELECT ?"},
        Case{"MySqlDoubleQuoted", R"(SELECT "secret \" 42", 'x')", "SELECT", "", "SELECT ?, ?",
             kMy}),
    CaseName);

INSTANTIATE_TEST_SUITE_P(
    Comments, NormalizeTest,
    testing::Values(
        Case{"Line", "SELECT a -- secret 42\nFROM t", "SELECT", "t", "SELECT a FROM t"},
        Case{"Block", "SELECT /* secret 42 */ a FROM t", "SELECT", "t", "SELECT a FROM t"},
        Case{"BlockSeparatesTokens", "SELECT a/**/FROM t", "SELECT", "t", "SELECT a FROM t"},
        Case{"NestedBlock", "SELECT /* a /* b */ secret 42 */ 1", "SELECT", "", "SELECT ?"},
        Case{"LeadingComment", "/* controller='users' */ SELECT 1", "SELECT", "", "SELECT ?"},
        Case{"UnterminatedBlock", "SELECT 1 /* secret 42", "SELECT", "", "SELECT ?"},
        Case{"WhitespaceFolded", "SELECT\n\ta ,\r\n  b\tFROM   t  ", "SELECT", "t",
             "SELECT a , b FROM t"}),
    CaseName);

TEST(NormalizeTest, TruncatedNameIsNotTrusted) {
  NormalizeOptions options;
  options.truncated = true;
  Statement s = Normalize("SELECT * FROM pgbench_acc", options);
  EXPECT_EQ(s.operation, "SELECT");
  EXPECT_EQ(s.collection, "");
  EXPECT_EQ(s.normalized, "SELECT * FROM pgbench_acc...");
  EXPECT_EQ(Normalize("SELECT * FROM users WHERE a = ", options).collection, "users");
  EXPECT_EQ(Normalize("SELECT * FROM users", Dialect::kPostgres).collection, "users");
}

TEST(NormalizeTest, LongTextIsBounded) {
  std::string sql = "SELECT * FROM big WHERE ";
  while (sql.size() < 3 * kMaxNormalizedBytes) sql += "col = 12345 OR ";
  Statement s = Normalize(sql);
  EXPECT_LE(s.normalized.size(), kMaxNormalizedBytes + 3);
  EXPECT_TRUE(s.normalized.ends_with("...")) << s.normalized;
  EXPECT_EQ(s.collection, "big");
  EXPECT_EQ(s.normalized.find_first_of("0123456789"), std::string::npos);
}

TEST(NormalizeTest, HugeInListCollapsesAndAnalysisSurvivesAFullBuffer) {
  std::string sql = "SELECT id FROM t WHERE id IN (";
  for (int i = 0; i < 10000; ++i) sql += (i ? ", " : "") + std::to_string(i);
  sql += ")";
  EXPECT_EQ(Normalize(sql).normalized, "SELECT id FROM t WHERE id IN (...)");

  std::string late_from = "WITH x AS (SELECT " + std::string(5000, 'a') + ") SELECT * FROM late";
  Statement s = Normalize(late_from);
  EXPECT_EQ(s.operation, "SELECT");
  EXPECT_EQ(s.collection, "late");
}

// Statements whose literals all contain the digit 7 or the letter Q and nothing else does:
// no prefix of them may show either.
struct LeakCase {
  std::string name;
  std::string sql;
  Dialect dialect = Dialect::kPostgres;
  friend void PrintTo(const LeakCase& c, std::ostream* os) { *os << c.name; }
};

class PrefixLeakTest : public testing::TestWithParam<LeakCase> {};

TEST_P(PrefixLeakTest, NoPrefixLeaksALiteral) {
  const LeakCase& c = GetParam();
  for (size_t n = 0; n <= c.sql.size(); ++n) {
    std::string prefix = c.sql.substr(0, n);  // its own allocation, for ASan
    for (bool truncated : {false, true}) {
      Statement s = Normalize(prefix, NormalizeOptions{c.dialect, truncated});
      for (const std::string* field : {&s.normalized, &s.operation, &s.collection}) {
        ASSERT_EQ(field->find_first_of("7Q"), std::string::npos)
            << "prefix " << n << ": " << prefix << "\n→ " << *field;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Statements, PrefixLeakTest,
    testing::Values(
        LeakCase{
            "Django",
            R"(SELECT "app_item"."id" FROM "app_item" WHERE "app_item"."name" = 'QQ''Q' AND "app_item"."id" IN (77, 7.7e7, -77) LIMIT 77)"},
        LeakCase{"Pgbench",
                 "UPDATE pgbench_accounts SET abalance = abalance + -777 WHERE aid = $7;"},
        LeakCase{"DollarAndEscape",
                 R"(SELECT $Q$ 7 $Q $Q$, $$ Q7 $$, E'\'Q7\'', U&'Q7', B'77', X'7F' /* Q7 */)"},
        LeakCase{
            "CommentsAndCte",
            "WITH a AS (SELECT 7 AS x -- Q7\n) SELECT x FROM a WHERE x = 'Q' /* 7 /* Q */ 7 */"},
        LeakCase{"Placeholders", "SELECT * FROM t WHERE a = :QQ AND b = %(QQ)s AND c = .7",
                 Dialect::kPostgres},
        LeakCase{
            "MySql",
            R"(INSERT INTO `t` (`a`, `b`) VALUES ("Q\"Q7", 'Q\'7'), (_utf8mb4'Q7', x'77') # Q7)",
            Dialect::kMySql},
        LeakCase{"MySqlUpdate", R"(UPDATE `t` SET a = "Q7" WHERE b = 0x77 AND c = 'Q')",
                 Dialect::kMySql}),
    [](const testing::TestParamInfo<LeakCase>& info) { return info.param.name; });

}  // namespace
}  // namespace hostlens::sql
