#include "agent/host/kernel_units.h"

#include <unistd.h>

namespace hostlens::host {
namespace {

// Linux never fails these sysconf calls; the fallbacks (the x86-64 values) only keep callers from
// dividing by -1 if it ever did.
constexpr long kFallbackUserHz = 100;
constexpr long kFallbackPageSize = 4096;

}  // namespace

long UserHz() {
  static const long user_hz = [] {
    long value = sysconf(_SC_CLK_TCK);
    return value > 0 ? value : kFallbackUserHz;
  }();
  return user_hz;
}

long PageSizeBytes() {
  static const long page_size = [] {
    long value = sysconf(_SC_PAGESIZE);
    return value > 0 ? value : kFallbackPageSize;
  }();
  return page_size;
}

}  // namespace hostlens::host
