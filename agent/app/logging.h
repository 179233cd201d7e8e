#pragma once

#include <spdlog/common.h>

namespace hostlens::app {

// The agent's one logger (stderr, ISO timestamps) at `level`; libbpf's messages go through it.
void SetUpLogging(spdlog::level::level_enum level);

}  // namespace hostlens::app
