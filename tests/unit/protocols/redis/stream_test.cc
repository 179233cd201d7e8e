// Hand-built conversations, one per behaviour of the Redis parser.

#include "agent/protocols/redis/stream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/protocols/redis/limits.h"
#include "tests/unit/protocols/segments.h"

namespace hostlens::protocols::redis {
namespace {

using test_util::Capture;
using Conversation = test_util::Conversation<Stream, &Stream::TakeCommands>;
using test_util::Whole;

// RESP command array from words.
std::string Cmd(std::vector<std::string> words) {
  std::string out = "*" + std::to_string(words.size()) + "\r\n";
  for (const auto& w : words) out += "$" + std::to_string(w.size()) + "\r\n" + w + "\r\n";
  return out;
}
std::string Bulk(const std::string& s) {
  return "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
}

std::vector<std::string> Names(const std::vector<Command>& commands) {
  std::vector<std::string> names;
  for (const auto& c : commands) names.push_back(c.name);
  return names;
}

using Names_t = std::vector<std::string>;

TEST(StreamTest, CommandArrayAndReply) {
  Conversation c;
  c.Requests(Cmd({"set", "k", "v"}));
  c.Responses("+OK\r\n");
  c.Requests(Cmd({"GET", "k"}));
  c.Responses(Bulk("v"));
  c.Requests(Cmd({"GET", "missing"}));
  c.Responses("$-1\r\n");
  const auto& got = c.results();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(Names(got), (Names_t{"SET", "GET", "GET"}));
  EXPECT_EQ(got[0].start_ns, 1000u);
  EXPECT_EQ(got[0].end_ns, 2000u);
  EXPECT_EQ(got[0].keys_looked_up, 0u);
  EXPECT_EQ(got[1].keys_looked_up, 1u);
  EXPECT_EQ(got[1].hits, 1u);
  EXPECT_EQ(got[2].keys_looked_up, 1u);
  EXPECT_EQ(got[2].hits, 0u);
  EXPECT_EQ(c.stream().pending(), 0u);
}

TEST(StreamTest, InlineCommands) {
  Conversation c;
  c.Requests("PING\r\n");
  c.Responses("+PONG\r\n");
  c.Requests("mget a b  c\r\n");
  c.Responses("*3\r\n$1\r\nx\r\n$-1\r\n$1\r\ny\r\n");
  c.Requests("\r\n");  // ignored by the server
  c.Requests("get a\n");
  c.Responses("$-1\r\n");
  const auto& got = c.results();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(Names(got), (Names_t{"PING", "MGET", "GET"}));
  EXPECT_EQ(got[1].keys_looked_up, 3u);
  EXPECT_EQ(got[1].hits, 2u);
  EXPECT_EQ(got[2].hits, 0u);
}

TEST(StreamTest, PipelinedWriteRepliesSplitAndMerged) {
  Conversation c;
  std::string batch;
  for (int i = 0; i < 10; ++i) batch += Cmd({"GET", "key" + std::to_string(i)});
  c.Requests(batch);
  std::string replies;
  for (int i = 0; i < 10; ++i) replies += i % 2 ? "$-1\r\n" : Bulk("value");
  // Replies split across reads at odd places, and several merged in each.
  c.Responses(replies.substr(0, 7));
  c.Responses(replies.substr(7, 20));
  c.Responses(replies.substr(27));
  const auto& got = c.results();
  ASSERT_EQ(got.size(), 10u);
  uint32_t hits = 0;
  for (const auto& cmd : got) hits += cmd.hits;
  EXPECT_EQ(hits, 5u);
  EXPECT_EQ(got[0].end_ns, 3000u);  // its reply ends in the second read
  EXPECT_EQ(got[9].end_ns, 4000u);
}

TEST(StreamTest, HMGetAndHGet) {
  Conversation c;
  c.Requests(Cmd({"HMGET", "h", "f1", "f2", "f3"}));
  c.Responses("*3\r\n$-1\r\n$2\r\nv2\r\n$-1\r\n");
  c.Requests(Cmd({"HGET", "h", "f2"}));
  c.Responses(Bulk("v2"));
  const auto& got = c.results();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].keys_looked_up, 3u);
  EXPECT_EQ(got[0].hits, 1u);
  EXPECT_EQ(got[1].keys_looked_up, 1u);
  EXPECT_EQ(got[1].hits, 1u);
}

TEST(StreamTest, ErrorsGiveTheirFirstWordAndNoLookups) {
  Conversation c;
  c.Requests(Cmd({"GET", "alist"}));
  c.Responses("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  c.Requests(Cmd({"FOO"}));
  c.Responses("-ERR unknown command 'FOO'\r\n");
  const auto& got = c.results();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].error_type, "WRONGTYPE");
  EXPECT_EQ(got[0].keys_looked_up, 0u);
  EXPECT_EQ(got[1].name, "FOO");
  EXPECT_EQ(got[1].error_type, "ERR");
}

TEST(StreamTest, NamesThatAreNotCommandsAreOther) {
  Conversation c;
  c.Requests(Cmd({"user:1000:secret"}));
  c.Responses("-ERR unknown command\r\n");
  ASSERT_EQ(c.results().size(), 1u);
  EXPECT_EQ(c.results()[0].name, "_OTHER");
}

// A 1 MiB value between small commands, with the kernel capturing 256 bytes per syscall: the
// bulk body is skipped by its declared length and every command is counted.
TEST(StreamTest, LargeValueKeepsFramingAcrossTheGap) {
  Conversation c;
  std::string big(1 << 20, 'x');
  c.Requests(Capture(Cmd({"SET", "small", "1"}), 256, true, c.NextTs()));
  c.Responses("+OK\r\n");
  c.Requests(Capture(Cmd({"SET", "big", big}), 256, true, c.NextTs()));
  c.Responses("+OK\r\n");
  c.Requests(Capture(Cmd({"GET", "big"}), 256, true, c.NextTs()));
  c.Responses(Capture(Bulk(big), 256, true, c.NextTs()));
  // A pipeline written as separate syscalls (as redis-py does for large values), read in one.
  c.Requests(Capture(Cmd({"GET", "small"}) + "*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$1048576\r\n", 256,
                     true, c.NextTs()));
  c.Requests(Capture(big, 256, true, c.NextTs()));
  c.Requests(Capture("\r\n" + Cmd({"GET", "nope"}), 256, true, c.NextTs()));
  c.Responses(Capture(Bulk("1") + "+OK\r\n$-1\r\n", 256, true, c.NextTs()));
  const auto& got = c.results();
  EXPECT_EQ(Names(got), (Names_t{"SET", "SET", "GET", "GET", "SET", "GET"}));
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[2].hits, 1u);
  EXPECT_EQ(got[3].hits, 1u);
  EXPECT_EQ(got[5].hits, 0u);
  EXPECT_EQ(c.stream().stats().resyncs, 0u);
}

TEST(StreamTest, MultiExecReportsQueuedCommandsWithExecResults) {
  Conversation c;
  c.Requests(Cmd({"MULTI"}) + Cmd({"GET", "a"}) + Cmd({"INCR", "n"}) + Cmd({"MGET", "a", "b"}) +
             Cmd({"LPUSH", "a", "x"}) + Cmd({"EXEC"}));
  c.Responses("+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n");
  EXPECT_EQ(Names(c.results()), (Names_t{"MULTI"}));
  c.Responses("*4\r\n$-1\r\n:1\r\n*2\r\n$-1\r\n$1\r\nb\r\n-WRONGTYPE Operation against a key\r\n");
  const auto& got = c.results();
  EXPECT_EQ(Names(got), (Names_t{"MULTI", "GET", "INCR", "MGET", "LPUSH", "EXEC"}));
  ASSERT_EQ(got.size(), 6u);
  EXPECT_TRUE(got[1].in_transaction);
  EXPECT_EQ(got[1].keys_looked_up, 1u);
  EXPECT_EQ(got[1].hits, 0u);
  EXPECT_EQ(got[1].end_ns, got[5].end_ns);
  EXPECT_EQ(got[3].keys_looked_up, 2u);
  EXPECT_EQ(got[3].hits, 1u);
  EXPECT_EQ(got[4].error_type, "WRONGTYPE");
  EXPECT_EQ(got[5].error_type, "");
  EXPECT_FALSE(got[5].in_transaction);
  EXPECT_EQ(c.stream().pending(), 0u);
}

TEST(StreamTest, ExecAbortAndDiscard) {
  Conversation c;
  c.Requests(Cmd({"MULTI"}));
  c.Responses("+OK\r\n");
  c.Requests(Cmd({"SET", "a"}));
  c.Responses("-ERR wrong number of arguments for 'set' command\r\n");
  c.Requests(Cmd({"GET", "a"}));
  c.Responses("+QUEUED\r\n");
  c.Requests(Cmd({"EXEC"}));
  c.Responses("-EXECABORT Transaction discarded because of previous errors.\r\n");
  c.Requests(Cmd({"MULTI"}) + Cmd({"GET", "a"}) + Cmd({"DISCARD"}));
  c.Responses("+OK\r\n+QUEUED\r\n+OK\r\n");
  c.Requests(Cmd({"WATCH", "a"}) + Cmd({"MULTI"}) + Cmd({"GET", "a"}) + Cmd({"EXEC"}));
  c.Responses("+OK\r\n+OK\r\n+QUEUED\r\n*-1\r\n");
  const auto& got = c.results();
  EXPECT_EQ(Names(got),
            (Names_t{"MULTI", "SET", "EXEC", "MULTI", "DISCARD", "WATCH", "MULTI", "EXEC"}));
  ASSERT_EQ(got.size(), 8u);
  EXPECT_EQ(got[1].error_type, "ERR");
  EXPECT_EQ(got[2].error_type, "EXECABORT");
  EXPECT_EQ(c.stream().stats().discarded, 3u);
  EXPECT_EQ(c.stream().pending(), 0u);
}

TEST(StreamTest, Resp3AfterHello) {
  Conversation c;
  c.Requests(Cmd({"HELLO", "3"}));
  c.Responses(
      "%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.0.0\r\n$5\r\nproto\r\n:3\r\n"
      "$2\r\nid\r\n:5\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
      "$7\r\nmodules\r\n*0\r\n");
  EXPECT_EQ(c.stream().protocol(), 3);
  c.Requests(Cmd({"GET", "missing"}) + Cmd({"HGETALL", "h"}) + Cmd({"SMEMBERS", "s"}) +
             Cmd({"INCRBYFLOAT", "f", "1.5"}) + Cmd({"DEBUG", "x"}) + Cmd({"GET", "k"}) +
             Cmd({"EXISTS", "k"}) + Cmd({"MGET", "a", "b"}) + Cmd({"BIG"}));
  c.Responses("_\r\n%1\r\n$1\r\nf\r\n$1\r\nv\r\n~2\r\n$1\r\na\r\n$1\r\nb\r\n,1.5\r\n");
  // A client-tracking invalidation pushed in the middle: not a reply.
  c.Responses(">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n");
  c.Responses("!21\r\nSYNTAX invalid syntax\r\n|1\r\n$3\r\nttl\r\n:3\r\n=7\r\ntxt:abc\r\n#t\r\n");
  c.Responses("*2\r\n_\r\n$1\r\nb\r\n(3492890328409238509324850943850943825024385\r\n");
  const auto& got = c.results();
  EXPECT_EQ(Names(got), (Names_t{"HELLO", "GET", "HGETALL", "SMEMBERS", "INCRBYFLOAT", "DEBUG",
                                 "GET", "EXISTS", "MGET", "BIG"}));
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(got[1].hits, 0u);
  EXPECT_EQ(got[1].keys_looked_up, 1u);
  EXPECT_EQ(got[5].error_type, "SYNTAX");
  EXPECT_EQ(got[6].hits, 1u);  // verbatim string behind an attribute
  EXPECT_EQ(got[8].keys_looked_up, 2u);
  EXPECT_EQ(got[8].hits, 1u);
  EXPECT_EQ(c.stream().stats().pushes, 1u);
  EXPECT_EQ(c.stream().stats().unmatched_responses, 0u);
}

TEST(StreamTest, Resp2PubSubMessagesAreNotReplies) {
  Conversation c;
  c.Requests(Cmd({"SUBSCRIBE", "news", "sport"}));
  c.Responses("*3\r\n$9\r\nsubscribe\r\n$4\r\nnews\r\n:1\r\n");
  EXPECT_TRUE(c.results().empty());
  c.Responses("*3\r\n$9\r\nsubscribe\r\n$5\r\nsport\r\n:2\r\n");
  c.Responses(
      "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n"
      "*3\r\n$7\r\nmessage\r\n$5\r\nsport\r\n$3\r\n1-0\r\n");
  c.Requests(Cmd({"PING"}));
  c.Responses(
      "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$1\r\nx\r\n*2\r\n$4\r\npong\r\n$"
      "0\r\n\r\n");
  c.Requests(Cmd({"UNSUBSCRIBE"}));
  c.Responses("*3\r\n$11\r\nunsubscribe\r\n$4\r\nnews\r\n:1\r\n");
  c.Responses("*3\r\n$11\r\nunsubscribe\r\n$5\r\nsport\r\n:0\r\n");
  c.Requests(Cmd({"GET", "k"}));
  c.Responses("$-1\r\n");
  const auto& got = c.results();
  EXPECT_EQ(Names(got), (Names_t{"SUBSCRIBE", "PING", "UNSUBSCRIBE", "GET"}));
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].end_ns, 3000u);
  EXPECT_EQ(c.stream().stats().pushes, 3u);
  EXPECT_EQ(c.stream().stats().unmatched_responses, 0u);
  EXPECT_EQ(c.stream().pending(), 0u);
}

TEST(StreamTest, Resp3PubSubPushes) {
  Conversation c;
  c.Requests(Cmd({"HELLO", "3"}));
  c.Responses("%1\r\n$5\r\nproto\r\n:3\r\n");
  c.Requests(Cmd({"SUBSCRIBE", "ch"}));
  c.Responses(">3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n");
  c.Responses(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n");
  c.Requests(Cmd({"GET", "k"}));
  c.Responses(">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n$1\r\nv\r\n");
  const auto& got = c.results();
  EXPECT_EQ(Names(got), (Names_t{"HELLO", "SUBSCRIBE", "GET"}));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].hits, 1u);
  EXPECT_EQ(c.stream().stats().pushes, 2u);
}

TEST(StreamTest, UnmatchedRepliesAreCounted) {
  Conversation c;
  c.Responses("+OK\r\n");
  EXPECT_TRUE(c.results().empty());
  EXPECT_EQ(c.stream().stats().unmatched_responses, 1u);
}

TEST(StreamTest, LostReplyFramingDropsWaitingCommandsAndRecovers) {
  Conversation c;
  std::string big = "*1000\r\n";
  for (int i = 0; i < 1000; ++i) big += Bulk("element" + std::to_string(i));
  c.Requests(Cmd({"LRANGE", "l", "0", "-1"}) + Cmd({"GET", "k"}));
  c.Responses(Capture(big + Bulk("v"), 64, true, c.NextTs()));  // a header hidden by the gap
  EXPECT_EQ(c.stream().stats().resyncs, 1u);
  EXPECT_EQ(c.stream().stats().lost_responses, 2u);
  c.Requests(Cmd({"GET", "k"}));
  c.Responses(Bulk("v"));
  const auto& got = c.results();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].hits, 1u);
  EXPECT_EQ(c.stream().pending(), 0u);
}

TEST(StreamTest, LostCommandFramingRecoversAtTheNextCommand) {
  Conversation c;
  std::string batch;
  for (int i = 0; i < 50; ++i) batch += Cmd({"SET", "key" + std::to_string(i), "v"});
  c.Requests(Capture(batch, 100, true, c.NextTs()));
  std::string oks;
  for (int i = 0; i < 50; ++i) oks += "+OK\r\n";
  c.Responses(oks);
  c.Requests(Cmd({"GET", "k"}));
  c.Responses("$-1\r\n");
  const auto& got = c.results();
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().name, "GET");
  EXPECT_EQ(got.back().keys_looked_up, 1u);
  EXPECT_EQ(c.stream().stats().resyncs, 1u);
  EXPECT_EQ(c.stream().pending(), 0u);
}

TEST(StreamTest, GarbageIsNotACommand) {
  Conversation c;
  c.Requests(std::string("\x16\x03\x01\x02\x00", 5));
  c.Responses("+OK\r\n");
  EXPECT_TRUE(c.results().empty());
}

// CLIENT REPLY OFF and SKIP: the silenced commands are counted, never reported or waited for.
TEST(StreamTest, SilencedCommandsAreCountedNotReported) {
  Conversation c;
  c.Requests(Cmd({"CLIENT", "REPLY", "OFF"}) + Cmd({"SET", "a", "1"}) + Cmd({"GET", "a"}));
  EXPECT_EQ(c.stream().pending(), 0u);
  c.Requests(Cmd({"CLIENT", "REPLY", "ON"}) + Cmd({"CLIENT", "REPLY", "SKIP"}) + Cmd({"DEL", "a"}));
  c.Requests(Cmd({"PING"}));
  c.Responses("+OK\r\n+PONG\r\n");
  EXPECT_EQ(Names(c.results()), (Names_t{"CLIENT", "PING"}));
  StreamStats stats = c.stream().stats();
  EXPECT_EQ(stats.unanswered, 5u);  // OFF, SET, GET; SKIP, DEL
  EXPECT_EQ(stats.unmatched_responses, 0u);
  EXPECT_EQ(c.stream().pending(), 0u);
}

// A NUL in an inline line: the server looks for the line's end with strchr and never finds it.
TEST(StreamTest, NulInAnInlineCommandLosesSync) {
  Conversation c;
  c.Requests(test_util::Bytes("GET a\0b\r\n"));
  EXPECT_EQ(c.stream().stats().resyncs, 1u);
  EXPECT_EQ(c.stream().pending(), 0u);
}

TEST(StreamTest, PendingIsBounded) {
  Conversation c;
  std::string batch;
  for (size_t i = 0; i < kMaxPending + 10; ++i) batch += Cmd({"PING"});
  c.Requests(batch);
  EXPECT_EQ(c.stream().pending(), kMaxPending);
  EXPECT_EQ(c.stream().stats().evicted_requests, 10u);
}

}  // namespace
}  // namespace hostlens::protocols::redis
