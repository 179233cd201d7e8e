#pragma once

// One direction of a connection: segments (captured head, uncaptured gap, captured tail) →
// message heads and message ends. Boundaries are kept across gaps by counting (Content-Length,
// chunk sizes) and, where the framing itself was not captured, by the rules in framer.cc's
// header comment; when neither explains the bytes, sync is lost and found again at the next
// plausible start line.

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/protocols/http1/body.h"
#include "agent/protocols/http1/chunked.h"
#include "agent/protocols/http1/parse.h"
#include "agent/protocols/http1/types.h"

namespace hostlens::protocols::http1 {

enum class MessageKind { kRequest, kResponse };

struct HeadDecision {
  BodyFraming body;
  // False when the framing is a best guess (the request a response answers is unknown). With a
  // guess, or a truncated head, a segment that opens with a start line ends the body early.
  bool certain = true;
};

// What a framer reports; the stream answers each head with its body framing (a response's
// depends on the request it answers).
class FramerListener {
 public:
  virtual ~FramerListener() = default;
  virtual HeadDecision OnRequestHead(const RequestHead& head, uint64_t first_byte_ns) = 0;
  virtual HeadDecision OnResponseHead(const ResponseHead& head, uint64_t first_byte_ns) = 0;
  // A head that is malformed but whose end and framing are clear (parse.h: a bare CR ends its
  // block): the message is dropped, not reported, and no OnMessageEnd follows for it. The answer
  // frames its body, which is skipped.
  virtual HeadDecision OnMalformedRequestHead(const RequestHead& head) = 0;
  virtual HeadDecision OnMalformedResponseHead(const ResponseHead& head) = 0;
  virtual void OnMessageEnd(MessageKind kind, uint64_t last_byte_ns) = 0;
  // `in_message`: the message whose head was reported last is abandoned; otherwise the bytes at
  // a message boundary were not a message (or were not captured).
  virtual void OnSyncLost(MessageKind kind, bool in_message) = 0;
};

class Framer {
 public:
  explicit Framer(MessageKind kind) : kind_(kind) {}

  void OnSegment(const Segment& segment, FramerListener* listener);
  // Ends a body that only the close delimits, or whose framing was not captured.
  void OnClose(FramerListener* listener);
  // Nothing after this is parsed (protocol upgrade, tunnel, closed connection).
  void Stop();
  // The other direction of the connection carried bytes: after a loss, this direction's next
  // segment may start a message (a request after a response, a response after a request).
  void OnPeerSegment() { peer_spoke_ = true; }

  bool stopped() const { return state_ == State::kStopped; }
  // Between messages, nothing buffered.
  bool idle() const { return state_ == State::kIdle && head_buf_.empty(); }
  // Losses of sync and dropped malformed messages.
  uint64_t resyncs() const { return resyncs_; }
  uint64_t inferred_ends() const { return inferred_ends_; }

 private:
  enum class State {
    kIdle,              // between messages
    kHead,              // reading a header block into head_buf_
    kHeadRest,          // a truncated head was reported; skipping to the end of its block
    kLength,            // remaining_ bytes of Content-Length body
    kChunked,           // following the chunked coding
    kChunkedLost,       // chunked body whose framing a gap swallowed
    kUntilClose,        // body ends at close
    kUntilNextMessage,  // body ends at the next segment opening with a start line, or at close
    kResync,            // looking for a plausible start line
    kStopped,
  };

  bool InMessage() const;
  bool LooksLikeStart(std::string_view text) const;

  void BeginSegment(std::string_view first_bytes);
  void Feed(std::string_view data, bool ends_segment);
  size_t Step(std::string_view data, bool ends_segment);
  void Skip(uint64_t n);
  void EndSegment();

  size_t FeedHead(std::string_view data);
  bool CutLineBroken() const;
  bool DropMalformedHead(size_t* end);
  size_t FeedHeadRest(std::string_view data, bool ends_segment);
  size_t FeedChunked(std::string_view data);
  size_t FeedResync(std::string_view data);
  void SkipHead();

  // Parses head_buf_ (complete or truncated) and reports the head on success.
  ParseState ParseHead(std::string_view* buf);
  bool ParseTruncatedHead();
  void OnHeadReported(bool truncated);
  void StartBody();
  void EndMessage(uint64_t last_byte_ns);
  void InferEnd();
  // What the bytes after a loss of sync are: the lines of a malformed head (a message starts only
  // at a line start), or bytes without line structure (a body whose framing broke, bytes after
  // an uncaptured gap), where a segment's first byte may start one too.
  enum class LostIn { kLines, kBytes };
  void LoseSync(bool in_message, LostIn lost_in);

  MessageKind kind_;
  FramerListener* listener_ = nullptr;  // valid during a call from the stream
  State state_ = State::kIdle;
  bool synced_ = true;  // false from a loss of sync until the next head is read
  uint64_t resyncs_ = 0;
  uint64_t inferred_ends_ = 0;

  uint64_t segment_ts_ = 0;
  uint64_t first_byte_ns_ = 0;    // of the current message
  uint64_t last_message_ts_ = 0;  // latest segment that carried bytes of the current message
  std::string merged_;            // head and tail of a segment without a gap between them
  std::string replay_;            // bytes handed back to Feed, processed before the rest

  // The current message.
  std::string head_buf_;
  bool head_has_line_end_ = false;
  size_t cut_line_start_ = 0;  // where head_buf_'s last (incomplete) line starts
  bool dropping_ = false;      // the message is a dropped malformed one: its end is not reported
  HeadDecision decision_;
  bool uncertain_ = false;  // its framing is a guess: a new start line may end it early
  uint64_t remaining_ = 0;
  ChunkedDecoder chunked_;

  // kHeadRest: where the block ends. The tail of the segment is searched for the blank line;
  // without one, the block ends with the segment.
  bool rest_until_segment_end_ = false;
  int blank_line_state_ = 0;

  // kChunkedLost: the captured bytes since the last gap (their last 64), to spot the last chunk.
  std::string window_;
  bool window_at_line_start_ = false;

  // kResync: a candidate start line waiting for more bytes, and whether the next byte starts a
  // line.
  std::string scan_;
  uint64_t scan_ts_ = 0;
  bool at_line_start_ = false;
  // kResync: whether the bytes skipped are lines (LostIn), and the length of the last one so far.
  bool lost_in_lines_ = false;
  uint64_t line_bytes_ = 0;
  bool peer_spoke_ = false;  // since this direction's last segment
};

}  // namespace hostlens::protocols::http1
