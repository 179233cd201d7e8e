#include "agent/config/selector_match.h"

#include <gtest/gtest.h>

#include <vector>

namespace hostlens::config {
namespace {

// A gunicorn worker (pid 300) forked by its master (200), started by a shell (100) under init.
ProcessFacts GunicornWorker() {
  return ProcessFacts{.pid = 300,
                      .ancestors = {200, 100, 1},
                      .exe = "/usr/bin/python3.11",
                      .listening_ports = {8000}};
}

Selector Exe(const char* pattern, std::string service_name = {}) {
  return *Selector::ForExe(pattern, std::move(service_name));
}

TEST(SelectorMatchesTest, PidMatchesTheProcessAndItsDescendants) {
  const ProcessFacts worker = GunicornWorker();
  EXPECT_TRUE(SelectorMatches(Selector::ForPid(300), worker));
  EXPECT_TRUE(SelectorMatches(Selector::ForPid(200), worker));
  EXPECT_TRUE(SelectorMatches(Selector::ForPid(1), worker));
  EXPECT_FALSE(SelectorMatches(Selector::ForPid(301), worker));
}

TEST(SelectorMatchesTest, PortMatchesAListeningPort) {
  ProcessFacts worker = GunicornWorker();
  EXPECT_TRUE(SelectorMatches(Selector::ForPort(8000), worker));
  EXPECT_FALSE(SelectorMatches(Selector::ForPort(8001), worker));
  worker.listening_ports.clear();
  EXPECT_FALSE(SelectorMatches(Selector::ForPort(8000), worker));
}

TEST(SelectorMatchesTest, ExeIsSearchedNotFullyMatched) {
  const ProcessFacts worker = GunicornWorker();
  EXPECT_TRUE(SelectorMatches(Exe("python"), worker));
  EXPECT_TRUE(SelectorMatches(Exe("/python3\\.[0-9]+$"), worker));
  EXPECT_TRUE(SelectorMatches(Exe("^/usr/bin/"), worker));
  EXPECT_FALSE(SelectorMatches(Exe("^python"), worker));
  EXPECT_FALSE(SelectorMatches(Exe("gunicorn"), worker));
}

TEST(SelectorMatchesTest, ExeIgnoresTheDeletedSuffix) {
  ProcessFacts upgraded = GunicornWorker();
  upgraded.exe = "/usr/bin/python3.11 (deleted)";
  EXPECT_TRUE(SelectorMatches(Exe("/python3\\.11$"), upgraded));
}

TEST(SelectorMatchesTest, UnknownExeMatchesNoExeSelector) {
  ProcessFacts kernel_thread;
  kernel_thread.pid = 2;
  EXPECT_FALSE(SelectorMatches(Exe(".*"), kernel_thread));
  EXPECT_FALSE(SelectorMatches(Exe("^$"), kernel_thread));
}

TEST(MatchSelectorsTest, NoSelectorsMeansAllProcesses) {
  const std::optional<SelectorMatch> match = MatchSelectors({}, GunicornWorker());
  ASSERT_TRUE(match);
  EXPECT_EQ(match->selector, nullptr);
  EXPECT_EQ(match->index, 0u);
  EXPECT_TRUE(MatchSelectors({}, ProcessFacts{}));
}

TEST(MatchSelectorsTest, FirstMatchingSelectorWins) {
  const std::vector<Selector> selectors = {
      Selector::ForPort(5432, "db"),
      Exe("python", "scripts"),
      Selector::ForPort(8000, "api"),
  };
  const std::optional<SelectorMatch> match = MatchSelectors(selectors, GunicornWorker());
  ASSERT_TRUE(match);
  EXPECT_EQ(match->index, 1u);
  EXPECT_EQ(match->selector, &selectors[1]);
  EXPECT_EQ(match->selector->service_name, "scripts");
}

TEST(MatchSelectorsTest, NoMatchIsNullopt) {
  const std::vector<Selector> selectors = {Selector::ForPid(42), Selector::ForPort(80)};
  EXPECT_EQ(MatchSelectors(selectors, GunicornWorker()), std::nullopt);
}

TEST(ServiceNameForTest, SelectorNameComesFirst) {
  const Selector named = Selector::ForPort(8000, "api");
  EXPECT_EQ(ServiceNameFor(&named, "/usr/bin/python3.11", "gunicorn"), "api");
}

TEST(ServiceNameForTest, ThenTheExecutableBaseName) {
  const Selector unnamed = Selector::ForPort(8000);
  EXPECT_EQ(ServiceNameFor(&unnamed, "/usr/bin/python3.11", "gunicorn"), "python3.11");
  EXPECT_EQ(ServiceNameFor(nullptr, "/usr/bin/python3.11", "gunicorn"), "python3.11");
  EXPECT_EQ(ServiceNameFor(nullptr, "nginx", ""), "nginx");
}

TEST(ServiceNameForTest, StripsTheDeletedSuffix) {
  EXPECT_EQ(ServiceNameFor(nullptr, "/usr/sbin/nginx (deleted)", ""), "nginx");
  EXPECT_EQ(ServiceNameFor(nullptr, "/memfd:runner (deleted)", ""), "memfd:runner");
}

TEST(ServiceNameForTest, ThenCommThenUnknown) {
  EXPECT_EQ(ServiceNameFor(nullptr, "", "kworker/0:1"), "kworker/0:1");
  EXPECT_EQ(ServiceNameFor(nullptr, "/", "init"), "init");
  EXPECT_EQ(ServiceNameFor(nullptr, " (deleted)", "gone"), "gone");
  EXPECT_EQ(ServiceNameFor(nullptr, "", "postgres\n"), "postgres");
  EXPECT_EQ(ServiceNameFor(nullptr, "", ""), "unknown");
  EXPECT_EQ(ServiceNameFor(nullptr, "", " \n"), "unknown");
}

TEST(WithoutDeletedSuffixTest, OnlyStripsTheKernelsSuffix) {
  EXPECT_EQ(WithoutDeletedSuffix("/bin/a (deleted)"), "/bin/a");
  EXPECT_EQ(WithoutDeletedSuffix("/bin/a"), "/bin/a");
  EXPECT_EQ(WithoutDeletedSuffix("/bin/a(deleted)"), "/bin/a(deleted)");
  EXPECT_EQ(WithoutDeletedSuffix(""), "");
}

}  // namespace
}  // namespace hostlens::config
