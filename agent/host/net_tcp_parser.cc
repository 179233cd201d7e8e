#include "agent/host/net_tcp_parser.h"

#include "agent/host/proc_text.h"

namespace hostlens::host {
namespace {

constexpr int kHex = 16;
constexpr uint8_t kTcpListen = 0x0A;  // TCP_LISTEN in include/net/tcp_states.h

// Indexes of the whitespace-separated fields of a socket line.
constexpr size_t kSlotIndex = 0;
constexpr size_t kLocalAddressIndex = 1;
constexpr size_t kStateIndex = 3;
constexpr size_t kInodeIndex = 9;

struct SocketLine {
  uint16_t local_port = 0;
  uint8_t state = 0;
  uint64_t inode = 0;
};

std::optional<SocketLine> ParseSocketLine(const std::vector<std::string_view>& fields) {
  if (fields.size() <= kInodeIndex || !fields[kSlotIndex].ends_with(':')) return std::nullopt;
  std::string_view local = fields[kLocalAddressIndex];
  size_t colon = local.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::optional<uint16_t> port = ParseInteger<uint16_t>(local.substr(colon + 1), kHex);
  std::optional<uint8_t> state = ParseInteger<uint8_t>(fields[kStateIndex], kHex);
  std::optional<uint64_t> inode = ParseInteger<uint64_t>(fields[kInodeIndex]);
  if (!port || !state || !inode) return std::nullopt;
  return SocketLine{*port, *state, *inode};
}

}  // namespace

std::optional<std::vector<ListeningSocket>> ParseListeningSockets(std::string_view text) {
  std::vector<std::string_view> lines = SplitLines(text);
  if (lines.empty()) return std::nullopt;
  std::vector<std::string_view> header = SplitFields(lines[0]);
  if (header.empty() || header[0] != "sl") return std::nullopt;

  std::vector<ListeningSocket> listening;
  for (size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string_view> fields = SplitFields(lines[i]);
    if (fields.empty()) continue;
    std::optional<SocketLine> socket = ParseSocketLine(fields);
    if (!socket) return std::nullopt;
    if (socket->state == kTcpListen) listening.push_back({socket->local_port, socket->inode});
  }
  return listening;
}

}  // namespace hostlens::host
