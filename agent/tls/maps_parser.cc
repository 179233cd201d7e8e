#include "agent/tls/maps_parser.h"

#include <charconv>

namespace hostlens::tls {
namespace {

// Next space-separated field of *line (leading spaces skipped).
std::string_view NextField(std::string_view* line) {
  size_t start = line->find_first_not_of(' ');
  if (start == std::string_view::npos) {
    *line = {};
    return {};
  }
  line->remove_prefix(start);
  size_t end = line->find(' ');
  std::string_view field = line->substr(0, end);
  line->remove_prefix(end == std::string_view::npos ? line->size() : end);
  return field;
}

template <typename T>
bool ParseHex(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out, 16);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// "start-end perms offset major:minor inode [path]"; false if malformed.
bool ParseLine(std::string_view line, FileMapping* m, bool* executable) {
  std::string_view range = NextField(&line);
  std::string_view perms = NextField(&line);
  std::string_view offset = NextField(&line);
  std::string_view dev = NextField(&line);
  std::string_view inode = NextField(&line);
  size_t dash = range.find('-');
  size_t colon = dev.find(':');
  if (dash == std::string_view::npos || colon == std::string_view::npos || perms.size() != 4) {
    return false;
  }
  if (!ParseHex(range.substr(0, dash), &m->start) || !ParseHex(range.substr(dash + 1), &m->end) ||
      !ParseHex(offset, &m->offset) || !ParseHex(dev.substr(0, colon), &m->dev_major) ||
      !ParseHex(dev.substr(colon + 1), &m->dev_minor) || !ParseDecimal(inode, &m->inode)) {
    return false;
  }
  size_t path_at = line.find_first_not_of(' ');
  m->path = path_at == std::string_view::npos ? "" : std::string(line.substr(path_at));
  *executable = perms[2] == 'x';
  return true;
}

}  // namespace

std::optional<std::vector<FileMapping>> ParseExecutableMappings(std::string_view text) {
  std::vector<FileMapping> mappings;
  while (!text.empty()) {
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (line.empty()) continue;
    FileMapping m;
    bool executable = false;
    if (!ParseLine(line, &m, &executable)) return std::nullopt;
    if (executable && m.inode != 0 && !m.path.empty() && m.path[0] == '/') {
      mappings.push_back(std::move(m));
    }
  }
  return mappings;
}

bool NamedLikeTlsLibrary(std::string_view path) {
  const size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  return name.starts_with("libssl") || name.starts_with("libgnutls");
}

}  // namespace hostlens::tls
