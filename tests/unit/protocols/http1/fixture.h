#pragma once

// Reads the real captures in tests/fixtures/http1 (recorded by tests/capture/record_http.py; the
// format is described there).

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tests/unit/protocols/fixture.h"
#include "tests/unit/protocols/segments.h"

namespace hostlens::protocols::http1::test_util {

// The shared helpers (fixture.h: CaptureRecord, ...; segments.h) stay reachable as test_util::X
// next to these.
using namespace ::hostlens::protocols::test_util;

// One HTTP message, as byte offsets into the stream of its direction (the concatenated records
// of that direction).
struct CaptureMessage {
  bool from_client = false;
  size_t start = 0;
  size_t head_end = 0;
  size_t end = 0;  // meaningless when until_close
  bool until_close = false;
  size_t start_line = 0;  // bytes, including the line end
};

struct CaptureExchange {
  std::string method;
  std::string target;
  int status = 0;
};

struct HttpCapture {
  std::string name;
  std::string source;
  std::vector<CaptureRecord> records;
  std::vector<CaptureMessage> messages;
  std::vector<CaptureExchange> exchanges;
  std::string upgraded;  // "websocket" when the connection was upgraded to it
};

inline std::string CaptureDir() { return ::hostlens::protocols::test_util::CaptureDir("http1"); }

inline std::vector<std::string> CaptureNames() {
  return ::hostlens::protocols::test_util::CaptureNames("http1");
}

inline HttpCapture LoadCapture(const std::string& name) {
  std::ifstream in(CaptureDir() + "/" + name + ".txt", std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  std::string text = contents.str();
  if (text.empty()) throw std::runtime_error("missing capture " + name);

  HttpCapture capture;
  capture.name = name;
  size_t pos = 0;
  auto next_line = [&]() {
    size_t newline = text.find('\n', pos);
    if (newline == std::string::npos) throw std::runtime_error(name + ": cut line");
    std::string line = text.substr(pos, newline - pos);
    pos = newline + 1;
    return line;
  };
  while (pos < text.size()) {
    std::string line = next_line();
    std::istringstream fields(line);
    std::string tag;
    fields >> tag;
    if (tag == "#") {
      std::string key;
      fields >> key;
      if (key == "source:") {
        capture.source = line.substr(10);
      } else if (key == "exchange:") {
        CaptureExchange exchange;
        fields >> exchange.method >> exchange.target >> exchange.status;
        capture.exchanges.push_back(exchange);
      } else if (key == "upgraded:") {
        fields >> capture.upgraded;
      } else if (key == "message:") {
        CaptureMessage message;
        std::string direction, end;
        fields >> direction >> message.start >> message.head_end >> end >> message.start_line;
        message.from_client = direction == ">";
        message.until_close = end == "close";
        if (!message.until_close) message.end = std::stoul(end);
        capture.messages.push_back(message);
      }
    } else if (tag == ">" || tag == "<") {
      size_t size = 0;
      fields >> size;
      capture.records.push_back({tag == ">", text.substr(pos, size)});
      pos += size + 1;  // the bytes and the newline after them
    } else {
      throw std::runtime_error(name + ": bad line: " + line);
    }
  }
  return capture;
}

}  // namespace hostlens::protocols::http1::test_util
