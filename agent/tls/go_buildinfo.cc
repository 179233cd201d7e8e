#include "agent/tls/go_buildinfo.h"

#include <cstring>

namespace hostlens::tls {
namespace {

constexpr std::string_view kMagic("\xff Go buildinf:", 14);
constexpr size_t kHeaderSize = 32;
constexpr uint8_t kFlagBigEndian = 1;
constexpr uint8_t kFlagInline = 2;
// Longer than any version string Go writes; a length beyond it is not a version.
constexpr uint64_t kMaxVersionLength = 256;

// An unsigned LEB128 varint (encoding/binary.Uvarint) at the start of `in`, consumed.
std::optional<uint64_t> ReadUvarint(std::string_view* in) {
  uint64_t value = 0;
  for (size_t i = 0; i < in->size() && i < 10; ++i) {
    const uint8_t byte = static_cast<uint8_t>((*in)[i]);
    if (i == 9 && byte > 1) return std::nullopt;  // overflows 64 bits
    value |= uint64_t{byte & 0x7fu} << (7 * i);
    if (byte < 0x80) {
      in->remove_prefix(i + 1);
      return value;
    }
  }
  return std::nullopt;
}

uint64_t Le64(std::string_view bytes) {
  uint64_t v = 0;
  std::memcpy(&v, bytes.data(), sizeof(v));  // little-endian host and file
  return v;
}

}  // namespace

std::optional<std::string> ParseGoBuildInfo(std::string_view section, const ReadAtAddress& read) {
  if (section.size() < kHeaderSize || section.substr(0, kMagic.size()) != kMagic) {
    return std::nullopt;
  }
  const uint8_t pointer_size = static_cast<uint8_t>(section[14]);
  const uint8_t flags = static_cast<uint8_t>(section[15]);
  if (flags & kFlagInline) {
    std::string_view rest = section.substr(kHeaderSize);
    auto length = ReadUvarint(&rest);
    if (!length || *length == 0 || *length > kMaxVersionLength || *length > rest.size()) {
      return std::nullopt;
    }
    return std::string(rest.substr(0, *length));
  }
  // Go 1.17 and older: a pointer to the string header of runtime.buildVersion.
  if ((flags & kFlagBigEndian) || pointer_size != 8 || !read) return std::nullopt;
  const std::string_view header = read(Le64(section.substr(16, 8)), 16);
  if (header.size() < 16) return std::nullopt;
  const uint64_t data = Le64(header.substr(0, 8));
  const uint64_t length = Le64(header.substr(8, 8));
  if (length == 0 || length > kMaxVersionLength) return std::nullopt;
  const std::string_view version = read(data, length);
  if (version.size() < length) return std::nullopt;
  return std::string(version.substr(0, length));
}

std::optional<GoRelease> ParseGoRelease(std::string_view version) {
  const size_t at = version.find("go");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = version.substr(at + 2);
  auto number = [&rest]() -> std::optional<int> {
    int value = 0;
    size_t digits = 0;
    while (digits < rest.size() && digits < 6 && rest[digits] >= '0' && rest[digits] <= '9') {
      value = value * 10 + (rest[digits] - '0');
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    rest.remove_prefix(digits);
    return value;
  };
  GoRelease release;
  auto major = number();
  if (!major || rest.empty() || rest[0] != '.') return std::nullopt;
  rest.remove_prefix(1);
  auto minor = number();
  if (!minor) return std::nullopt;
  release.major = *major;
  release.minor = *minor;
  return release;
}

}  // namespace hostlens::tls
