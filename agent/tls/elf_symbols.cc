#include "agent/tls/elf_symbols.h"

#include <cstring>
#include <set>

namespace hostlens::tls {
namespace {

constexpr uint32_t kShtSymtab = 2;
constexpr uint32_t kShtDynsym = 11;
constexpr uint32_t kShtNobits = 8;
constexpr uint8_t kSttFunc = 2;
constexpr uint8_t kSttGnuIfunc = 10;
constexpr uint16_t kShnUndef = 0;
constexpr size_t kEhdrSize = 64;
constexpr size_t kShdrSize = 64;
constexpr size_t kSymSize = 24;
constexpr size_t kPhdrSize = 56;
constexpr uint32_t kPtLoad = 1;

template <typename T>
bool Read(std::string_view file, uint64_t at, T* out) {
  if (at > file.size() || file.size() - at < sizeof(T)) return false;
  std::memcpy(out, file.data() + at, sizeof(T));  // little-endian host and file
  return true;
}

struct Section {
  uint32_t name = 0;
  uint32_t type = 0;
  uint64_t addr = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint32_t link = 0;
  uint64_t entsize = 0;
};

bool ReadSection(std::string_view file, uint64_t at, Section* s) {
  return Read(file, at + 0, &s->name) && Read(file, at + 4, &s->type) &&
         Read(file, at + 16, &s->addr) && Read(file, at + 24, &s->offset) &&
         Read(file, at + 32, &s->size) && Read(file, at + 40, &s->link) &&
         Read(file, at + 56, &s->entsize);
}

// The section's bytes, empty when they lie outside the file (or take no file space).
std::string_view Contents(std::string_view file, const Section& s) {
  if (s.type == kShtNobits || s.offset > file.size() || file.size() - s.offset < s.size) return {};
  return file.substr(s.offset, s.size);
}

// The NUL-terminated string at `at` of a string table; empty if it runs off the table.
std::string_view StringAt(std::string_view table, uint64_t at) {
  if (at >= table.size()) return {};
  size_t end = table.find('\0', at);
  if (end == std::string_view::npos) return {};
  return table.substr(at, end - at);
}

// The PT_LOAD segments of the program headers whose bytes lie inside the file; none when the
// table itself does not (only Go's version needs them).
void ReadLoads(std::string_view file, std::vector<ElfSegment>* loads) {
  uint64_t phoff = 0;
  uint16_t phentsize = 0, phnum = 0;
  if (!Read(file, 0x20, &phoff) || !Read(file, 0x36, &phentsize) || !Read(file, 0x38, &phnum) ||
      phnum == 0 || phentsize != kPhdrSize || phoff > file.size() ||
      (file.size() - phoff) / kPhdrSize < phnum) {
    return;
  }
  for (uint16_t i = 0; i < phnum; ++i) {
    const uint64_t at = phoff + uint64_t{i} * kPhdrSize;
    uint32_t type = 0;
    ElfSegment segment;
    Read(file, at + 0, &type);
    Read(file, at + 8, &segment.offset);
    Read(file, at + 16, &segment.address);
    Read(file, at + 32, &segment.file_size);
    if (type != kPtLoad || segment.offset > file.size() ||
        file.size() - segment.offset < segment.file_size) {
      continue;
    }
    loads->push_back(segment);
  }
}

}  // namespace

std::string_view BytesAtAddress(std::string_view file, const ElfFacts& facts, uint64_t address,
                                uint64_t size) {
  for (const ElfSegment& s : facts.loads) {
    if (address < s.address || address - s.address > s.file_size ||
        s.file_size - (address - s.address) < size) {
      continue;
    }
    const uint64_t offset = s.offset + (address - s.address);
    if (offset > file.size() || file.size() - offset < size) return {};
    return file.substr(offset, size);
  }
  return {};
}

std::optional<ElfFacts> ReadElfSymbols(std::string_view file, const std::vector<std::string>& wanted,
                                       bool scan_rodata) {
  if (file.size() < kEhdrSize || file.substr(0, 4) != "\x7f" "ELF" || file[4] != 2 /* 64-bit */ ||
      file[5] != 1 /* little-endian */) {
    return std::nullopt;
  }
  uint64_t shoff = 0;
  uint16_t shentsize = 0, shnum = 0, shstrndx = 0;
  if (!Read(file, 0x28, &shoff) || !Read(file, 0x3A, &shentsize) || !Read(file, 0x3C, &shnum) ||
      !Read(file, 0x3E, &shstrndx)) {
    return std::nullopt;
  }
  ElfFacts facts;
  Read(file, 0x12, &facts.machine);
  ReadLoads(file, &facts.loads);
  if (shnum == 0) return facts;
  if (shentsize != kShdrSize || shoff > file.size() ||
      (file.size() - shoff) / kShdrSize < shnum) {
    return std::nullopt;
  }
  std::vector<Section> sections(shnum);
  for (uint16_t i = 0; i < shnum; ++i) {
    if (!ReadSection(file, shoff + uint64_t{i} * kShdrSize, &sections[i])) return std::nullopt;
  }
  std::string_view section_names =
      shstrndx < shnum ? Contents(file, sections[shstrndx]) : std::string_view{};

  std::set<std::string_view> names(wanted.begin(), wanted.end());
  for (const Section& s : sections) {
    const std::string_view section_name = StringAt(section_names, s.name);
    if (section_name == ".go.buildinfo") {
      facts.has_go_buildinfo = true;
      if (!Contents(file, s).empty()) facts.go_buildinfo = {s.offset, s.size};
    }
    if (scan_rodata && section_name == ".rodata") {
      const std::string_view rodata = Contents(file, s);
      facts.has_openssl_ssl_code = rodata.find("ssl/s3_lib.c") != std::string_view::npos ||
                                   rodata.find("ssl/statem/") != std::string_view::npos;
    }
    if (s.type != kShtSymtab && s.type != kShtDynsym) continue;
    if (s.type == kShtSymtab) facts.has_symtab = true;
    if (s.link >= shnum || s.entsize != kSymSize) continue;
    std::string_view symbols = Contents(file, s);
    std::string_view strings = Contents(file, sections[s.link]);
    for (uint64_t at = 0; at + kSymSize <= symbols.size(); at += kSymSize) {
      uint32_t name = 0;
      uint8_t info = 0;
      uint16_t shndx = 0;
      ElfSymbol sym;
      Read(symbols, at + 0, &name);
      Read(symbols, at + 4, &info);
      Read(symbols, at + 6, &shndx);
      Read(symbols, at + 8, &sym.address);
      Read(symbols, at + 16, &sym.size);
      uint8_t type = info & 0xf;
      if ((type != kSttFunc && type != kSttGnuIfunc) || shndx == kShnUndef || shndx >= shnum) {
        continue;
      }
      std::string_view symbol_name = StringAt(strings, name);
      auto wanted_name = names.find(symbol_name);
      if (wanted_name == names.end() || facts.symbols.count(symbol_name)) continue;
      const Section& code = sections[shndx];
      // The code must be in the file, where a uprobe can be placed.
      if (Contents(file, code).size() != code.size || code.size == 0) continue;
      if (sym.address < code.addr || sym.address - code.addr >= code.size) continue;
      sym.file_offset = code.offset + (sym.address - code.addr);
      facts.symbols.emplace(std::string(symbol_name), sym);
    }
  }
  return facts;
}

}  // namespace hostlens::tls
