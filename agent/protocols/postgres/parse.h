#pragma once

// Bytes → message headers and message fields. Header parsers follow the Pixie contract: they take
// a std::string_view*, return success / needs-more-data / invalid, and consume input only on
// success. Field parsers read a message's captured payload (which may be a prefix).

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/protocols/postgres/types.h"

namespace hostlens::protocols::postgres {

enum class ParseState { kSuccess, kNeedsMoreData, kInvalid };

// Startup-phase request codes (in place of the protocol version of a StartupMessage).
inline constexpr uint32_t kProtocolV3 = 196608;  // 3.0
inline constexpr uint32_t kSslRequestCode = 80877103;
inline constexpr uint32_t kGssEncRequestCode = 80877104;
inline constexpr uint32_t kCancelRequestCode = 80877102;

// Type byte → whether the frontend (client) or backend (server) sends it after startup.
bool IsFrontendType(char type);
bool IsBackendType(char type);

// A typed message header: type byte, then int32 length counting itself. `frontend` picks the
// type table. Checks the length against the type (e.g. ReadyForQuery is always 5).
ParseState ParseHeader(std::string_view* buf, bool frontend, char* type, uint32_t* length);

// An untyped startup-phase packet header: int32 length, int32 code.
ParseState ParseStartupHeader(std::string_view* buf, uint32_t* length, uint32_t* code);

// Reads a NUL-terminated string; false (and *buf unchanged) when the NUL was not captured, in
// which case *out holds what there is.
bool ReadCString(std::string_view* buf, std::string* out, size_t max_bytes);

// Query 'Q': the SQL. Parse 'P': statement name and SQL. `*complete` is false when the text was
// cut (by the capture or by max_bytes).
void ParseQueryMessage(std::string_view payload, std::string* sql, bool* complete);
bool ParseParseMessage(std::string_view payload, std::string* name, std::string* sql,
                       bool* complete);
// Bind 'B': portal and statement names. Execute 'E': portal name. Close 'C' / Describe 'D':
// kind ('S' statement, 'P' portal) and name.
bool ParseBindMessage(std::string_view payload, std::string* portal, std::string* statement);
bool ParseExecuteMessage(std::string_view payload, std::string* portal);
bool ParseCloseMessage(std::string_view payload, char* kind, std::string* name);
// ErrorResponse / NoticeResponse: the SQLSTATE (field 'C'); empty when not captured.
std::string ErrorSqlState(std::string_view payload);
// Whether an ErrorResponse is FATAL or PANIC (the server closes the connection after it).
bool IsFatalError(std::string_view payload);

// Whether a segment's head plausibly starts at a message boundary of the given direction: the
// captured messages chain by their lengths to the end of the segment, or at least two do.
bool PlausibleMessageStart(std::string_view head, uint64_t segment_length, bool frontend);

// Whether a captured tail ends with a ReadyForQuery message ('Z', length 5, status I/T/E).
bool EndsWithReadyForQuery(std::string_view captured_end, char* status);

// Detection from a connection's first egress bytes: a StartupMessage (protocol 3.x), an
// SSLRequest, a GSSENCRequest or a CancelRequest.
bool LooksLikePostgresClient(std::string_view first_egress_bytes);

// Detection on a connection older than the agent (its startup long gone): a write that is a
// simple Query or a Parse whose text starts like SQL, its messages chaining to the write's end.
bool LooksLikePostgresQueryWrite(std::string_view head, uint64_t segment_length);

}  // namespace hostlens::protocols::postgres
