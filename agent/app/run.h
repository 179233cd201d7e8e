#pragma once

#include "agent/config/options.h"

namespace hostlens::app {

// The agent's life as a process: logging, signals, Agent::Start, serve until SIGTERM or SIGINT,
// then Agent::Stop within kStopBudget. Returns the exit code (0, or 1 with one line on stderr
// when startup fails).
int Run(const config::Options& options);

}  // namespace hostlens::app
