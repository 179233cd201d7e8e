#pragma once

// Bytes → packet headers and packet fields. The header parser follows the Pixie contract: it
// takes a std::string_view*, returns success / needs-more-data / invalid, and consumes input
// only on success. Field parsers read a packet's captured payload (which may be a prefix) and
// return false when what they need was not captured.

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/protocols/mysql/types.h"

namespace hostlens::protocols::mysql {

enum class ParseState { kSuccess, kNeedsMoreData, kInvalid };

// Command bytes (the first payload byte of a client packet with sequence id 0).
inline constexpr uint8_t kComQuit = 0x01;
inline constexpr uint8_t kComInitDb = 0x02;
inline constexpr uint8_t kComQuery = 0x03;
inline constexpr uint8_t kComFieldList = 0x04;
inline constexpr uint8_t kComProcessInfo = 0x0a;
inline constexpr uint8_t kComPing = 0x0e;
inline constexpr uint8_t kComChangeUser = 0x11;
inline constexpr uint8_t kComStmtPrepare = 0x16;
inline constexpr uint8_t kComStmtExecute = 0x17;
inline constexpr uint8_t kComStmtSendLongData = 0x18;
inline constexpr uint8_t kComStmtClose = 0x19;
inline constexpr uint8_t kComStmtFetch = 0x1c;
inline constexpr uint8_t kComStmtBulkExecute = 0xfa;  // MariaDB

// Capability flags.
inline constexpr uint32_t kClientProtocol41 = 0x00000200;
inline constexpr uint32_t kClientSsl = 0x00000800;
inline constexpr uint32_t kClientDeprecateEof = 0x01000000;

// Server status flags (OK and EOF packets).
inline constexpr uint16_t kServerMoreResultsExist = 0x0008;
inline constexpr uint16_t kServerStatusCursorExists = 0x0040;

// MariaDB: a COM_STMT_EXECUTE of this id runs the statement prepared last (pipelined prepare).
inline constexpr uint32_t kLastPreparedStatement = 0xffffffff;

// A packet header: 3-byte little-endian payload length, 1-byte sequence id.
ParseState ParsePacketHeader(std::string_view* buf, uint32_t* payload_length, uint8_t* seq);

// A length-encoded integer (1, 3, 4 or 9 bytes); false (and *buf unchanged) when cut or 0xff.
bool ReadLengthEncodedInt(std::string_view* buf, uint64_t* value);

// Initial handshake (protocol version 10): the server's capability flags.
bool ParseServerGreeting(std::string_view payload, uint32_t* capabilities);
// Handshake response or SSLRequest (the client's first packet, sequence id 1): its flags, and
// whether it is an SSLRequest (exactly 32 bytes with CLIENT_SSL: TLS starts after it).
bool ParseHandshakeResponse(std::string_view payload, uint64_t payload_length,
                            uint32_t* capabilities, bool* ssl_request);

// ERR packet (0xff): the error code in decimal; empty when not captured.
std::string ErrorCode(std::string_view payload);
// OK packet (0x00, or 0xfe ending a result set with CLIENT_DEPRECATE_EOF): status flags.
bool ParseOkStatus(std::string_view payload, uint16_t* status);
// EOF packet (0xfe, 5-byte payload): status flags.
bool ParseEofStatus(std::string_view payload, uint16_t* status);
// Whether a packet is an EOF packet (0xfe and a 5-byte payload) rather than an OK ending a result
// set (0xfe and at least 7 bytes) or a row.
bool IsEofPacket(std::string_view payload, uint64_t payload_length);
// Status of a packet ending a result set (EOF or OK); false when not captured.
bool ParseTerminatorStatus(std::string_view payload, uint64_t payload_length, uint16_t* status);
// COM_STMT_PREPARE OK: statement id, column and parameter counts (false when the counts were
// not captured; *statement_id is set when it was).
bool ParsePrepareOk(std::string_view payload, uint32_t* statement_id, uint16_t* columns,
                    uint16_t* params);
// COM_STMT_EXECUTE / CLOSE / FETCH / BULK_EXECUTE: the statement id after the command byte.
bool ParseStatementId(std::string_view payload, uint32_t* statement_id);

// Whether a segment's head plausibly starts at a packet boundary: the first packet has
// sequence id `first_seq`, the captured headers chain by their lengths (consecutive sequence
// ids, non-empty payloads) to the end of the segment, or past the head into the gap.
bool PlausiblePacketStart(std::string_view head, uint64_t segment_length, uint8_t first_seq);

// Whether captured bytes end with the last packet of a response: an EOF, or an OK starting with
// 0xfe, without SERVER_MORE_RESULTS_EXISTS. *packet_size is the packet's size with its header.
bool EndsWithFinalResultPacket(std::string_view captured_end, size_t* packet_size);

// Detection from a connection's first ingress bytes (the server speaks first): a packet with
// sequence id 0 holding protocol version 10, a printable NUL-terminated server version and the
// fixed-size fields after it.
bool LooksLikeMysqlServerGreeting(std::string_view first_ingress_bytes);

// Detection on a connection older than the agent (its greeting long gone): a write that is one
// whole command packet (sequence id 0, length to the write's end): COM_QUERY or
// COM_STMT_PREPARE whose text starts like SQL.
bool LooksLikeMysqlQueryWrite(std::string_view head, uint64_t segment_length);

}  // namespace hostlens::protocols::mysql
