#include "agent/config/options.h"

#include <gtest/gtest.h>

namespace hostlens::config {
namespace {

TEST(SelectorTest, DescribesEachKind) {
  EXPECT_EQ(Selector::ForPid(1234).Describe(), "pid 1234");
  EXPECT_EQ(Selector::ForPort(8000).Describe(), "port 8000");
  EXPECT_EQ(Selector::ForExe("gunicorn$")->Describe(), "exe /gunicorn$/");
  EXPECT_EQ(Selector::ForExe("gunicorn$", "api")->Describe(), "exe /gunicorn$/ as api");
  // The slashes only delimit, as in a regex literal; the pattern is shown as written.
  EXPECT_EQ(Selector::ForExe("/bin/nginx$")->Describe(), "exe //bin/nginx$/");
  EXPECT_EQ(Selector::ForPort(8080, "web").Describe(), "port 8080 as web");
}

TEST(SelectorTest, ForExeRefusesAnInvalidRegex) {
  std::string error;
  EXPECT_EQ(Selector::ForExe("(", "api", &error), std::nullopt);
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(Selector::ForExe("("), std::nullopt);  // error output is optional
}

TEST(SelectorTest, CopiesShareTheCompiledRegex) {
  const Selector selector = *Selector::ForExe("python");
  const Selector copy = selector;  // NOLINT(performance-unnecessary-copy-initialization)
  EXPECT_EQ(copy.exe_regex, selector.exe_regex);
}

TEST(OptionsTest, DefaultsAreTheDocumentedOnes) {
  const Options options;
  EXPECT_EQ(options.ListenAddress(), "0.0.0.0:9477");
  EXPECT_TRUE(options.selectors.empty());
  EXPECT_EQ(options.procfs, "/proc");
  EXPECT_EQ(options.log_level, spdlog::level::info);
  EXPECT_EQ(options.config_path, "");
  EXPECT_EQ(options.ring_buffer_bytes, 8u << 20);
  EXPECT_EQ(options.max_tracked_processes, 65536u);
  EXPECT_EQ(options.capture_bytes, 4096u);
  EXPECT_TRUE(options.route_rules.patterns.empty());
  EXPECT_TRUE(options.route_rules.exclude.empty());
  EXPECT_EQ(options.max_routes_per_service, 500u);
}

TEST(OptionsTest, ListenAddressBracketsIpv6) {
  Options options;
  options.listen_host = "::1";
  options.listen_port = 9100;
  EXPECT_EQ(options.ListenAddress(), "[::1]:9100");
}

}  // namespace
}  // namespace hostlens::config
