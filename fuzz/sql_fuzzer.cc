// libFuzzer target for the SQL normalizer (agent/sql).
//
// Two checks per input:
// - The raw bytes, in both dialects, whole and as a cut capture: no crash, no sanitizer report,
//   bounded outputs, an operation from the verb list (uppercase letters only).
// - A statement generated from the input (FuzzedDataProvider): names, keywords and punctuation
//   drawn from a small vocabulary, mixed with literals, placeholders and comments of every kind
//   whose contents are arbitrary non-letter bytes, escaped as each dialect wants. Outside the
//   vocabulary's characters nothing may reach normalized, operation or collection, for the whole
//   statement and for every cut of it: any such byte is a leaked literal or comment.
//
// Build and run (120 s):
//   cmake -S . -B build-fuzz -G Ninja -DHOSTLENS_FUZZ=ON -DHOSTLENS_BUILD_TESTS=OFF \
//     -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ && ninja -C build-fuzz sql_fuzzer
//   mkdir -p build-fuzz/sql_corpus
//   build-fuzz/fuzz/sql_fuzzer -max_total_time=120 -max_len=4096 build-fuzz/sql_corpus

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agent/sql/normalize.h"

namespace {

using namespace hostlens::sql;

#define FUZZ_CHECK(cond, text)                                                               \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "%s:%d: check failed: %s\n  on: %s\n", __FILE__, __LINE__, #cond, \
                   std::string(text).c_str());                                               \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

void CheckShape(const Statement& s, std::string_view input) {
  FUZZ_CHECK(s.normalized.size() <= kMaxNormalizedBytes + 3, input);
  FUZZ_CHECK(s.collection.size() <= kMaxCollectionBytes, input);
  for (char c : s.operation) FUZZ_CHECK(c >= 'A' && c <= 'Z', input);
}

// Characters the generated vocabulary (not its literals) can put in the output.
bool FromVocabulary(char c, Dialect dialect) {
  if (IsLetter(c) || c == '_') return true;
  switch (c) {
    case ' ':
    case '(':
    case ')':
    case ',':
    case '.':
    case '=':
    case '<':
    case '>':
    case ';':
    case '?':
    case '[':
    case ']':
    case '*':
      return true;
    case '"':
      return dialect == Dialect::kPostgres;
    case '`':
      return dialect == Dialect::kMySql;
    default:
      return false;
  }
}

constexpr std::string_view kWords[] = {
    "SELECT",  "select", "FROM",    "from",    "WHERE",  "AND",    "OR",   "IN",   "in",
    "VALUES",  "INSERT", "INTO",    "UPDATE",  "SET",    "DELETE", "WITH", "AS",   "JOIN",
    "ON",      "LIMIT",  "users",   "orders",  "public", "id",     "name", "NULL", "ARRAY",
    "BEGIN",   "COMMIT", "E",       "B",       "X",      "N",      "U",    "e",    "ONLY",
    "EXPLAIN", "COPY",   "_binary", "LATERAL", "abc"};
constexpr std::string_view kPunct[] = {"(", ")", ",", ".", "=", "<", ">", ";", "[", "]", "*"};

class Generator {
 public:
  Generator(FuzzedDataProvider* fdp, Dialect dialect) : fdp_(*fdp), dialect_(dialect) {}

  std::string Statement() {
    size_t pieces = fdp_.ConsumeIntegralInRange<size_t>(1, 40);
    for (size_t i = 0; i < pieces && fdp_.remaining_bytes() > 0; ++i) Piece();
    return out_;
  }

 private:
  // Bytes of a literal or comment: anything but letters (which the vocabulary uses).
  std::string Content() {
    std::string s = fdp_.ConsumeRandomLengthString(24);
    for (char& c : s) {
      if (IsLetter(c)) c = '7';
    }
    return s;
  }

  static std::string Replace(std::string s, char from, char to) {
    for (char& c : s) {
      if (c == from) c = to;
    }
    return s;
  }

  // Quotes `content` between `quote`s: the quote doubled or, where backslashes escape, either
  // doubled or backslashed; backslashes doubled where they escape.
  std::string Quote(const std::string& content, char quote, bool backslash_escapes) {
    const bool backslash_quote = backslash_escapes && fdp_.ConsumeBool();
    std::string s(1, quote);
    for (char c : content) {
      if (c == quote) s.push_back(backslash_quote ? '\\' : quote);
      if (c == '\\' && backslash_escapes) s.push_back('\\');
      s.push_back(c);
    }
    s.push_back(quote);
    return s;
  }

  std::string Number() {
    std::string digits = std::to_string(fdp_.ConsumeIntegral<uint32_t>());
    switch (fdp_.ConsumeIntegralInRange<int>(0, 4)) {
      case 0:
        return digits;
      case 1:
        return digits + "." + digits;
      case 2:
        return "." + digits;
      case 3:
        return digits + "e-" + digits.substr(0, 2);
      default:
        return "0x" + digits;
    }
  }

  std::string Literal() {
    const bool pg = dialect_ == Dialect::kPostgres;
    const bool mysql = !pg;
    switch (fdp_.ConsumeIntegralInRange<int>(0, 13)) {
      case 0:
        return Quote(Content(), '\'', mysql);
      case 1:
        return pg ? "E" + Quote(Content(), '\'', true) : Quote(Content(), '"', true);
      case 2: {
        // $$ content may hold neither "$$" nor a final '$'; a tagged one cannot hold the tag.
        if (pg) return "$$" + Replace(Content(), '$', '7') + "$$";
        return "N" + Quote(Content(), '\'', true);
      }
      case 3:
        return pg ? "$q$" + Content() + "$q$" : "_binary" + Quote(Content(), '\'', true);
      case 4:
        return pg ? "U&" + Quote(Content(), '\'', false) : "x" + Quote(Content(), '\'', true);
      case 5:
        return "B" + Quote(Content(), '\'', mysql);
      case 6:
        return pg ? "$" + std::to_string(fdp_.ConsumeIntegralInRange<int>(1, 99)) : "?";
      case 7:
        return "?";
      case 8:
        return "%s";
      case 9:
        return fdp_.ConsumeBool() ? "TRUE" : "false";
      case 10:
        return "'" + std::string(1, '7') + "'";
      default: {
        std::string number = Number();
        if (UnaryPosition() && fdp_.ConsumeBool()) number.insert(0, 1, '-');
        return number;
      }
    }
  }

  std::string Comment() {
    switch (fdp_.ConsumeIntegralInRange<int>(0, 2)) {
      case 0:
        return "--" + Replace(Content(), '\n', ' ') + "\n";
      case 1: {
        std::string c = Replace(Content(), '/', '7');  // no "*/", and no nested "/*"
        return "/*" + c + "*/";
      }
      default:
        if (dialect_ == Dialect::kMySql) return "#" + Replace(Content(), '\n', ' ') + "\n";
        return "/**/";
    }
  }

  std::string QuotedName() {
    std::string name(kWords[fdp_.ConsumeIntegralInRange<size_t>(0, std::size(kWords) - 1)]);
    return dialect_ == Dialect::kPostgres ? "\"" + name + "\"" : "`" + name + "`";
  }

  bool UnaryPosition() const {
    if (out_.empty()) return true;
    char last = out_.back();
    return last == '=' || last == '(' || last == ',' || last == '<' || last == '>' || last == ' ';
  }

  void Piece() {
    std::string piece;
    int kind = fdp_.ConsumeIntegralInRange<int>(0, 9);
    if (kind <= 2) {
      piece = kWords[fdp_.ConsumeIntegralInRange<size_t>(0, std::size(kWords) - 1)];
    } else if (kind <= 4) {
      piece = kPunct[fdp_.ConsumeIntegralInRange<size_t>(0, std::size(kPunct) - 1)];
    } else if (kind == 5) {
      piece = QuotedName();
    } else if (kind == 6) {
      piece = Comment();
    } else {
      piece = Literal();
    }
    Append(piece);
  }

  // Glues two pieces only around punctuation, where no dialect reads them as one token.
  void Append(const std::string& piece) {
    if (!out_.empty()) {
      auto punct = [](char c) {
        return std::string_view("(),=<>;[]").find(c) != std::string_view::npos;
      };
      // ")%s" is a modulo, so placeholders keep their space.
      bool glue = (punct(out_.back()) || punct(piece.front())) && piece.front() != '%' &&
                  fdp_.ConsumeBool();
      if (!glue) out_.push_back(fdp_.ConsumeBool() ? ' ' : '\n');
    }
    out_ += piece;
  }

  FuzzedDataProvider& fdp_;
  Dialect dialect_;
  std::string out_;
};

void CheckNoLeak(const std::string& sql, Dialect dialect, bool cut) {
  for (bool truncated : {false, true}) {
    hostlens::sql::Statement s = Normalize(sql, NormalizeOptions{dialect, truncated});
    CheckShape(s, sql);
    std::string_view normalized = s.normalized;
    if (normalized.ends_with("...")) normalized.remove_suffix(3);
    // A cut can leave the first bytes of a token (-- /* $1 %s U&' -.5) at the end.
    for (int i = 0; cut && i < 2 && !normalized.empty() &&
                    std::string_view("-/$%&.").find(normalized.back()) != std::string_view::npos;
         ++i) {
      normalized.remove_suffix(1);
    }
    for (char c : normalized) FUZZ_CHECK(FromVocabulary(c, dialect), sql + "\n  → " + s.normalized);
    for (char c : s.collection)
      FUZZ_CHECK(FromVocabulary(c, dialect), sql + "\n  → " + s.collection);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string raw(reinterpret_cast<const char*>(data), size);
  for (Dialect dialect : {Dialect::kPostgres, Dialect::kMySql}) {
    for (bool truncated : {false, true}) {
      CheckShape(Normalize(raw, NormalizeOptions{dialect, truncated}), raw);
    }
  }

  FuzzedDataProvider fdp(data, size);
  Dialect dialect = fdp.ConsumeBool() ? Dialect::kMySql : Dialect::kPostgres;
  std::string sql = Generator(&fdp, dialect).Statement();
  CheckNoLeak(sql, dialect, false);
  for (size_t n = 0; n < sql.size(); ++n) CheckNoLeak(sql.substr(0, n), dialect, true);
  return 0;
}
