// Bad input at startup: one line on stderr naming the problem and exit 2;
// missing privileges: one line saying what is missing and exit 1.
#include <gtest/gtest.h>
#include <unistd.h>

#include "harness.h"

namespace hostlens::testing {
namespace {

using namespace std::chrono_literals;

struct BadInvocation {
  const char* name;
  std::vector<std::string> args;
  const char* message_part;
};

class CliErrors : public ::testing::TestWithParam<BadInvocation> {};

TEST_P(CliErrors, ExitsTwoWithOneLine) {
  std::vector<std::string> argv = {HOSTLENS_BINARY};
  argv.insert(argv.end(), GetParam().args.begin(), GetParam().args.end());
  Process process(argv);
  auto code = process.Wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 2);
  const std::string err = process.Stderr();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find(GetParam().message_part), std::string::npos) << err;
}

void PrintTo(const BadInvocation& invocation, std::ostream* os) { *os << invocation.name; }

INSTANTIATE_TEST_SUITE_P(
    Flags, CliErrors,
    ::testing::Values(BadInvocation{"UnknownFlag", {"--bogus"}, "--bogus"},
                      BadInvocation{"PortNotANumber", {"--port", "abc"}, "--port"},
                      BadInvocation{"PidNegative", {"--pid", "-3"}, "--pid"},
                      BadInvocation{"BadRegex", {"--exe", "(unclosed"}, "--exe"},
                      BadInvocation{"BadListen", {"--listen", "nohost"}, "--listen"},
                      BadInvocation{"MissingConfig", {"--config", "/nonexistent/hostlens.yaml"},
                                    "/nonexistent/hostlens.yaml"},
                      BadInvocation{"Positional", {"extra"}, "extra"}),
    [](const auto& info) { return info.param.name; });

TEST(CliPrivileges, WithoutCapabilitiesExitsOneSayingWhatIsMissing) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to start the agent as an unprivileged user";
  // setpriv drops to nobody with no capabilities: the state of a user who
  // forgot sudo.
  Process process({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                   "--inh-caps=-all", HOSTLENS_BINARY, "--listen", "127.0.0.1:" + std::to_string(FreePort())});
  auto code = process.Wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  const std::string err = process.Stderr();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find("missing capability CAP_BPF"), std::string::npos) << err;
  EXPECT_NE(err.find("setcap"), std::string::npos) << err;
}

TEST(CliPrivileges, BusyListenPortExitsOne) {
  if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
  Agent first({});
  ASSERT_TRUE(first.WaitReady()) << first.process().Stderr();
  Process second({HOSTLENS_BINARY, "--listen", "127.0.0.1:" + std::to_string(first.port())});
  auto code = second.Wait(10s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  EXPECT_NE(second.Stderr().find("failed to listen on 127.0.0.1:"), std::string::npos)
      << second.Stderr();
}

}  // namespace
}  // namespace hostlens::testing
