#pragma once

#include <spdlog/common.h>

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
// A kExe selector without a service name. Refuses an empty pattern, which would match every
// process and is more likely a mistake (an unset shell variable) than a wish.
std::optional<Selector> ParseExeSelector(std::string_view pattern, std::string* error);
// True if `path` names an existing directory (following symlinks).
bool CheckDirectory(const std::string& path, std::string* error);

// `text` in double quotes, with control characters escaped so that a message stays on one line.
std::string Quote(std::string_view text);

}  // namespace hostlens::config
