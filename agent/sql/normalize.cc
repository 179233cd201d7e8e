#include "agent/sql/normalize.h"

#include <algorithm>

namespace hostlens::sql {
namespace {

// Statement verbs of PostgreSQL and MySQL/MariaDB. Anything else gives no operation, so that a
// garbled or cut capture cannot mint label values.
constexpr std::string_view kVerbs[] = {
    "ABORT",    "ALTER",    "ANALYZE",  "BEGIN",    "CALL",    "CHECKPOINT", "CLOSE",
    "CLUSTER",  "COMMENT",  "COMMIT",   "COPY",     "CREATE",  "DEALLOCATE", "DECLARE",
    "DELETE",   "DESC",     "DESCRIBE", "DISCARD",  "DO",      "DROP",       "END",
    "EXECUTE",  "EXPLAIN",  "FETCH",    "FLUSH",    "GRANT",   "HANDLER",    "IMPORT",
    "INSERT",   "KILL",     "LISTEN",   "LOAD",     "LOCK",    "MERGE",      "MOVE",
    "NOTIFY",   "OPTIMIZE", "PREPARE",  "REASSIGN", "REFRESH", "REINDEX",    "RELEASE",
    "RENAME",   "REPAIR",   "REPLACE",  "RESET",    "REVOKE",  "ROLLBACK",   "SAVEPOINT",
    "SECURITY", "SELECT",   "SET",      "SHOW",     "START",   "TABLE",      "TRUNCATE",
    "UNLISTEN", "UNLOCK",   "UPDATE",   "USE",      "VACUUM",  "VALUES",     "WITH",
    "XA",
};

// Verbs whose table the statement after WITH or EXPLAIN names.
constexpr std::string_view kMainVerbs[] = {"SELECT", "INSERT", "UPDATE",
                                           "DELETE", "MERGE",  "REPLACE"};

// Words between a verb (or FROM) and the table name.
constexpr std::string_view kTargetModifiers[] = {
    "INTO", "ONLY", "IGNORE", "LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "TABLE", "BINARY"};

template <size_t N>
std::string_view Find(const std::string_view (&words)[N], std::string_view text) {
  for (std::string_view word : words) {
    if (EqualsUpper(text, word)) return word;
  }
  return {};
}

bool IsPunct(const Token& t, char c) {
  return t.kind == TokenKind::kPunct && t.text.size() == 1 && t.text[0] == c;
}

// Reads the verb and the main table from the tokens of a statement, one token at a time.
class Analyzer {
 public:
  explicit Analyzer(Dialect dialect) : dialect_(dialect) {}

  bool done() const { return state_ == State::kDone; }

  void Feed(const Token& t) {
    if (state_ != State::kDone) Step(t);
    if (IsPunct(t, '(')) {
      ++depth_;
    } else if (IsPunct(t, ')')) {
      --depth_;
    }
  }

  void Finish(std::string_view sql, bool truncated, Statement* out) const {
    out->operation.assign(operation_);
    bool have_name = state_ == State::kAfterName || (state_ == State::kDone && !name_.empty());
    if (!have_name) return;
    // A name that runs into the cut of a captured prefix may itself be cut.
    if (state_ == State::kAfterName && truncated && name_.data() + name_.size() == sql.end()) {
      return;
    }
    std::string& c = out->collection;
    if (name_kind_ == TokenKind::kQuotedName) {
      const char quote = name_.front();
      std::string_view inner = name_.substr(1, name_.size() - 2);
      for (size_t i = 0; i < inner.size(); ++i) {
        c.push_back(inner[i]);
        if (inner[i] == quote && i + 1 < inner.size() && inner[i + 1] == quote) ++i;
      }
    } else {
      c.assign(name_);
      if (dialect_ == Dialect::kPostgres && !bracketed_) {
        for (char& ch : c) {
          if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch + 32);
        }
      }
    }
    if (c.size() > kMaxCollectionBytes) c.resize(kMaxCollectionBytes);
  }

 private:
  enum class State : uint8_t {
    kVerb,      // the first word
    kMainVerb,  // after WITH or EXPLAIN: the verb of the statement they lead to
    kFrom,      // SELECT, DELETE: their FROM
    kTarget,    // the table name, after modifiers
    kBracket,   // [name]
    kBracketEnd,
    kAfterName,  // a '.' (schema-qualified) or the end of the name
    kAfterDot,
    kDone,
  };

  void Stop() { state_ = State::kDone; }

  void NoTable() {
    name_ = {};
    state_ = State::kDone;
  }

  void StartVerb(std::string_view verb) {
    verb_depth_ = depth_;
    if (verb == "SELECT" || verb == "DELETE") {
      state_ = State::kFrom;
      after_from_ = true;
    } else if (verb == "INSERT" || verb == "REPLACE" || verb == "UPDATE" || verb == "COPY" ||
               verb == "TRUNCATE" || verb == "MERGE") {
      state_ = State::kTarget;
      after_from_ = false;
    } else if (verb == "WITH" || verb == "EXPLAIN") {
      state_ = State::kMainVerb;
    } else {
      Stop();
    }
  }

  void SetName(const Token& t) {
    name_ = t.text;
    name_kind_ = t.kind;
  }

  void Step(const Token& t) {
    const bool word = t.kind == TokenKind::kWord;
    const bool name = word || t.kind == TokenKind::kQuotedName;
    if (IsPunct(t, ';') && state_ != State::kAfterName) return NoTable();
    switch (state_) {
      case State::kVerb:
        if (word) {
          operation_ = Find(kVerbs, t.text);
          if (operation_.empty()) return Stop();
          return StartVerb(operation_);
        }
        if (!IsPunct(t, '(')) Stop();
        return;
      case State::kMainVerb:
        if (word && depth_ == verb_depth_) {
          std::string_view verb = Find(kMainVerbs, t.text);
          if (!verb.empty()) {
            if (operation_ == "WITH") operation_ = verb;
            StartVerb(verb);
          }
        }
        return;
      case State::kFrom:
        if (word && depth_ == verb_depth_ && EqualsUpper(t.text, "FROM")) state_ = State::kTarget;
        return;
      case State::kTarget:
        if (word && !Find(kTargetModifiers, t.text).empty()) return;
        if (name && !(word && EqualsUpper(t.text, "LATERAL"))) {
          SetName(t);
          state_ = State::kAfterName;
          return;
        }
        if (IsPunct(t, '[')) {
          state_ = State::kBracket;
          return;
        }
        return NoTable();
      case State::kBracket:
        if (!name) return NoTable();
        SetName(t);
        bracketed_ = true;
        state_ = State::kBracketEnd;
        return;
      case State::kBracketEnd:
        if (!IsPunct(t, ']')) return NoTable();
        state_ = State::kAfterName;
        return;
      case State::kAfterName:
        if (IsPunct(t, '.')) {
          state_ = State::kAfterDot;
          return;
        }
        // FROM f(...) reads a function, not a table.
        if (after_from_ && IsPunct(t, '(')) return NoTable();
        return Stop();
      case State::kAfterDot:
        bracketed_ = false;
        if (name) {
          SetName(t);
          state_ = State::kAfterName;
          return;
        }
        if (IsPunct(t, '[')) {
          state_ = State::kBracket;
          return;
        }
        return NoTable();
      case State::kDone:
        return;
    }
  }

  Dialect dialect_;
  State state_ = State::kVerb;
  int depth_ = 0;
  int verb_depth_ = 0;
  bool after_from_ = false;
  bool bracketed_ = false;
  std::string_view operation_;
  std::string_view name_;
  TokenKind name_kind_ = TokenKind::kWord;
};

// After "IN (": a list of literals up to its ")" (or the end of a cut text) is consumed and
// true returned; anything else (a subquery, column names) leaves the lexer where it was.
bool SkipLiteralList(Lexer* lexer, char close) {
  Lexer ahead = *lexer;
  bool any = false;
  for (;;) {
    Token t = ahead.Next();
    if (t.kind == TokenKind::kEnd) {
      if (!any) return false;
      break;
    }
    if (t.kind == TokenKind::kLiteral ||
        (t.kind == TokenKind::kWord && EqualsUpper(t.text, "NULL"))) {
      any = true;
    } else if (IsPunct(t, close)) {
      if (!any) return false;
      break;
    } else if (!IsPunct(t, ',')) {
      return false;
    }
  }
  *lexer = ahead;
  return true;
}

// Consumes the rest of a parenthesized group whose "(" was just read.
void SkipGroup(Lexer* lexer) {
  int depth = 1;
  while (depth > 0) {
    Token t = lexer->Next();
    if (t.kind == TokenKind::kEnd) return;
    if (IsPunct(t, '(')) {
      ++depth;
    } else if (IsPunct(t, ')')) {
      --depth;
    }
  }
}

// After "VALUES (": that row and every further ", (...)" row.
void SkipRows(Lexer* lexer) {
  SkipGroup(lexer);
  for (;;) {
    Lexer ahead = *lexer;
    if (!IsPunct(ahead.Next(), ',') || !IsPunct(ahead.Next(), '(')) return;
    SkipGroup(&ahead);
    *lexer = ahead;
  }
}

}  // namespace

Statement Normalize(std::string_view sql, NormalizeOptions options) {
  Statement statement;
  std::string& out = statement.normalized;
  out.reserve(std::min(sql.size(), kMaxNormalizedBytes) + 4);
  Lexer lexer(sql, options.dialect);
  Analyzer analyzer(options.dialect);
  Token previous;
  bool full = false;
  static constexpr Token kClose{TokenKind::kPunct, ")", false, false};

  for (;;) {
    Token t = lexer.Next();
    if (t.kind == TokenKind::kEnd || (full && analyzer.done())) break;
    analyzer.Feed(t);
    if (full) continue;

    std::string_view text = t.kind == TokenKind::kLiteral ? std::string_view("?") : t.text;
    if (previous.kind == TokenKind::kWord) {
      if (IsPunct(t, '(') && EqualsUpper(previous.text, "IN") && SkipLiteralList(&lexer, ')')) {
        text = "(...)";
        analyzer.Feed(kClose);
      } else if (IsPunct(t, '(') && EqualsUpper(previous.text, "VALUES")) {
        SkipRows(&lexer);
        text = "(...)";
        analyzer.Feed(kClose);
      } else if (IsPunct(t, '[') && EqualsUpper(previous.text, "ARRAY") &&
                 SkipLiteralList(&lexer, ']')) {
        text = "[...]";
      }
    }
    previous = t;

    const bool space = t.space_before && !out.empty();
    if (out.size() + space + text.size() > kMaxNormalizedBytes) {
      out.append("...");
      full = true;
      continue;
    }
    if (space) out.push_back(' ');
    out.append(text);
  }
  if (options.truncated && !full && !out.empty()) out.append("...");
  analyzer.Finish(sql, options.truncated, &statement);
  return statement;
}

}  // namespace hostlens::sql
