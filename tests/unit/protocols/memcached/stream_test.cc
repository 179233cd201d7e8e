// Hand-built conversations, one per behaviour of the memcached parser.

#include "agent/protocols/memcached/stream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/protocols/memcached/limits.h"
#include "agent/protocols/memcached/parse.h"
#include "tests/unit/protocols/segments.h"

namespace hostlens::protocols::memcached {
namespace {

using test_util::Capture;
using Conversation = test_util::Conversation<Stream, &Stream::TakeCommands>;

std::vector<std::string> Names(const std::vector<Command>& commands) {
  std::vector<std::string> names;
  for (const auto& c : commands) names.push_back(c.name);
  return names;
}
using Names_t = std::vector<std::string>;

TEST(MemcachedParseTest, LooksLikeMemcachedCommand) {
  EXPECT_TRUE(LooksLikeMemcachedCommand("get k\r\n"));
  EXPECT_TRUE(LooksLikeMemcachedCommand("set k 0 0 5\r\nhello\r\n"));
  EXPECT_TRUE(LooksLikeMemcachedCommand("mg k v\r\n"));
  EXPECT_TRUE(LooksLikeMemcachedCommand("version\r\n"));
  EXPECT_FALSE(LooksLikeMemcachedCommand("GET / HTTP/1.1\r\n"));
  EXPECT_FALSE(LooksLikeMemcachedCommand("get\r\n"));
  EXPECT_FALSE(LooksLikeMemcachedCommand("*1\r\n$4\r\nPING\r\n"));
  EXPECT_FALSE(LooksLikeMemcachedCommand(""));
}

TEST(MemcachedStreamTest, MultiKeyGetCountsHitsPerKey) {
  Conversation c;
  c.Requests("get a b c d\r\n");
  c.Responses("VALUE a 0 2\r\nxx\r\nVALUE c 5 5\r\nEND\r\n\r\nEND\r\n");
  const auto& got = c.results();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].name, "get");
  EXPECT_EQ(got[0].keys_looked_up, 4u);
  EXPECT_EQ(got[0].hits, 2u);  // a data block may contain "END\r\n"
  EXPECT_EQ(c.stream().pending(), 0u);
}

TEST(MemcachedStreamTest, StorageStatuses) {
  Conversation c;
  c.Requests("set k 0 0 5\r\nhello\r\nadd k 0 0 1\r\nx\r\ncas k 0 0 1 99\r\ny\r\n");
  c.Requests("delete nope\r\nincr n 1\r\ntouch k 10\r\n");
  c.Responses("STORED\r\nNOT_STORED\r\nEXISTS\r\nNOT_FOUND\r\n42\r\nTOUCHED\r\n");
  const auto& got = c.results();
  EXPECT_EQ(Names(got), (Names_t{"set", "add", "cas", "delete", "incr", "touch"}));
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0].result, "STORED");
  EXPECT_EQ(got[1].result, "NOT_STORED");
  EXPECT_EQ(got[2].result, "EXISTS");
  EXPECT_EQ(got[3].result, "NOT_FOUND");
  EXPECT_EQ(got[4].result, "");  // the number is a value
  EXPECT_EQ(got[5].result, "TOUCHED");
}

TEST(MemcachedStreamTest, NoreplyCommandsExpectNoResponse) {
  Conversation c;
  c.Requests("set a 0 0 1 noreply\r\n1\r\ndelete b noreply\r\nget a\r\n");
  EXPECT_EQ(Names(c.results()), (Names_t{"set", "delete"}));
  c.Responses("VALUE a 0 1\r\n1\r\nEND\r\n");
  const auto& got = c.results();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(got[0].noreply);
  EXPECT_EQ(got[2].hits, 1u);
}

// Quiet meta commands wait for an answer they may never get; the next answer they cannot have
// been sent ends them. Without O or k, several quiet mgs cannot be told apart: the oldest that
// could have been sent an answer takes it, and the hits and lookups add up either way.
TEST(MemcachedStreamTest, QuietCommandsEndAtALaterAnswer) {
  Conversation c;
  c.Requests("mg a v q\r\nmg b v q\r\nmg c v q\r\nmn\r\n");
  EXPECT_EQ(c.stream().pending(), 4u);
  c.Responses("VA 1\r\nx\r\nMN\r\n");
  const auto& got = c.results();
  EXPECT_EQ(Names(got), (Names_t{"mg", "mg", "mg", "mn"}));
  ASSERT_EQ(got.size(), 4u);
  uint32_t keys = 0, hits = 0;
  for (const auto& cmd : got) keys += cmd.keys_looked_up, hits += cmd.hits;
  EXPECT_EQ(keys, 3u);
  EXPECT_EQ(hits, 1u);
  EXPECT_FALSE(got[0].noreply);
  EXPECT_TRUE(got[1].noreply);
  EXPECT_TRUE(got[2].noreply);
  StreamStats stats = c.stream().stats();
  EXPECT_EQ(stats.unanswered, 2u);
  EXPECT_EQ(stats.unmatched_responses, 0u);
  EXPECT_EQ(c.stream().pending(), 0u);
}

// The opaque an answer echoes says which quiet command it is for.
TEST(MemcachedStreamTest, OpaqueTellsQuietCommandsApart) {
  Conversation c;
  c.Requests("mg a v q O1\r\nmg b v q O2\r\nmn\r\n");
  c.Responses("VA 1 O2\r\nx\r\nMN\r\n");
  const auto& got = c.results();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(got[0].noreply);  // a: the suppressed miss
  EXPECT_EQ(got[0].hits, 0u);
  EXPECT_FALSE(got[1].noreply);
  EXPECT_EQ(got[1].hits, 1u);
}

// noreply and suppressed quiet answers are counted; a meta answer no later command can have
// been sent stays with the oldest command (memcached 1.6.18 answers a quiet ma that created
// its item).
TEST(MemcachedStreamTest, UnansweredCommandsAreCounted) {
  Conversation c;
  c.Requests("set a 0 0 1 noreply\r\n1\r\nms b 1 q\r\n2\r\nmn\r\n");
  c.Responses("MN\r\n");
  c.Requests("ma c q N0\r\nmn\r\n");
  c.Responses("HD\r\nMN\r\n");
  const auto& got = c.results();
  EXPECT_EQ(Names(got), (Names_t{"set", "ms", "mn", "ma", "mn"}));
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[3].result, "HD");
  EXPECT_EQ(c.stream().stats().unanswered, 2u);  // set, ms
  EXPECT_EQ(c.stream().pending(), 0u);
}

TEST(MemcachedStreamTest, ErrorsGiveTheirType) {
  Conversation c;
  c.Requests("bogus\r\n");
  c.Responses("ERROR\r\n");
  c.Requests("set k 0 0 zz\r\n");
  c.Responses("CLIENT_ERROR bad command line format\r\n");
  c.Requests("get k\r\n");
  c.Responses("SERVER_ERROR out of memory\r\n");
  const auto& got = c.results();
  EXPECT_EQ(Names(got), (Names_t{"_OTHER", "set", "get"}));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].error_type, "ERROR");
  EXPECT_EQ(got[1].error_type, "CLIENT_ERROR");
  EXPECT_EQ(got[2].error_type, "SERVER_ERROR");
  EXPECT_EQ(got[2].keys_looked_up, 0u);
}

TEST(MemcachedStreamTest, MetaCommands) {
  Conversation c;
  c.Requests("ms k 2 T0\r\nhi\r\nmg k v\r\nmg k\r\nmg nope v\r\nmd k\r\nma n\r\nmn\r\n");
  c.Responses("HD\r\nVA 2\r\nhi\r\nHD\r\nEN\r\nHD\r\nNF\r\nMN\r\n");
  const auto& got = c.results();
  EXPECT_EQ(Names(got), (Names_t{"ms", "mg", "mg", "mg", "md", "ma", "mn"}));
  ASSERT_EQ(got.size(), 7u);
  EXPECT_EQ(got[1].hits, 1u);
  EXPECT_EQ(got[2].hits, 1u);
  EXPECT_EQ(got[3].keys_looked_up, 1u);
  EXPECT_EQ(got[3].hits, 0u);
  EXPECT_EQ(got[5].result, "NF");
}

TEST(MemcachedStreamTest, LargeValueBetweenSmallCommands) {
  Conversation c;
  std::string big(1 << 20, 'v');
  c.Requests(Capture("set big 0 0 1048576\r\n" + big + "\r\n", 256, true, c.NextTs()));
  c.Requests("get a\r\n");
  c.Responses("STORED\r\n");
  c.Responses("END\r\n");
  c.Requests("get big a\r\n");
  c.Responses(Capture("VALUE big 0 1048576\r\n" + big + "\r\nEND\r\n", 256, true, c.NextTs()));
  c.Requests("delete big\r\n");
  c.Responses("DELETED\r\n");
  const auto& got = c.results();
  EXPECT_EQ(Names(got), (Names_t{"set", "get", "get", "delete"}));
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[2].keys_looked_up, 2u);
  EXPECT_EQ(got[2].hits, 1u);
  EXPECT_EQ(c.stream().stats().resyncs, 0u);
}

TEST(MemcachedStreamTest, LostFramingRecovers) {
  Conversation c;
  std::string batch;
  for (int i = 0; i < 100; ++i) batch += "get key" + std::to_string(i) + "\r\n";
  c.Requests(Capture(batch, 64, true, c.NextTs()));
  std::string ends;
  for (int i = 0; i < 100; ++i) ends += "END\r\n";
  c.Responses(ends);
  c.Requests("get k\r\n");
  c.Responses("VALUE k 0 1\r\nx\r\nEND\r\n");
  const auto& got = c.results();
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().hits, 1u);
  EXPECT_EQ(c.stream().stats().resyncs, 1u);
  EXPECT_EQ(c.stream().pending(), 0u);
}

TEST(MemcachedStreamTest, PendingIsBounded) {
  Conversation c;
  std::string batch;
  for (size_t i = 0; i < kMaxPending + 5; ++i) batch += "version\r\n";
  c.Requests(batch);
  EXPECT_EQ(c.stream().pending(), kMaxPending);
  EXPECT_EQ(c.stream().stats().evicted_requests, 5u);
}

}  // namespace
}  // namespace hostlens::protocols::memcached
