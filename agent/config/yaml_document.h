#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace hostlens::config {

// What the YAML files the agent reads (--config, --web-config-file) have in common: one
// document, errors on one line with where they are.

// "a list", "a mapping", "a single value" or "nothing", for "expected X, got Y" errors.
std::string DescribeNode(const YAML::Node& node);

// The one document in `yaml` (a null node if empty). Nullopt with `problem` set ("line N: ...")
// if it does not parse or holds more than one document. Never uses yaml-cpp's LoadAll, which
// never returns on some malformed input.
std::optional<YAML::Node> LoadSingleDocument(std::string_view yaml, std::string* problem);

// "<source_name>: <problem>" on one line: control bytes shown as \n, \t or \xNN.
std::string SourceError(std::string_view source_name, std::string_view problem);

// What the readers of both files share: they walk the document and keep its first problem, with
// where it is ("line N: ..."), so that the user fixes the file from top to bottom.
class YamlReader {
 public:
  const std::string& problem() const { return problem_; }

 protected:
  // Keeps `message` (with the mark's line, if it has one) and returns false.
  bool Fail(const YAML::Mark& mark, std::string message);
  // A mapping's key: a scalar, not seen before in `seen`.
  bool ReadKey(const YAML::Node& key_node, std::set<std::string>* seen, std::string* key);

 private:
  std::string problem_;
};

// Reads all of `path` into `text`, failing past 1 MiB: such a file is a few hundred bytes, and
// the cap keeps `--config /dev/zero` from hanging startup. On failure `problem` is "cannot open:
// reason", "cannot read: reason" or "larger than 1 MiB; is this <what>?".
bool ReadSmallFile(const std::string& path, std::string_view what, std::string* text,
                   std::string* problem);

}  // namespace hostlens::config
