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
bool ParseSigned(std::string_view s, int64_t* value);

// Whether a last word "noreply" on a line of `words` words (the verb included) is the noreply
// flag: only for the commands that take it, with a number of words they accept (memcached 1.6
// proto_text.c). Elsewhere it is a key ("get a noreply") or an error.
bool TakesNoreply(std::string_view verb, uint64_t words);

// Whether a storage command line (set add replace append prepend cas) is one the server reads a
// data block after: the right number of words and numbers where they belong. Otherwise it answers
// ERROR or CLIENT_ERROR and reads the next line as a command.
bool StorageLineValid(std::string_view verb, std::string_view line, uint64_t words);

// The word in which a meta command's flags start (after the key; ms: after the length), 0 for
// commands without flags.
size_t MetaFlagsStart(std::string_view verb);

// FNV-1a of a key: a meta answer's k flag is matched against it.
uint64_t KeyHash(std::string_view key);

// Detection from a connection's first egress bytes: a known command word followed by a space or
// CRLF ("get k\r\n", "set k 0 0 5\r\n", "mg k v\r\n", "version\r\n").
bool LooksLikeMemcachedCommand(std::string_view first_egress_bytes);

}  // namespace hostlens::protocols::memcached
