#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "agent/config/options.h"

namespace hostlens::config {

// Exit status for a command line or config file the agent cannot run with (as getopt tools do).
inline constexpr int kUsageExitCode = 2;

struct ParseResult {
  std::optional<Options> options;  // set: run with these; otherwise print and exit
  int exit_code = 0;
  std::string output;  // for stdout (help, version), ready to print as is: ends with a newline
  std::string error;   // for stderr: one line starting with "hostlens: ", no trailing newline
};

// Flags, then the config file they name, merged: flags override the file's scalar settings and
// the file's selectors come before the flags' (which keep their command-line order). Never
// throws; every way to fail ends up in `error`.
ParseResult ParseCommandLine(int argc, const char* const argv[], std::string_view version);

}  // namespace hostlens::config
