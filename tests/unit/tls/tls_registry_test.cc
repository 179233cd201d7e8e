// The registry against a /proc of the test's own making (maps and root/ per pid) and a fake
// attacher: a short-lived process that ends while its library is being attached leaves nothing
// cached, so the next process mapping the same file gets it attached.

#include "agent/tls/tls_registry.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

namespace hostlens::tls {
namespace {

namespace fs = std::filesystem;

constexpr char kLibssl[] = "/usr/lib/x86_64-linux-gnu/libssl.so.3";

struct FakeAttacher : TlsAttacher {
  std::variant<std::shared_ptr<void>, std::string> Attach(const std::string& path,
                                                          const TlsFile&) override {
    paths.push_back(path);
    if (before_attach) before_attach();
    if (fail || !fs::exists(path)) return std::string("No such file or directory");
    return std::make_shared<int>(1);
  }
  std::function<void()> before_attach;
  bool fail = false;
  std::vector<std::string> paths;
};

class TlsRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kLibssl)) GTEST_SKIP() << kLibssl << " missing (libssl3)";
    char dir[] = "/tmp/hostlens-tls-registry-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    root_ = dir;
  }
  void TearDown() override {
    if (!root_.empty()) fs::remove_all(root_);
  }
  // A process mapping libssl as code, with the file under its own root.
  void AddProcess(int pid) {
    const fs::path dir = root_ / std::to_string(pid);
    fs::create_directories(dir / "root" / fs::path(kLibssl).parent_path().relative_path());
    fs::copy_file(kLibssl, dir / "root" / fs::path(kLibssl).relative_path());
    std::ofstream(dir / "maps") << "7f0000000000-7f0000100000 r-xp 00000000 08:01 4242 " << kLibssl
                                << "\n";
  }

  fs::path root_;
  FakeAttacher attacher_;
};

TEST_F(TlsRegistryTest, AProcessEndingWhileItsLibraryIsAttachedLeavesNothingCached) {
  TlsRegistry registry(root_.string(), attacher_);
  AddProcess(100);
  attacher_.before_attach = [&] { fs::remove_all(root_ / "100" / "root"); };  // it exits
  EXPECT_EQ(registry.Scan(100), 0);
  EXPECT_EQ(registry.UncoveredReason(100), "not_scanned");
  ASSERT_EQ(attacher_.paths.size(), 1u);

  attacher_.before_attach = nullptr;
  AddProcess(101);  // the same file (device 08:01, inode 4242), a process that stays
  EXPECT_EQ(registry.Scan(101), 1);
  EXPECT_EQ(registry.UncoveredReason(101), "");
  EXPECT_EQ(attacher_.paths.size(), 2u);
  EXPECT_EQ(registry.attached_files(), 1u);
}

TEST_F(TlsRegistryTest, AnAttachFailureOfALiveProcessIsKept) {
  TlsRegistry registry(root_.string(), attacher_);
  AddProcess(100);
  attacher_.fail = true;  // the file is there: the failure is the attach's own
  registry.Scan(100);
  EXPECT_EQ(registry.UncoveredReason(100), "attach_failed");
  attacher_.fail = false;
  AddProcess(101);
  registry.Scan(101);
  EXPECT_EQ(attacher_.paths.size(), 1u);  // not tried again for every process
  EXPECT_EQ(registry.UncoveredReason(101), "attach_failed");
}

}  // namespace
}  // namespace hostlens::tls
