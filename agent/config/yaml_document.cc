#include "agent/config/yaml_document.h"

#include <fcntl.h>
#include <unistd.h>
#include <yaml-cpp/eventhandler.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "agent/config/value_parsers.h"

namespace hostlens::config {
namespace {

// Counts the documents the parser reports (and where the second begins); ignores the rest.
class DocumentCounter : public YAML::EventHandler {
 public:
  int documents = 0;
  int second_line = 0;
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents == 2) second_line = mark.line;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

std::string DescribeNode(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Scalar:
      return "a single value";
    default:
      return "nothing";
  }
}

std::optional<YAML::Node> LoadSingleDocument(std::string_view yaml, std::string* problem) {
  // Documents are counted first, at most two, with yaml-cpp's event parser: its LoadAll never
  // returns on some malformed files (",ttp:\n \n    - x" yields empty documents without end;
  // found by fuzz/config_fuzzer.cc). Then the first one is loaded.
  try {
    std::istringstream in{std::string(yaml)};
    YAML::Parser parser(in);
    DocumentCounter counter;
    for (int i = 0; i < 2 && parser.HandleNextDocument(counter); ++i) {
    }
    if (counter.documents > 1) {
      *problem = "line " + std::to_string(counter.second_line + 1) +
                 ": only one YAML document is allowed";
      return std::nullopt;
    }
    return YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    *problem = "line " + std::to_string(e.mark.line + 1) + ": " + e.msg;
  } catch (const YAML::Exception& e) {
    *problem = e.what();
  }
  return std::nullopt;
}

// The message on one line whatever yaml-cpp put in it (its "unknown escape character" names the
// character as is, a newline included).
std::string SourceError(std::string_view source_name, std::string_view problem) {
  std::string error = std::string(source_name) + ": ";
  for (char c : problem) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      error += c;
    } else {
      const std::string quoted = Quote(std::string_view(&c, 1));  // "\n", "\x01", ...
      error += quoted.substr(1, quoted.size() - 2);
    }
  }
  return error;
}

bool ReadSmallFile(const std::string& path, std::string_view what, std::string* text,
                   std::string* problem) {
  constexpr size_t kMaxBytes = 1 << 20;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *problem = std::string("cannot open: ") + std::strerror(errno);
    return false;
  }
  char buffer[8192];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *problem = std::string("cannot read: ") + std::strerror(errno);
      close(fd);
      return false;
    }
    if (n == 0) break;
    text->append(buffer, static_cast<size_t>(n));
    if (text->size() > kMaxBytes) {
      close(fd);
      *problem = "larger than 1 MiB; is this " + std::string(what) + "?";
      return false;
    }
  }
  close(fd);
  return true;
}

bool YamlReader::Fail(const YAML::Mark& mark, std::string message) {
  problem_ = mark.is_null() ? std::move(message)
                            : "line " + std::to_string(mark.line + 1) + ": " + std::move(message);
  return false;
}

bool YamlReader::ReadKey(const YAML::Node& key_node, std::set<std::string>* seen,
                         std::string* key) {
  if (!key_node.IsScalar()) {
    return Fail(key_node.Mark(), "expected a key name, got " + DescribeNode(key_node));
  }
  *key = key_node.Scalar();
  if (!seen->insert(*key).second) return Fail(key_node.Mark(), "duplicate key " + Quote(*key));
  return true;
}

}  // namespace hostlens::config
