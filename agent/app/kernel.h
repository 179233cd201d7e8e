#pragma once

#include <memory>
#include <string>
#include <variant>

#include "agent/bpf/probes.h"
#include "agent/config/options.h"

namespace hostlens::app {

// The kernel stage: checks privileges, mounts tracefs if it is not, and loads and attaches the
// BPF programs configured from `options` (ring buffer, capture size, port and exe selectors).
// Error: one line for the user.
std::variant<std::unique_ptr<bpf::Probes>, std::string> LoadKernel(const config::Options& options);

}  // namespace hostlens::app
