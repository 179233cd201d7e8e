#pragma once

// Reads the HTTP conformance cases in tests/fixtures/conformance/http (README.md there): one
// folder per server-side connection, `ingress_N.bin` / `egress_N.bin` per syscall in the order
// N gives, and `expected.txt` for what the stream must report.

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/unit/protocols/conformance.h"
#include "tests/unit/protocols/fixture.h"
#include "tests/unit/protocols/segments.h"

namespace hostlens::protocols::http1::test_util {

// The shared helpers (fixture.h, segments.h, conformance.h) stay reachable as test_util::X.
using namespace ::hostlens::protocols::test_util;

struct ExpectedExchange {
  std::string method;
  std::string target;
  int status = 0;  // 0: the case leaves the request unanswered
};

struct HttpConformanceCase {
  std::string name;
  // The syscalls in order; from_client: read by the server (the request direction).
  std::vector<CaptureRecord> records;
  std::vector<ExpectedExchange> expected;  // answered ones first, then the unanswered
  uint64_t resyncs = 0;
  uint64_t lost_responses = 0;
};

inline std::string HttpConformanceRoot() {
  return ::hostlens::protocols::test_util::CaptureDir("conformance/http");
}

inline std::vector<std::string> HttpConformanceNames() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(HttpConformanceRoot())) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// expected.txt: "#" comments, then lines "exchange METHOD TARGET STATUS", "request METHOD
// TARGET" (left unanswered), "resyncs N", "lost_responses N" (both 0 when absent).
inline void ReadExpected(const std::string& text, HttpConformanceCase* c) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string tag;
    fields >> tag;
    if (tag == "exchange" || tag == "request") {
      ExpectedExchange e;
      fields >> e.method >> e.target;
      if (tag == "exchange") fields >> e.status;
      c->expected.push_back(e);
    } else if (tag == "resyncs") {
      fields >> c->resyncs;
    } else if (tag == "lost_responses") {
      fields >> c->lost_responses;
    } else {
      throw std::runtime_error(c->name + ": bad expected line: " + line);
    }
    if (fields.fail()) throw std::runtime_error(c->name + ": bad expected line: " + line);
  }
}

inline HttpConformanceCase LoadHttpConformanceCase(const std::string& name) {
  HttpConformanceCase c;
  c.name = name;
  std::filesystem::path dir = std::filesystem::path(HttpConformanceRoot()) / name;
  std::vector<std::pair<int, CaptureRecord>> numbered;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string file = entry.path().filename().string();
    if (file == "expected.txt") {
      ReadExpected(ReadFile(entry.path()), &c);
      continue;
    }
    bool ingress = file.rfind("ingress_", 0) == 0;
    if ((!ingress && file.rfind("egress_", 0) != 0) || entry.path().extension() != ".bin") {
      throw std::runtime_error(name + ": unexpected file " + file);
    }
    std::string number = entry.path().stem().string().substr(ingress ? 8 : 7);
    numbered.push_back({std::stoi(number), CaptureRecord{ingress, ReadFile(entry.path())}});
  }
  std::sort(numbered.begin(), numbered.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 1; i < numbered.size(); ++i) {
    if (numbered[i].first == numbered[i - 1].first) {
      throw std::runtime_error(name + ": two files numbered " + std::to_string(numbered[i].first));
    }
  }
  for (auto& [n, record] : numbered) c.records.push_back(std::move(record));
  if (c.records.empty()) throw std::runtime_error(name + ": no syscalls");
  return c;
}

}  // namespace hostlens::protocols::http1::test_util
