#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hostlens::host {

// /proc/meminfo field name (as written, e.g. "Active(anon)") → value. Fields in kB are converted
// to bytes; fields without a unit (HugePages_Total, ...) are counts and kept as they are.
using Meminfo = std::map<std::string, uint64_t, std::less<>>;

// nullopt for empty text, a line that is not "Name: value [kB]", or a kB value too large to
// express in bytes.
std::optional<Meminfo> ParseMeminfo(std::string_view text);

}  // namespace hostlens::host
