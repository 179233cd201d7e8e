#pragma once

#include <spdlog/common.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/config/options.h"

namespace hostlens::config {

// Text -> setting value, shared by the command line and the config file so that both accept the
// same spellings and reject with the same words. On failure each parser returns nullopt and sets
// `error` to a one-line phrase that the caller prefixes with where the text came from, e.g.
// "--port: " + `"abc" is not a port number (1-65535)`.

// PID_MAX_LIMIT on 64-bit kernels: no pid, and no number of processes, can exceed it.
inline constexpr int kMaxPid = 4 * 1024 * 1024;
// The ring buffer is locked kernel memory; more than this is a typo, not a tuning choice.
inline constexpr uint32_t kMaxRingBufferBytes = 1u << 30;
// Bytes of each socket read or write the kernel copies. Below the minimum not even a request
// line fits; the maximum is HL_CAPTURE_MAX (include/hostlens/abi/events.h), the size of the
// kernel's copy buffer (value_parsers.cc checks that they agree).
inline constexpr uint32_t kMinCaptureBytes = 16;
inline constexpr uint32_t kMaxCaptureBytes = 4096;
// Distinct http_route values per service: each is a set of series, so this bounds memory.
inline constexpr size_t kMaxRoutesPerService = 100000;
// Slow statements kept for /api/v1/slow-queries: each holds up to 2 KB of normalized text.
inline constexpr size_t kMaxSlowQueriesKept = 100000;

struct ListenAddress {
  std::string host;  // numeric, IPv6 without brackets
  uint16_t port = 0;
};

std::optional<uint16_t> ParsePort(std::string_view text, std::string* error);
std::optional<int> ParsePid(std::string_view text, std::string* error);
// "1.2.3.4:9477", "[::1]:9477", or ":9477" for all IPv4 addresses. Hostnames are refused: the
// agent must not depend on name resolution to start.
std::optional<ListenAddress> ParseListenAddress(std::string_view text, std::string* error);
// trace, debug, info, warn, error, off.
std::optional<spdlog::level::level_enum> ParseLogLevel(std::string_view text, std::string* error);
// Bytes, or with a binary suffix: K/KiB, M/MiB, G/GiB. The kernel requires a power of two that
// is a multiple of the page size.
std::optional<uint32_t> ParseRingBufferSize(std::string_view text, std::string* error);
std::optional<uint32_t> ParseMaxTrackedProcesses(std::string_view text, std::string* error);
// kMinCaptureBytes..kMaxCaptureBytes, in bytes (no suffixes: the range is small).
std::optional<uint32_t> ParseCaptureBytes(std::string_view text, std::string* error);
std::optional<size_t> ParseMaxRoutesPerService(std::string_view text, std::string* error);
// A duration with a unit: "100ms", "1s", "250us", "1.5s", "2m", "1h"; from 1us to 1h. In
// nanoseconds.
std::optional<uint64_t> ParseSlowQueryThreshold(std::string_view text, std::string* error);
// Statements kept by /api/v1/slow-queries: 1..kMaxSlowQueriesKept.
std::optional<size_t> ParseSlowQueriesKept(std::string_view text, std::string* error);
// true/false (also yes/no, on/off, 1/0), for the config file's switches.
std::optional<bool> ParseSwitch(std::string_view text, std::string* error);
// One entry of metrics::RouteRules::patterns or ::exclude, checked by
// metrics::RouteTemplater::Create so that the agent cannot fail on it later; returned as is.
std::optional<std::string> ParseRoutePattern(std::string_view pattern, std::string* error);
std::optional<std::string> ParseExcludeRoute(std::string_view regex, std::string* error);
// A kExe selector without a service name. Refuses an empty pattern, which would match every
// process and is more likely a mistake (an unset shell variable) than a wish.
std::optional<Selector> ParseExeSelector(std::string_view pattern, std::string* error);
// A kernel BPF feature the agent has a fallback for (--without-kernel-feature): task_storage,
// uprobe_multi, task_pt_regs.
std::optional<std::string> ParseKernelFeature(std::string_view text, std::string* error);
// True if `path` names an existing directory (following symlinks).
bool CheckDirectory(const std::string& path, std::string* error);

// `text` in double quotes, with control characters escaped so that a message stays on one line.
std::string Quote(std::string_view text);

}  // namespace hostlens::config
