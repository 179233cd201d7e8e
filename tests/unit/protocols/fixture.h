#pragma once

// Reads the real captures in tests/fixtures/<protocol> (recorded by
// tests/capture/record_<protocol>.py; the format is described in tests/capture/capture_proxy.py).
// Every protocol shares the record lines; each has its own "# <tag>: " line for what a parser
// should report. Shared by every protocol parser's tests.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hostlens::protocols::test_util {

struct CaptureRecord {
  bool from_client = false;
  std::string bytes;
};

// One recording and what a parser should report from it (`Expected`, one per "# <tag>:" line).
template <typename Expected>
struct RecordedCapture {
  std::string name;
  std::string source;
  std::vector<CaptureRecord> records;
  std::vector<Expected> expected;
  size_t size() const {
    size_t n = 0;
    for (const auto& r : records) n += r.bytes.size();
    return n;
  }
};

inline std::string CaptureDir(std::string_view protocol) {
  return std::string(HOSTLENS_SOURCE_DIR "/tests/fixtures/") + std::string(protocol);
}

inline std::vector<std::string> CaptureNames(std::string_view protocol) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(CaptureDir(protocol))) {
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

// Reads tests/fixtures/<protocol>/<name>.txt; `parse(fields)` turns the rest of each
// "# <tag>: " line into an Expected.
template <typename Expected, typename Parse>
RecordedCapture<Expected> LoadRecordedCapture(std::string_view protocol, const std::string& name,
                                              std::string_view tag, Parse parse) {
  std::ifstream in(CaptureDir(protocol) + "/" + name + ".txt", std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  std::string text = contents.str();
  if (text.empty()) throw std::runtime_error("missing capture " + name);
  std::string expected_prefix = "# " + std::string(tag) + ": ";
  RecordedCapture<Expected> capture;
  capture.name = name;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t newline = text.find('\n', pos);
    if (newline == std::string::npos) throw std::runtime_error(name + ": cut line");
    std::string line = text.substr(pos, newline - pos);
    pos = newline + 1;
    if (line.rfind("# source: ", 0) == 0) {
      capture.source = line.substr(10);
    } else if (line.rfind(expected_prefix, 0) == 0) {
      capture.expected.push_back(parse(line.substr(expected_prefix.size())));
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

// SQL protocols (postgres, mysql): "# query: <end> <error code or -> <prepared 0/1> <sql>".
struct CaptureQuery {
  size_t end = 0;  // offset in the whole recording just past the query's last response byte
  std::string error_code;
  bool prepared = false;
  std::string sql;
};

using SqlCapture = RecordedCapture<CaptureQuery>;

inline SqlCapture LoadSqlCapture(std::string_view protocol, const std::string& name) {
  return LoadRecordedCapture<CaptureQuery>(protocol, name, "query", [](const std::string& rest) {
    std::istringstream fields(rest);
    CaptureQuery q;
    std::string error;
    int prepared = 0;
    fields >> q.end >> error >> prepared;
    q.error_code = error == "-" ? "" : error;
    q.prepared = prepared != 0;
    size_t sql_at = static_cast<size_t>(fields.tellg());
    q.sql = Unescape(std::string_view(rest).substr(sql_at + 1));
    return q;
  });
}

// Key-value protocols (redis, memcached):
// "# command: <end> <error type or -> <keys> <hits> <flag 0/1> <name>"; the flag is the
// protocol's own (redis: in a transaction; memcached: noreply).
struct CaptureCommand {
  size_t end = 0;  // offset in the whole recording just past the reply's last byte
  std::string error_type;
  uint32_t keys = 0;
  uint32_t hits = 0;
  bool flag = false;
  std::string name;
};

using CommandCapture = RecordedCapture<CaptureCommand>;

inline CommandCapture LoadCommandCapture(std::string_view protocol, const std::string& name) {
  return LoadRecordedCapture<CaptureCommand>(
      protocol, name, "command", [](const std::string& rest) {
        std::istringstream fields(rest);
        CaptureCommand c;
        std::string error;
        int flag = 0;
        fields >> c.end >> error >> c.keys >> c.hits >> flag >> c.name;
        c.error_type = error == "-" ? "" : error;
        c.flag = flag != 0;
        return c;
      });
}

}  // namespace hostlens::protocols::test_util
