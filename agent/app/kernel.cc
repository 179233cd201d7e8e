#include "agent/app/kernel.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "agent/bpf/preflight.h"
#include "agent/bpf/tracefs.h"

namespace hostlens::app {
namespace {

bpf::ProbeConfig ProbeConfigOf(const config::Options& options) {
  bpf::ProbeConfig probe_config;
  probe_config.self_tgid = static_cast<uint32_t>(getpid());
  probe_config.ring_buffer_bytes = options.ring_buffer_bytes;
  probe_config.max_tracked_processes = options.max_tracked_processes;
  probe_config.capture_bytes = options.capture_bytes;
  probe_config.http_fast_path = options.http_fast_path;
  probe_config.without_features = options.without_kernel_features;
  // With no selector every new process is a candidate; an exe selector needs exec events too.
  probe_config.exec_pending = options.selectors.empty();
  for (size_t i = 0; i < options.selectors.size(); ++i) {
    const auto& s = options.selectors[i];
    if (s.kind == config::Selector::Kind::kExe) probe_config.exec_pending = true;
    if (s.kind == config::Selector::Kind::kPort) {
      probe_config.listen_ports.emplace(s.port, static_cast<uint32_t>(i));
    }
  }
  return probe_config;
}

}  // namespace

std::variant<std::unique_ptr<bpf::Probes>, std::string> LoadKernel(const config::Options& options) {
  if (auto error = bpf::CheckPrivileges(bpf::ReadPrivileges())) return error->message;
  bool mounted = false;
  if (auto error = bpf::EnsureTracefs(&mounted)) return error->message;
  if (mounted) spdlog::info("mounted tracefs at {} (it was not mounted)", bpf::kTracefsPath);
  auto loaded = bpf::Probes::Load(ProbeConfigOf(options));
  if (auto* error = std::get_if<bpf::LoadError>(&loaded)) return error->message;
  auto probes = std::move(std::get<std::unique_ptr<bpf::Probes>>(loaded));
  spdlog::info("attached {} BPF programs", probes->programs().size());
  for (const auto& [feature, instead] : probes->fallbacks()) {
    spdlog::info("kernel feature {} not used: {}", feature, instead);
  }
  return probes;
}

}  // namespace hostlens::app
