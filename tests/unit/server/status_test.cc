#include "agent/server/status.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace hostlens::server {
namespace {

StatusInput Sample() {
  StatusInput in;
  in.version = "0.1.0";
  in.kernel_release = "6.18.44";
  in.programs = {{"handle_fork", "raw_tp/sched_process_fork", "process"}};
  in.kernel_features = {{"task_storage", false}, {"ring_buffer", true}};
  in.fallbacks = {{"task_storage", "per-thread syscall state in a hash map"}};
  in.processes = {{30, "api", "/usr/bin/gunicorn"}, {10, "api", "/usr/bin/gunicorn"},
                  {20, "web", "/usr/sbin/nginx"}};
  in.events = {{"process_fork", 3}};
  in.lost = {{"ringbuf_full", 0}, {"map_full", 1}, {"parse", 0}};
  return in;
}

TEST(Status, ListsEverythingTheIssueNames) {
  auto json = nlohmann::json::parse(RenderStatus(Sample()));
  EXPECT_EQ(json["version"], "0.1.0");
  EXPECT_EQ(json["kernel"], "6.18.44");
  EXPECT_EQ(json["attached_programs"][0]["section"], "raw_tp/sched_process_fork");
  EXPECT_EQ(json["selectors"], nlohmann::json::array({"all processes"}));
  EXPECT_EQ(json["tracked_processes"]["count"], 3);
  EXPECT_EQ(json["tracked_processes"]["by_service"]["api"], 2);
  EXPECT_EQ(json["tracked_processes"]["processes"][0]["pid"], 10);  // sorted
  EXPECT_EQ(json["tracked_processes"]["truncated"], false);
  EXPECT_EQ(json["events_total"]["process_fork"], 3);
  EXPECT_EQ(json["events_lost_total"]["map_full"], 1);
  EXPECT_EQ(json["kernel_features"]["task_storage"], false);
  EXPECT_EQ(json["fallbacks"]["task_storage"], "per-thread syscall state in a hash map");
}

TEST(Status, NoFallbacksIsAnEmptyObject) {
  StatusInput in = Sample();
  in.fallbacks.clear();
  EXPECT_EQ(nlohmann::json::parse(RenderStatus(in))["fallbacks"], nlohmann::json::object());
}

TEST(Status, CapsTheProcessListButNotTheCount) {
  StatusInput in = Sample();
  in.processes.clear();
  for (int pid = 1; pid <= static_cast<int>(kStatusMaxProcesses) + 5; ++pid) {
    in.processes.push_back({pid, "svc", "/bin/x"});
  }
  auto json = nlohmann::json::parse(RenderStatus(in));
  EXPECT_EQ(json["tracked_processes"]["count"], kStatusMaxProcesses + 5);
  EXPECT_EQ(json["tracked_processes"]["processes"].size(), kStatusMaxProcesses);
  EXPECT_EQ(json["tracked_processes"]["truncated"], true);
}

TEST(Status, ListsEachProcesssTlsLibrariesWithTheirState) {
  StatusInput in = Sample();
  in.processes[2].tls = {
      {"/usr/lib/x86_64-linux-gnu/libssl.so.3", "openssl", "attached", "",
       {"ssl_read_internal", "ssl_write_internal"}},
      {"/usr/local/bin/app", "go", "unsupported", "Go crypto/tls is not probed yet", {}}};
  auto json = nlohmann::json::parse(RenderStatus(in));
  const auto& nginx = json["tracked_processes"]["processes"][1];
  ASSERT_EQ(nginx["pid"], 20);
  ASSERT_EQ(nginx["tls_libraries"].size(), 2u);
  EXPECT_EQ(nginx["tls_libraries"][0]["path"], "/usr/lib/x86_64-linux-gnu/libssl.so.3");
  EXPECT_EQ(nginx["tls_libraries"][0]["library"], "openssl");
  EXPECT_EQ(nginx["tls_libraries"][0]["state"], "attached");
  EXPECT_FALSE(nginx["tls_libraries"][0].contains("reason"));
  EXPECT_EQ(nginx["tls_libraries"][0]["functions"],
            nlohmann::json({"ssl_read_internal", "ssl_write_internal"}));
  EXPECT_EQ(nginx["tls_libraries"][1]["state"], "unsupported");
  EXPECT_EQ(nginx["tls_libraries"][1]["reason"], "Go crypto/tls is not probed yet");
  EXPECT_FALSE(nginx["tls_libraries"][1].contains("functions"));
  EXPECT_EQ(json["tracked_processes"]["processes"][0]["tls_libraries"],
            nlohmann::json::array());
}

TEST(Status, InvalidUtf8InExePathDoesNotThrow) {
  StatusInput in = Sample();
  in.processes = {{1, "svc", std::string("/tmp/\xff\xfe")}};
  EXPECT_NO_THROW(nlohmann::json::parse(RenderStatus(in)));
}

}  // namespace
}  // namespace hostlens::server
