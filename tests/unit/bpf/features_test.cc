#include "agent/bpf/features.h"

#include <gtest/gtest.h>

namespace hostlens::bpf {
namespace {

KernelFeatures Everything() {
  KernelFeatures f;
  f.ring_buffer = true;
  f.task_storage = true;
  f.current_task_btf = true;
  f.uprobe_multi = true;
  f.task_pt_regs = true;
  return f;
}

TEST(Features, NoFallbackWhereTheKernelHasEverything) {
  const FeatureChoice choice = ChooseFeatures(Everything(), {});
  EXPECT_TRUE(choice.task_storage);
  EXPECT_TRUE(choice.uprobe_multi);
  EXPECT_TRUE(choice.task_pt_regs);
  EXPECT_TRUE(choice.fallbacks.empty());
  EXPECT_FALSE(MissingRequiredFeature(Everything()));
}

TEST(Features, Linux510HasNoTaskStorage) {
  // 5.10: ring buffer, but neither task storage for tracing programs nor
  // bpf_get_current_task_btf.
  KernelFeatures f;
  f.ring_buffer = true;
  const FeatureChoice choice = ChooseFeatures(f, {});
  EXPECT_FALSE(choice.task_storage);
  ASSERT_EQ(choice.fallbacks.count("task_storage"), 1u);
  EXPECT_NE(choice.fallbacks.at("task_storage").find("hash map"), std::string::npos);
  EXPECT_NE(choice.fallbacks.at("task_storage").find("no task storage"), std::string::npos);
}

TEST(Features, TaskStorageWithoutCurrentTaskBtfFallsBackToo) {
  KernelFeatures f = Everything();
  f.current_task_btf = false;
  const FeatureChoice choice = ChooseFeatures(f, {});
  EXPECT_FALSE(choice.task_storage);
  EXPECT_NE(choice.fallbacks.at("task_storage").find("bpf_get_current_task_btf"),
            std::string::npos);
}

TEST(Features, FallbackForcedFromTheCommandLine) {
  const FeatureChoice choice = ChooseFeatures(Everything(), {"task_storage"});
  EXPECT_FALSE(choice.task_storage);
  EXPECT_NE(choice.fallbacks.at("task_storage").find("--without-kernel-feature"),
            std::string::npos);
}

TEST(Features, Linux510HasNoTaskPtRegs) {
  // bpf_task_pt_regs is 5.15: 5.10 keeps its enter programs.
  KernelFeatures f;
  f.ring_buffer = true;
  const FeatureChoice choice = ChooseFeatures(f, {});
  EXPECT_FALSE(choice.task_pt_regs);
  EXPECT_NE(choice.fallbacks.at("task_pt_regs").find("no bpf_task_pt_regs on this kernel"),
            std::string::npos);
}

TEST(Features, TaskPtRegsFallbackForcedFromTheCommandLine) {
  const FeatureChoice choice = ChooseFeatures(Everything(), {"task_pt_regs"});
  EXPECT_FALSE(choice.task_pt_regs);
  EXPECT_TRUE(choice.task_storage);
  ASSERT_EQ(choice.fallbacks.size(), 1u);
  EXPECT_NE(choice.fallbacks.at("task_pt_regs").find("--without-kernel-feature"),
            std::string::npos);
}

TEST(Features, Linux61HasNoUprobeMultiLinks) {
  KernelFeatures f = Everything();
  f.uprobe_multi = false;
  const FeatureChoice choice = ChooseFeatures(f, {});
  EXPECT_TRUE(choice.task_storage);
  EXPECT_FALSE(choice.uprobe_multi);
  ASSERT_EQ(choice.fallbacks.size(), 1u);
  EXPECT_NE(choice.fallbacks.at("uprobe_multi").find("no uprobe_multi links on this kernel"),
            std::string::npos);
}

TEST(Features, UprobeMultiFallbackForcedFromTheCommandLine) {
  const FeatureChoice choice = ChooseFeatures(Everything(), {"uprobe_multi"});
  EXPECT_TRUE(choice.task_storage);
  EXPECT_FALSE(choice.uprobe_multi);
  EXPECT_NE(choice.fallbacks.at("uprobe_multi").find("--without-kernel-feature"),
            std::string::npos);
}

TEST(Features, RingBufferIsRequired) {
  KernelFeatures f = Everything();
  f.ring_buffer = false;
  auto error = MissingRequiredFeature(f);
  ASSERT_TRUE(error);
  EXPECT_NE(error->message.find("5.8"), std::string::npos);
}

}  // namespace
}  // namespace hostlens::bpf
