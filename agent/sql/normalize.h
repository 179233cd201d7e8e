#pragma once

// SQL text → the labels and the inspector text of a query, with no literal in any of them.
//
// A fast tokenizer rather than a parser: it reads the statement's verb and main table from the
// first tokens and rewrites the rest token by token, so it also works on statements cut by the
// capture and on dialects it does not fully know.

#include <cstddef>
#include <string>
#include <string_view>

#include "agent/sql/lexer.h"

namespace hostlens::sql {

// Longest `normalized` text kept, before the "..." that marks a cut.
inline constexpr size_t kMaxNormalizedBytes = 2048;
// Longest `collection` kept; PostgreSQL names are at most 63 bytes, MySQL ones 64 characters.
inline constexpr size_t kMaxCollectionBytes = 256;

struct Statement {
  // The verb in uppercase (SELECT, INSERT, BEGIN, ...; for WITH, the main statement's verb),
  // from a fixed list so that labels stay bounded; "" when the text starts otherwise.
  std::string operation;
  // The main table (FROM of SELECT and DELETE, INTO of INSERT, the target of UPDATE, COPY,
  // TRUNCATE, MERGE), unquoted and without its schema; unquoted PostgreSQL names are folded to
  // lowercase as the server does. "" when it can't be told (subquery, function, none).
  std::string collection;
  // The text with every literal and bind placeholder replaced by ?, IN lists and VALUES rows
  // collapsed to (...), comments removed and whitespace folded; keywords and names as written.
  std::string normalized;
};

struct NormalizeOptions {
  Dialect dialect = Dialect::kPostgres;
  // The text is a captured prefix of a longer statement: a name running into the cut is not
  // trusted as the collection, and normalized ends in "...".
  bool truncated = false;
};

Statement Normalize(std::string_view sql, NormalizeOptions options = {});

inline Statement Normalize(std::string_view sql, Dialect dialect) {
  return Normalize(sql, NormalizeOptions{dialect, false});
}

}  // namespace hostlens::sql
