#pragma once

// Reads the real captures in tests/fixtures/redis (recorded by
// tests/capture/record_redis.py; the format is described there).

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace hostlens::protocols::redis::test_util {

struct CaptureRecord {
  bool from_client = false;
  std::string bytes;
};

struct CaptureCommand {
  size_t end = 0;  // offset in the whole recording just past the reply's last byte
  std::string error_type;
  uint32_t keys = 0;
  uint32_t hits = 0;
  bool in_transaction = false;
  std::string name;
};

struct RedisCapture {
  std::string name;
  std::string source;
  std::vector<CaptureRecord> records;
  std::vector<CaptureCommand> commands;
  size_t size() const {
    size_t n = 0;
    for (const auto& r : records) n += r.bytes.size();
    return n;
  }
};

inline std::string CaptureDir() { return HOSTLENS_SOURCE_DIR "/tests/fixtures/redis"; }

inline std::vector<std::string> CaptureNames() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(CaptureDir())) {
    if (entry.path().extension() == ".txt") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

inline RedisCapture LoadCapture(const std::string& name) {
  std::ifstream in(CaptureDir() + "/" + name + ".txt", std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  std::string text = contents.str();
  if (text.empty()) throw std::runtime_error("missing capture " + name);
  RedisCapture capture;
  capture.name = name;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t newline = text.find('\n', pos);
    if (newline == std::string::npos) throw std::runtime_error(name + ": cut line");
    std::string line = text.substr(pos, newline - pos);
    pos = newline + 1;
    if (line.rfind("# source: ", 0) == 0) {
      capture.source = line.substr(10);
    } else if (line.rfind("# command: ", 0) == 0) {
      std::istringstream fields(line.substr(11));
      CaptureCommand c;
      std::string error;
      int tx = 0;
      fields >> c.end >> error >> c.keys >> c.hits >> tx >> c.name;
      c.error_type = error == "-" ? "" : error;
      c.in_transaction = tx != 0;
      capture.commands.push_back(c);
    } else if (line.rfind("#", 0) == 0) {
      continue;
    } else if (line.size() > 2 && (line[0] == '>' || line[0] == '<')) {
      size_t size = std::stoul(line.substr(2));
      capture.records.push_back({line[0] == '>', text.substr(pos, size)});
      pos += size + 1;
    } else {
      throw std::runtime_error(name + ": bad line: " + line);
    }
  }
  return capture;
}

}  // namespace hostlens::protocols::redis::test_util
