// Operator regexes are compiled only when bounded: what libstdc++ would expand without end, or
// overflow on, is refused with a reason; ordinary patterns (the README's) compile.
#include "agent/metrics/bounded_regex.h"

#include <gtest/gtest.h>

#include <string>

namespace hostlens::metrics {
namespace {

std::string Problem(const std::string& pattern) {
  std::string error;
  auto regex = CompileBoundedRegex(pattern, std::regex::ECMAScript, &error);
  return regex ? "" : error;
}

TEST(BoundedRegex, OrdinaryPatternsCompile) {
  for (const char* pattern : {"/gunicorn$", "python3(\\.[0-9]+)?$", "^/healthz$", "^/static/",
                              "\\.(png|css|js)$", "[a-f0-9]{32}", "^/(a|b)+c$", "x{2,5}",
                              "(ab){10}{10}", "a{1000}", "[{]{3}", "\\{99999}"}) {
    EXPECT_EQ(Problem(pattern), "") << pattern;
  }
}

TEST(BoundedRegex, RepetitionsThatExpandTooFarAreRefused) {
  for (const char* pattern : {"a{100000000}", "a{8888888888888888888}", "(a{200}){200}",
                              "((a{30}){30}){30}", "x{1,99999}", "[ab]{20001}"}) {
    EXPECT_NE(Problem(pattern).find("repetitions expand to more than 20000 states"),
              std::string::npos)
        << pattern;
  }
}

TEST(BoundedRegex, LongPatternsAndSyntaxErrorsAreRefused) {
  EXPECT_NE(Problem(std::string(1025, 'a')).find("longer than 1024 bytes"), std::string::npos);
  EXPECT_EQ(Problem(std::string(1024, 'a')), "");
  EXPECT_NE(Problem("(unclosed"), "");
  EXPECT_NE(Problem("a{2,1}"), "");
  EXPECT_NE(Problem(std::string(100, '(')), "");  // nesting deeper than the estimate follows
}

}  // namespace
}  // namespace hostlens::metrics
