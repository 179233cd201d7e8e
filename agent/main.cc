// hostlens: the command line, then the agent (agent/app/run.h).
#include <iostream>

#include "agent/app/run.h"
#include "agent/config/command_line.h"
#include "hostlens/version.h"

int main(int argc, char** argv) {
  auto parsed = hostlens::config::ParseCommandLine(argc, argv, hostlens::kVersion);
  if (!parsed.options) {
    if (!parsed.output.empty()) std::cout << parsed.output;
    if (!parsed.error.empty()) std::cerr << parsed.error << "\n";
    return parsed.exit_code;
  }
  try {
    return hostlens::app::Run(*parsed.options);
  } catch (const std::exception& e) {
    std::cerr << "hostlens: unexpected error: " << e.what() << "\n";
    return 1;
  }
}
