#include "agent/protocols/memcached/parse.h"

#include <array>
#include <cstdint>

namespace hostlens::protocols::memcached {

Verb ClassifyVerb(std::string_view v) {
  if (v == "get" || v == "gets" || v == "gat" || v == "gats") return Verb::kRetrieval;
  if (v == "set" || v == "add" || v == "replace" || v == "append" || v == "prepend" || v == "cas") {
    return Verb::kStorage;
  }
  if (v == "mg") return Verb::kMetaGet;
  if (v == "ms") return Verb::kMetaSet;
  if (v == "stats") return Verb::kStats;
  if (v == "delete" || v == "incr" || v == "decr" || v == "touch" || v == "verbosity" ||
      v == "flush_all" || v == "version" || v == "md" || v == "ma" || v == "mn" || v == "me" ||
      v == "cache_memlimit" || v == "shutdown" || v == "quit" || v == "misbehave") {
    return Verb::kSimple;
  }
  return Verb::kOther;
}

bool IsKnownCommand(std::string_view verb) { return ClassifyVerb(verb) != Verb::kOther; }

bool IsResponseWord(std::string_view w) {
  static constexpr std::array<std::string_view, 31> kWords = {
      "VALUE",   "END",     "STORED", "NOT_STORED", "EXISTS",       "NOT_FOUND",
      "DELETED", "TOUCHED", "OK",     "ERROR",      "CLIENT_ERROR", "SERVER_ERROR",
      "VERSION", "STAT",    "VA",     "HD",         "EN",           "NF",
      "NS",      "EX",      "MN",     "ME",
      // stats reset; stats cachedump and stats detail dump lines
      "RESET",   "ITEM",    "PREFIX",
      // slabs reassign, lru_crawler: a word, then a message
      "BUSY",    "BADCLASS", "NOSPARE", "NOTFULL",   "UNSAFE",       "SAME"};
  for (std::string_view k : kWords) {
    if (w == k) return true;
  }
  uint64_t n = 0;
  return ParseUnsigned(w, &n);  // incr/decr
}

std::string_view Word(std::string_view line, size_t i) {
  size_t pos = 0;
  for (size_t n = 0;; ++n) {
    pos = line.find_first_not_of(' ', pos);
    if (pos == std::string_view::npos) return {};
    size_t end = line.find(' ', pos);
    if (n == i) return line.substr(pos, end == std::string_view::npos ? end : end - pos);
    if (end == std::string_view::npos) return {};
    pos = end;
  }
}

bool ParseUnsigned(std::string_view s, uint64_t* value) {
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *value = v;
  return true;
}

bool ParseSigned(std::string_view s, int64_t* value) {
  bool negative = !s.empty() && s[0] == '-';
  if (negative) s.remove_prefix(1);
  uint64_t v = 0;
  if (!ParseUnsigned(s, &v) || v > uint64_t{INT64_MAX}) return false;
  *value = negative ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

namespace {

bool IsSetLike(std::string_view v) {
  return v == "set" || v == "add" || v == "replace" || v == "append" || v == "prepend";
}

}  // namespace

bool TakesNoreply(std::string_view v, uint64_t words) {
  if (IsSetLike(v)) return words == 5 || words == 6;
  if (v == "cas") return words == 6 || words == 7;
  if (v == "delete" || v == "incr" || v == "decr" || v == "touch") return words == 3 || words == 4;
  if (v == "verbosity" || v == "flush_all") return words == 2 || words == 3;
  return false;
}

// <cmd> <key> <flags> <exptime> <bytes> [<cas unique>] [noreply]
bool StorageLineValid(std::string_view v, std::string_view line, uint64_t words) {
  const bool cas = v == "cas";
  if (cas ? (words != 6 && words != 7) : (words != 5 && words != 6)) return false;
  uint64_t flags = 0, bytes = 0, unique = 0;
  int64_t exptime = 0;
  return ParseUnsigned(Word(line, 2), &flags) && flags <= UINT32_MAX &&
         ParseSigned(Word(line, 3), &exptime) && ParseUnsigned(Word(line, 4), &bytes) &&
         bytes <= INT32_MAX - 2 && (!cas || ParseUnsigned(Word(line, 5), &unique));
}

size_t MetaFlagsStart(std::string_view v) {
  if (v == "mg" || v == "md" || v == "ma") return 2;
  if (v == "ms") return 3;
  return 0;
}

uint64_t KeyHash(std::string_view key) {
  uint64_t h = 14695981039346656037ull;
  for (char c : key) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

bool LooksLikeMemcachedCommand(std::string_view bytes) {
  size_t end = bytes.find_first_of(" \r\n");
  if (end == std::string_view::npos || end == 0) return false;
  std::string_view verb = bytes.substr(0, end);
  if (!IsKnownCommand(verb)) return false;
  Verb kind = ClassifyVerb(verb);
  // Commands that take a key need one.
  if (kind == Verb::kRetrieval || kind == Verb::kStorage || kind == Verb::kMetaGet ||
      kind == Verb::kMetaSet) {
    return bytes[end] == ' ' && end + 1 < bytes.size() && bytes[end + 1] != ' ' &&
           bytes[end + 1] != '\r';
  }
  return true;
}

}  // namespace hostlens::protocols::memcached
