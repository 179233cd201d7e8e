#pragma once

// Bytes → RESP header lines and small fields. ParseHeaderLine follows the Pixie contract: it takes
// a std::string_view*, returns success / needs-more-data / invalid, and consumes input only on
// success.

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/protocols/redis/types.h"

namespace hostlens::protocols::redis {

enum class ParseState { kSuccess, kNeedsMoreData, kInvalid };

// RESP2 and RESP3 type bytes (streamed '?' aggregates are not supported).
bool IsTypeByte(char c);
// Types followed by a decimal length/count line: $ = ! * % ~ > |
bool IsLengthType(char c);

// The line of a length-prefixed type (without the type byte and CRLF): a decimal within the
// type's bounds (-1, a null, only for $ and *).
bool ParseLengthLine(char type, std::string_view line, int64_t* value);

// A type byte and its line up to CRLF: "$5\r\n", "*-1\r\n", ":12\r\n". For length types *value
// is the declared length (-1 = null); for ':' the integer. Other types: the line is not checked.
ParseState ParseHeaderLine(std::string_view* buf, char* type, int64_t* value);

// Decimal integer of a whole line (optional '-'), false if it is not one.
bool ParseDecimal(std::string_view line, int64_t* value);

// First word of an error line ("WRONGTYPE Operation..." → "WRONGTYPE"), at most
// kMaxErrorTypeBytes.
std::string ErrorType(std::string_view line);

// Command name → uppercase; "_OTHER" when it is empty, too long or not [A-Za-z0-9_.|-].
std::string NormalizeName(std::string_view name);

PubSubKind ClassifyPubSub(std::string_view first_element);

// Whether a segment's head plausibly starts a top-level value: a command (commands = true) or a
// reply. A command head cut by the capture before its name is complete counts when its captured
// bytes are a valid start (segment_length > head.size()). Used to find sync again.
bool PlausibleMessageStart(std::string_view head, uint64_t segment_length, bool commands);

// Detection from a connection's first egress bytes: a RESP command array ("*N\r\n$len\r\nNAME")
// or an inline command whose first word is a known Redis command.
bool LooksLikeRedisCommand(std::string_view first_egress_bytes);

}  // namespace hostlens::protocols::redis
