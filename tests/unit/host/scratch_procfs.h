#pragma once

// A throwaway procfs tree in a temporary directory, for the cases the real fixture does not
// cover: missing files, malformed text, zombies, shared sockets.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace hostlens::host::test_util {

class ScratchProcfs {
 public:
  ScratchProcfs() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hostlens-procfs-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    root_ = pattern;
  }
  ScratchProcfs(const ScratchProcfs&) = delete;
  ScratchProcfs& operator=(const ScratchProcfs&) = delete;
  ~ScratchProcfs() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }

  const std::string& root() const { return root_; }

  void Write(std::string_view relative, std::string_view contents) const {
    std::filesystem::path path = Path(relative);
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << contents;
  }

  void Symlink(std::string_view relative, std::string_view target) const {
    std::filesystem::path path = Path(relative);
    std::filesystem::create_directories(path.parent_path());
    std::filesystem::create_symlink(target, path);
  }

 private:
  std::filesystem::path Path(std::string_view relative) const {
    return std::filesystem::path(root_) / relative;
  }

  std::string root_;
};

}  // namespace hostlens::host::test_util
