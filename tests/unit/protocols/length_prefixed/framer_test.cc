// The shared length-prefixed framer on a toy format: a type letter and a 2-byte big-endian
// payload length ("A\0\3abc"); a lowercase type has a 1-byte length instead. 'Z' frames end a
// reply (recognised at a segment's end after a loss), 'X' ends framing.

#include "agent/protocols/length_prefixed/framer.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "tests/unit/protocols/segments.h"

namespace hostlens::protocols::length_prefixed {
namespace {

using test_util::Capture;
using test_util::Whole;

enum class ParseState { kSuccess, kNeedsMoreData, kInvalid };

struct ToyFrame {
  char type = 0;
  uint64_t payload_length = 0;
  std::string payload;
  bool truncated = false;
  uint64_t first_byte_ns = 0;
  uint64_t last_byte_ns = 0;
  bool inferred = false;
};

bool IsType(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
size_t HeaderSize(char type) { return type >= 'a' ? 2 : 3; }

struct ToyFormat {
  using Frame = ToyFrame;
  static constexpr size_t kKeep = 4;

  int lost = 0;  // OnLoseSync calls

  size_t BeginHeader(char first_byte) const { return HeaderSize(first_byte); }
  ParseState ParseHeader(std::string_view header, ToyFrame* frame) const {
    if (!IsType(header[0])) return ParseState::kInvalid;
    size_t size = HeaderSize(header[0]);
    if (header.size() < size) return ParseState::kNeedsMoreData;
    frame->type = header[0];
    frame->payload_length = static_cast<uint8_t>(header[1]);
    if (size == 3) {
      frame->payload_length = frame->payload_length * 256 + static_cast<uint8_t>(header[2]);
    }
    return ParseState::kSuccess;
  }
  size_t KeepLimit(const ToyFrame& frame) const { return frame.type == 'N' ? 0 : kKeep; }
  bool OnFrame(const ToyFrame& frame) const { return frame.type != 'X'; }
  // Plausible: the captured headers chain to the segment's end.
  bool ResyncAt(std::string_view head, uint64_t length) const {
    uint64_t pos = 0;
    while (pos < head.size()) {
      std::string_view rest = head.substr(pos);
      ToyFrame frame;
      if (rest.size() < HeaderSize(rest[0]) || ParseHeader(rest, &frame) != ParseState::kSuccess) {
        return false;
      }
      pos += HeaderSize(rest[0]) + frame.payload_length;
    }
    return pos == length;
  }
  bool FrameAtEnd(std::string_view end, ToyFrame* frame) const {
    if (end.size() < 3 || end.substr(end.size() - 3) != std::string_view("Z\0\0", 3)) return false;
    frame->type = 'Z';
    return true;
  }
  void OnLoseSync() { ++lost; }
};

using ToyFramer = Framer<ToyFormat>;

std::string Frame(char type, std::string_view payload) {
  std::string out(1, type);
  if (type < 'a') out += static_cast<char>(payload.size() >> 8);
  out += static_cast<char>(payload.size() & 0xff);
  return out + std::string(payload);
}

std::vector<ToyFrame> FeedWhole(ToyFramer& framer, std::string_view bytes, uint64_t ts) {
  std::vector<ToyFrame> out;
  auto seg = Whole(bytes, ts);
  framer.OnSegment(seg.view(), &out);
  return out;
}

std::string Describe(const std::vector<ToyFrame>& frames) {
  std::string out;
  for (const ToyFrame& f : frames) {
    out += f.type + std::to_string(f.payload_length) + ":" + f.payload + (f.truncated ? "~" : "") +
           (f.inferred ? "?" : "") + " ";
  }
  return out;
}

const std::string kConversation = Frame('A', "abc") + Frame('b', "") + Frame('C', "0123456789") +
                                  Frame('n', "xy") + Frame('Z', "");

TEST(LengthPrefixedFramerTest, FramesWholeWithTheirKeptPrefix) {
  ToyFramer framer{ToyFormat{}};
  std::vector<ToyFrame> frames = FeedWhole(framer, kConversation, 7);
  EXPECT_EQ(Describe(frames), "A3:abc b0: C10:0123~ n2:xy Z0: ");
  for (const ToyFrame& f : frames) {
    EXPECT_EQ(f.first_byte_ns, 7u);
    EXPECT_EQ(f.last_byte_ns, 7u);
  }
  EXPECT_TRUE(framer.synced());
  EXPECT_EQ(framer.resyncs(), 0u);
}

TEST(LengthPrefixedFramerTest, EverySplitPointAndByteByByteFrameTheSame) {
  std::string want = "A3:abc b0: C10:0123~ n2:xy Z0: ";
  for (size_t split = 1; split < kConversation.size(); ++split) {
    ToyFramer framer{ToyFormat{}};
    std::vector<ToyFrame> frames = FeedWhole(framer, kConversation.substr(0, split), 1);
    std::vector<ToyFrame> rest = FeedWhole(framer, kConversation.substr(split), 2);
    frames.insert(frames.end(), rest.begin(), rest.end());
    EXPECT_EQ(Describe(frames), want) << "split at " << split;
    EXPECT_EQ(framer.resyncs(), 0u);
  }
  ToyFramer framer{ToyFormat{}};
  std::vector<ToyFrame> frames;
  for (size_t i = 0; i < kConversation.size(); ++i) {
    std::vector<ToyFrame> got = FeedWhole(framer, kConversation.substr(i, 1), i);
    frames.insert(frames.end(), got.begin(), got.end());
  }
  EXPECT_EQ(Describe(frames), want);
  // A frame starts at its header's first byte and ends at its payload's last.
  EXPECT_EQ(frames[0].first_byte_ns, 0u);
  EXPECT_EQ(frames[0].last_byte_ns, 5u);
}

TEST(LengthPrefixedFramerTest, GapInsidePayloadKeepsCountingAndTheFrameIsTruncated) {
  ToyFramer framer{ToyFormat{}};
  std::string bytes = Frame('A', std::string(300, 'p')) + Frame('B', "xy");
  // Head: the header and 2 payload bytes; tail: the last 7 bytes (3 of payload, then B).
  std::vector<ToyFrame> out;
  std::string tail = bytes.substr(bytes.size() - 7);
  Segment seg{std::string_view(bytes).substr(0, 5), tail, bytes.size(), 3};
  framer.OnSegment(seg, &out);
  EXPECT_EQ(Describe(out), "A300:pp~ B2:xy ");
  EXPECT_TRUE(framer.synced());
  EXPECT_EQ(framer.resyncs(), 0u);
}

TEST(LengthPrefixedFramerTest, GapOverAHeaderLosesSyncUntilAPlausibleSegmentStart) {
  ToyFramer framer{ToyFormat{}};
  std::string bytes = Frame('A', std::string(40, 'p')) + Frame('B', std::string(40, 'q'));
  auto cut = Capture(bytes, 10, false, 1);  // the B header is in the gap
  std::vector<ToyFrame> out;
  framer.OnSegment(cut.view(), &out);
  EXPECT_EQ(Describe(out), "A40:pppp~ ");
  EXPECT_FALSE(framer.synced());
  EXPECT_EQ(framer.resyncs(), 1u);
  EXPECT_EQ(framer.format().lost, 1);
  // Not a frame start: ignored, no second loss counted.
  EXPECT_TRUE(FeedWhole(framer, "\x01garbage", 2).empty());
  EXPECT_EQ(framer.resyncs(), 1u);
  EXPECT_EQ(Describe(FeedWhole(framer, Frame('C', "ok") + Frame('d', "1"), 3)), "C2:ok d1:1 ");
  EXPECT_TRUE(framer.synced());
}

TEST(LengthPrefixedFramerTest, HeaderCutByAGapLosesSync) {
  ToyFramer framer{ToyFormat{}};
  std::vector<ToyFrame> out;
  std::string bytes = Frame('A', "") + Frame('B', std::string(100, 'x'));
  Segment seg{std::string_view(bytes).substr(0, 4), {}, bytes.size(), 1};
  framer.OnSegment(seg, &out);
  EXPECT_EQ(Describe(out), "A0: ");
  EXPECT_EQ(framer.resyncs(), 1u);
}

TEST(LengthPrefixedFramerTest, FinalFrameAtASegmentEndRecoversSync) {
  ToyFramer framer{ToyFormat{}};
  std::string bytes =
      Frame('A', "a") + Frame('D', std::string(500, 'r')) + Frame('D', "r") + Frame('Z', "");
  auto cut = Capture(bytes, 6, true, 4);  // the second D header is in the gap
  std::vector<ToyFrame> out;
  framer.OnSegment(cut.view(), &out);
  EXPECT_EQ(Describe(out), "A1:a Z0:? ");
  EXPECT_EQ(out.back().first_byte_ns, 4u);
  EXPECT_EQ(out.back().last_byte_ns, 4u);
  EXPECT_TRUE(framer.synced());
  EXPECT_EQ(framer.resyncs(), 1u);
  EXPECT_EQ(framer.tail_recoveries(), 1u);
  EXPECT_EQ(Describe(FeedWhole(framer, Frame('B', ""), 5)), "B0: ");
}

TEST(LengthPrefixedFramerTest, InvalidHeaderLosesSync) {
  ToyFramer framer{ToyFormat{}};
  EXPECT_EQ(Describe(FeedWhole(framer, Frame('A', "") + "\x01\x02\x03" + Frame('B', ""), 1)),
            "A0: ");
  EXPECT_FALSE(framer.synced());
  EXPECT_EQ(framer.resyncs(), 1u);
}

TEST(LengthPrefixedFramerTest, FormatEndsFramingAfterAFrame) {
  ToyFramer framer{ToyFormat{}};
  EXPECT_EQ(Describe(FeedWhole(framer, Frame('X', "") + Frame('A', ""), 1)), "X0: ");
  EXPECT_TRUE(framer.stopped());
  EXPECT_TRUE(FeedWhole(framer, Frame('A', ""), 2).empty());
  EXPECT_EQ(framer.resyncs(), 0u);
}

TEST(LengthPrefixedFramerTest, StopEndsFraming) {
  ToyFramer framer{ToyFormat{}};
  framer.Stop();
  EXPECT_TRUE(FeedWhole(framer, Frame('A', ""), 1).empty());
  EXPECT_TRUE(framer.stopped());
}

}  // namespace
}  // namespace hostlens::protocols::length_prefixed
