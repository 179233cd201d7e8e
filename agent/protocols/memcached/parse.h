#pragma once

// Words of the memcached text and meta protocols.

#include <string>
#include <string_view>

namespace hostlens::protocols::memcached {

enum class Verb {
  kOther,
  kRetrieval,  // get gets gat gats: keys, VALUE... END
  kStorage,    // set add replace append prepend cas: a data block, one status line
  kMetaGet,    // mg: one key, VA/HD (hit) or EN (miss)
  kMetaSet,    // ms: a data block
  kSimple,     // delete incr decr touch verbosity flush_all version md ma mn: one line
  kStats,      // stats: STAT lines then END
};

// Lowercase command word → its kind; "" → kOther.
Verb ClassifyVerb(std::string_view verb);
bool IsKnownCommand(std::string_view verb);
// Whether the word starts a response line.
bool IsResponseWord(std::string_view word);

// Splits on spaces; returns the i-th word or "".
std::string_view Word(std::string_view line, size_t i);
bool ParseUnsigned(std::string_view s, uint64_t* value);

// Detection from a connection's first egress bytes: a known command word followed by a space or
// CRLF ("get k\r\n", "set k 0 0 5\r\n", "mg k v\r\n", "version\r\n").
bool LooksLikeMemcachedCommand(std::string_view first_egress_bytes);

}  // namespace hostlens::protocols::memcached
