// DetectDbClient on the first bytes of real captures (tests/fixtures) and on their look-alikes.

#include "agent/conn/detect.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "tests/unit/conn/db_capture.h"
#include "tests/unit/protocols/segments.h"

namespace hostlens::conn {
namespace {

using protocols::test_util::Bytes;
using test_util::LoadDbCapture;

constexpr bool kIngress = true;
constexpr bool kEgress = false;

// The first record the client wrote (from_client) or read in a capture.
std::string FirstRecord(const std::string& protocol, const std::string& name, bool from_client) {
  for (const auto& r : LoadDbCapture(protocol, name).records) {
    if (r.from_client == from_client) return r.bytes;
  }
  ADD_FAILURE() << protocol << "/" << name << " has no such record";
  return {};
}

// The first write of a whole query after the handshake (what a connection older than the agent
// shows first): PostgreSQL 'Q' / 'P', MySQL COM_QUERY (seq 0, command 3).
std::string FirstQueryWrite(const std::string& protocol, const std::string& name) {
  for (const auto& r : LoadDbCapture(protocol, name).records) {
    if (!r.from_client || r.bytes.size() < 5) continue;
    if (protocol == "postgres" && (r.bytes[0] == 'Q' || r.bytes[0] == 'P')) return r.bytes;
    if (protocol == "mysql" && r.bytes[3] == 0 && r.bytes[4] == 3) return r.bytes;
  }
  ADD_FAILURE() << protocol << "/" << name << " has no query write";
  return {};
}

std::optional<DbSystem> Detect(Role role, bool ingress, std::string_view bytes,
                               uint16_t port = 40000) {
  return DetectDbClient(role, ingress, bytes, bytes.size(), port);
}

TEST(DetectDbClientTest, PostgresSslRequestAndStartupMessage) {
  const auto capture = LoadDbCapture("postgres", "psql_simple");
  const std::string& ssl_request = capture.records[0].bytes;
  ASSERT_EQ(ssl_request, Bytes("\x00\x00\x00\x08\x04\xd2\x16\x2f"));
  const std::string& startup = capture.records[2].bytes;  // after the server's 'N'
  ASSERT_TRUE(capture.records[2].from_client);
  for (Role role : {Role::kClient, Role::kUnknown}) {
    EXPECT_EQ(Detect(role, kEgress, ssl_request), DbSystem::kPostgresql);
    EXPECT_EQ(Detect(role, kEgress, startup), DbSystem::kPostgresql);
  }
  // Read rather than written: what a PostgreSQL server sees.
  EXPECT_EQ(Detect(Role::kClient, kIngress, startup), std::nullopt);
}

TEST(DetectDbClientTest, MysqlGreetingReadOnAConnectedSocket) {
  const std::string greeting = FirstRecord("mysql", "cli_simple", false);
  EXPECT_EQ(Detect(Role::kClient, kIngress, greeting), DbSystem::kMysql);
  // Only a connection made here starts with the greeting; an older one is past it.
  EXPECT_EQ(Detect(Role::kUnknown, kIngress, greeting), std::nullopt);
  // Written, it is a MySQL server's side.
  EXPECT_EQ(Detect(Role::kClient, kEgress, greeting), std::nullopt);
  // Captured only in part (--capture-bytes 16): still a greeting.
  EXPECT_EQ(DetectDbClient(Role::kClient, kIngress, std::string_view(greeting).substr(0, 16),
                           greeting.size(), 3306),
            DbSystem::kMysql);
}

TEST(DetectDbClientTest, RedisCommandArraysOnAnyPort) {
  for (const char* name : {"cli_basic", "benchmark_pipeline", "multi_exec", "resp3"}) {
    SCOPED_TRACE(name);
    const std::string first = FirstRecord("redis", name, true);
    EXPECT_EQ(Detect(Role::kClient, kEgress, first, 6379), DbSystem::kRedis);
    EXPECT_EQ(Detect(Role::kClient, kEgress, first, 7000), DbSystem::kRedis);
    EXPECT_EQ(Detect(Role::kUnknown, kEgress, first, 7000), DbSystem::kRedis);
  }
}

TEST(DetectDbClientTest, RedisInlineCommands) {
  const std::string ping = FirstRecord("redis", "inline", true);
  ASSERT_EQ(ping, "PING\r\n");
  EXPECT_EQ(Detect(Role::kClient, kEgress, ping, 7000), DbSystem::kRedis);
  EXPECT_EQ(Detect(Role::kClient, kEgress, "hgetall user:1\r\n", 7000), DbSystem::kRedis);
}

TEST(DetectDbClientTest, MemcachedCommands) {
  EXPECT_EQ(Detect(Role::kClient, kEgress, FirstRecord("memcached", "meta", true), 11211),
            DbSystem::kMemcached);
  EXPECT_EQ(Detect(Role::kClient, kEgress, "gets a b c\r\n", 11211), DbSystem::kMemcached);
  EXPECT_EQ(Detect(Role::kClient, kEgress, "version\r\n", 11211), DbSystem::kMemcached);
}

TEST(DetectDbClientTest, MemcachedOrRedisInlineIsRedisOnlyOnPort6379) {
  // "set a 0 0 5" is a memcached storage command and a Redis inline SET alike.
  const std::string set = FirstRecord("memcached", "text", true);
  ASSERT_EQ(set.substr(0, 11), "set a 0 0 5");
  EXPECT_EQ(Detect(Role::kClient, kEgress, set, 11211), DbSystem::kMemcached);
  EXPECT_EQ(Detect(Role::kClient, kEgress, set, 12345), DbSystem::kMemcached);
  EXPECT_EQ(Detect(Role::kClient, kEgress, set, 6379), DbSystem::kRedis);
  EXPECT_EQ(Detect(Role::kClient, kEgress, "get k\r\n", 6379), DbSystem::kRedis);
  EXPECT_EQ(Detect(Role::kClient, kEgress, "get k\r\n", 11211), DbSystem::kMemcached);
}

TEST(DetectDbClientTest, PostgresQueryWriteOnAConnectionOlderThanTheAgent) {
  for (const char* name : {"psql_simple", "pgbench_extended", "pgbench_prepared"}) {
    SCOPED_TRACE(name);
    const std::string query = FirstQueryWrite("postgres", name);
    EXPECT_EQ(Detect(Role::kUnknown, kEgress, query), DbSystem::kPostgresql);
    // A connection made under the agent shows its startup instead: a bare query is not enough.
    EXPECT_EQ(Detect(Role::kClient, kEgress, query), std::nullopt);
    // The write must end where its messages end.
    const std::string trailing = query + "garbage";
    EXPECT_EQ(Detect(Role::kUnknown, kEgress, trailing), std::nullopt);
  }
}

TEST(DetectDbClientTest, MysqlQueryWriteOnAConnectionOlderThanTheAgent) {
  for (const char* name : {"cli_simple", "cli_error"}) {
    SCOPED_TRACE(name);
    const std::string query = FirstQueryWrite("mysql", name);
    EXPECT_EQ(Detect(Role::kUnknown, kEgress, query), DbSystem::kMysql);
    EXPECT_EQ(Detect(Role::kClient, kEgress, query), std::nullopt);
    EXPECT_EQ(DetectDbClient(Role::kUnknown, kEgress, query, query.size() + 1, 3306), std::nullopt);
    EXPECT_EQ(Detect(Role::kUnknown, kIngress, query), std::nullopt);
  }
}

TEST(DetectDbClientTest, AServersSideIsNeverAClient) {
  EXPECT_EQ(Detect(Role::kServer, kIngress, FirstRecord("postgres", "psql_simple", true)),
            std::nullopt);
  EXPECT_EQ(Detect(Role::kServer, kEgress, FirstRecord("mysql", "cli_simple", false)),
            std::nullopt);
  EXPECT_EQ(Detect(Role::kServer, kIngress, FirstRecord("redis", "cli_basic", true), 6379),
            std::nullopt);
  EXPECT_EQ(Detect(Role::kServer, kIngress, "set a 0 0 5\r\nhello\r\n", 11211), std::nullopt);
  EXPECT_EQ(Detect(Role::kServer, kIngress, FirstQueryWrite("postgres", "psql_simple")),
            std::nullopt);
}

TEST(DetectDbClientTest, OtherBytesAreNothing) {
  EXPECT_EQ(Detect(Role::kClient, kEgress, ""), std::nullopt);
  EXPECT_EQ(Detect(Role::kUnknown, kEgress, Bytes("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")),
            std::nullopt);  // TLS ClientHello
  EXPECT_EQ(Detect(Role::kClient, kEgress, Bytes("\xde\xad\xbe\xef\x00\x01\x02\x03\x04")),
            std::nullopt);
  EXPECT_EQ(Detect(Role::kUnknown, kEgress, "howdy world\r\n"), std::nullopt);
  EXPECT_EQ(Detect(Role::kClient, kEgress, "*0\r\n"), std::nullopt);  // an empty array
  EXPECT_EQ(Detect(Role::kClient, kEgress, "*1\r\n$4\r\n{}()\r\n"), std::nullopt);
  EXPECT_EQ(Detect(Role::kClient, kEgress, "gets\r\n", 11211), std::nullopt);  // no key
  // A server's replies read by a client whose first write the agent missed.
  EXPECT_EQ(Detect(Role::kUnknown, kIngress, "+OK\r\n", 6379), std::nullopt);
  EXPECT_EQ(Detect(Role::kUnknown, kIngress, "STORED\r\n", 11211), std::nullopt);
  EXPECT_EQ(Detect(Role::kUnknown, kIngress, FirstRecord("postgres", "psql_simple", false)),
            std::nullopt);
}

}  // namespace
}  // namespace hostlens::conn
