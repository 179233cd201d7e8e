#pragma once

#include <optional>
#include <string>

#include "agent/bpf/error.h"

namespace hostlens::bpf {

inline constexpr const char* kTracefsPath = "/sys/kernel/tracing";

// Tracepoint attachment needs tracefs (event ids are read from it). Mounts it
// at kTracefsPath when it is not there. Returns an error when it can't;
// sets *mounted when this call did the mount, so the caller can say so.
std::optional<LoadError> EnsureTracefs(bool* mounted);

}  // namespace hostlens::bpf
