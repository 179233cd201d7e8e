#pragma once

// Conformance cases (tests/fixtures/conformance/<protocol>, README.md there): conversations
// written from the protocol documents, in the capture format of fixture.h, with one
// "# expected: " line per operation the client-side stream must report. Shared by the
// protocol parsers' conformance tests.

#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tests/unit/protocols/fixture.h"

namespace hostlens::protocols::test_util {

// "statement-or-command|result[|status][|k=KEYS,h=HITS][|noreply]".
struct ConformanceOp {
  std::string what;    // SQL statement or command name
  std::string result;  // "ok" or the error code / error word
  std::string status;  // memcached's status word ("" when "-" or absent)
  bool has_keys = false;
  uint32_t keys = 0;
  uint32_t hits = 0;
  bool noreply = false;

  bool ok() const { return result == "ok"; }
};

inline ConformanceOp ParseConformanceOp(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    size_t bar = line.find('|', start);
    fields.push_back(line.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  if (fields.size() < 2) throw std::runtime_error("bad expected line: " + line);
  ConformanceOp op;
  op.what = fields[0];
  op.result = fields[1];
  for (size_t i = 2; i < fields.size(); ++i) {
    const std::string& f = fields[i];
    if (f == "noreply") {
      op.noreply = true;
    } else if (f.rfind("k=", 0) == 0) {
      op.has_keys = true;
      size_t comma = f.find(",h=");
      if (comma == std::string::npos) throw std::runtime_error("bad keys field: " + line);
      op.keys = static_cast<uint32_t>(std::stoul(f.substr(2, comma - 2)));
      op.hits = static_cast<uint32_t>(std::stoul(f.substr(comma + 3)));
    } else if (f != "-") {
      op.status = f;
    }
  }
  return op;
}

using ConformanceCase = RecordedCapture<ConformanceOp>;

inline std::string ConformanceDir(std::string_view protocol) {
  return "conformance/" + std::string(protocol);
}

inline std::vector<std::string> ConformanceNames(std::string_view protocol) {
  return CaptureNames(ConformanceDir(protocol));
}

// A case's name as a gtest parameter name (letters, digits and '_' only).
inline std::string ConformanceTestName(std::string name) {
  for (char& c : name) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) c = '_';
  }
  return name;
}

inline ConformanceCase LoadConformanceCase(std::string_view protocol, const std::string& name) {
  return LoadRecordedCapture<ConformanceOp>(ConformanceDir(protocol), name, "expected",
                                            &ParseConformanceOp);
}

// The same conversation with each run of same-direction records written as one syscall
// (a client that buffers its writes, a server that answers a pipeline at once).
template <typename CaptureT>
CaptureT MergeNeighbours(const CaptureT& capture) {
  CaptureT merged = capture;
  merged.records.clear();
  for (const auto& r : capture.records) {
    if (!merged.records.empty() && merged.records.back().from_client == r.from_client) {
      merged.records.back().bytes += r.bytes;
    } else {
      merged.records.push_back(r);
    }
  }
  return merged;
}

}  // namespace hostlens::protocols::test_util
