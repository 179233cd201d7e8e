#pragma once

#include <string>

namespace hostlens::bpf {

// A startup failure the user can act on: `message` is one line, already
// phrased "failed to <verb> <object>: <reason>" or naming what is missing
// and how to grant it.
struct LoadError {
  std::string message;
};

}  // namespace hostlens::bpf
