#pragma once

namespace hostlens::host {

// USER_HZ: the tick rate of the CPU times in /proc (sysconf(_SC_CLK_TCK)).
long UserHz();

// The page size in bytes, the unit of rss in /proc/PID/stat.
long PageSizeBytes();

}  // namespace hostlens::host
