#pragma once

// Builders of MySQL packets for hand-built conversations.

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/protocols/mysql/parse.h"
#include "tests/unit/protocols/segments.h"

namespace hostlens::protocols::mysql::test_util {

// The shared helpers (segments.h, fixture.h) stay reachable as test_util::X next to these.
using namespace ::hostlens::protocols::test_util;

inline std::string Le(uint64_t v, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

inline std::string Wire(uint8_t seq, std::string_view payload) {
  return Le(payload.size(), 3) + static_cast<char>(seq) + std::string(payload);
}

inline std::string Command(uint8_t command, std::string_view rest) {
  return Wire(0, std::string(1, static_cast<char>(command)) + std::string(rest));
}

// Protocol 10 greeting with the given capability flags.
inline std::string Greeting(uint32_t caps) {
  std::string p =
      "\x0a"
      "10.11.19-MariaDB";
  p += '\0';
  p += Le(42, 4) + "abcdefgh" + '\0' + Le(caps & 0xffff, 2) + '\x21' + Le(2, 2) +
       Le(caps >> 16, 2) + '\x15' + std::string(10, '\0') + "ijklmnopqrst" + '\0' +
       "mysql_native_password" + '\0';
  return Wire(0, p);
}

inline constexpr uint32_t kBaseCaps = 0x000ba20f | kClientProtocol41;

inline std::string HandshakeResponse(uint32_t caps) {
  std::string p = Le(caps, 4) + Le(1 << 24, 4) + '\x21' + std::string(23, '\0') + "app" + '\0' +
                  '\x14' + std::string(20, 'x') + "test" + '\0' + "mysql_native_password" + '\0';
  return Wire(1, p);
}

inline std::string SslRequest(uint32_t caps) {
  return Wire(1, Le(caps | kClientSsl, 4) + Le(1 << 24, 4) + '\x21' + std::string(23, '\0'));
}

inline std::string Ok(uint8_t seq, uint16_t status = 2) {
  return Wire(seq, std::string("\x00\x00\x00", 3) + Le(status, 2) + Le(0, 2));
}
// The OK that ends a result set with CLIENT_DEPRECATE_EOF.
inline std::string OkFe(uint8_t seq, uint16_t status = 2) {
  return Wire(seq, std::string("\xfe\x00\x00", 3) + Le(status, 2) + Le(0, 2));
}
inline std::string Eof(uint8_t seq, uint16_t status = 2) {
  return Wire(seq, std::string("\xfe\x00\x00", 3) + Le(status, 2));
}
inline std::string Err(uint8_t seq, uint16_t code, std::string_view state = "42S02") {
  return Wire(seq, "\xff" + Le(code, 2) + "#" + std::string(state) + "Table doesn't exist");
}
inline std::string ColumnCount(uint8_t seq, uint8_t n) {
  return Wire(seq, std::string(1, static_cast<char>(n)));
}
inline std::string ColumnDef(uint8_t seq, std::string_view name) {
  std::string p =
      "\x03"
      "def"
      "\x04"
      "test"
      "\x01"
      "t"
      "\x01"
      "t";
  p += static_cast<char>(name.size());
  p += std::string(name);
  p += static_cast<char>(name.size());
  p += std::string(name);
  p += "\x0c\x21\x00\x0b\x00\x00\x00\x03\x00\x00\x00\x00\x00";
  return Wire(seq, p);
}
inline std::string TextRow(uint8_t seq, std::string_view value) {
  return Wire(seq, static_cast<char>(value.size()) + std::string(value));
}
inline std::string PrepareOk(uint8_t seq, uint32_t id, uint16_t columns, uint16_t params) {
  return Wire(seq, '\0' + Le(id, 4) + Le(columns, 2) + Le(params, 2) + '\0' + Le(0, 2));
}
inline std::string Execute(uint32_t id) {
  return Command(kComStmtExecute, Le(id, 4) + '\0' + Le(1, 4));
}

}  // namespace hostlens::protocols::mysql::test_util
