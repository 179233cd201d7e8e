#pragma once

// Reads the real captures in tests/fixtures/mysql (recorded by
// tests/capture/record_mysql.py; the format is described there).

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace hostlens::protocols::mysql::test_util {

struct CaptureRecord {
  bool from_client = false;
  std::string bytes;
};

struct CaptureQuery {
  size_t end = 0;  // offset in the whole recording just past the query's last response byte
  std::string error_code;
  bool prepared = false;
  std::string sql;
};

struct MyCapture {
  std::string name;
  std::string source;
  std::vector<CaptureRecord> records;
  std::vector<CaptureQuery> queries;
  size_t size() const {
    size_t n = 0;
    for (const auto& r : records) n += r.bytes.size();
    return n;
  }
};

inline std::string CaptureDir() { return HOSTLENS_SOURCE_DIR "/tests/fixtures/mysql"; }

inline std::vector<std::string> CaptureNames() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(CaptureDir())) {
    if (entry.path().extension() == ".txt") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

inline std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    out += c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c;
  }
  return out;
}

inline MyCapture LoadCapture(const std::string& name) {
  std::ifstream in(CaptureDir() + "/" + name + ".txt", std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  std::string text = contents.str();
  if (text.empty()) throw std::runtime_error("missing capture " + name);
  MyCapture capture;
  capture.name = name;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t newline = text.find('\n', pos);
    if (newline == std::string::npos) throw std::runtime_error(name + ": cut line");
    std::string line = text.substr(pos, newline - pos);
    pos = newline + 1;
    if (line.rfind("# source: ", 0) == 0) {
      capture.source = line.substr(10);
    } else if (line.rfind("# query: ", 0) == 0) {
      std::istringstream fields(line.substr(9));
      CaptureQuery q;
      std::string error;
      int prepared = 0;
      fields >> q.end >> error >> prepared;
      q.error_code = error == "-" ? "" : error;
      q.prepared = prepared != 0;
      size_t sql_at = static_cast<size_t>(fields.tellg());
      q.sql = Unescape(line.substr(9 + sql_at + 1));
      capture.queries.push_back(q);
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

}  // namespace hostlens::protocols::mysql::test_util
