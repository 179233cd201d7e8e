#pragma once

#include <optional>
#include <string>

#include "agent/bpf/error.h"

namespace hostlens::bpf {

// Effective capability bits as /proc/self/status reports them.
struct Privileges {
  unsigned long long effective_caps = 0;
  bool btf_present = false;
};

Privileges ReadPrivileges();

// What stops the agent from loading BPF, phrased for the user, or nullopt.
// Pure: takes what ReadPrivileges() saw.
std::optional<LoadError> CheckPrivileges(const Privileges& privileges);

// Turns a libbpf error (negative errno) at `step` into a message that says
// what is missing when the kernel refused for lack of privilege.
LoadError DescribeBpfFailure(const std::string& step, int err);

}  // namespace hostlens::bpf
