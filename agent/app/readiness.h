#pragma once

#include <mutex>
#include <optional>
#include <string>

namespace hostlens::app {

// Why /readyz says 503, until the agent says it is ready. Any thread.
class Readiness {
 public:
  std::optional<std::string> NotReadyReason() const {
    std::lock_guard lock(mu_);
    return not_ready_;
  }
  void SetReady() {
    std::lock_guard lock(mu_);
    not_ready_.reset();
  }

 private:
  mutable std::mutex mu_;
  std::optional<std::string> not_ready_ = "first collection not done";
};

}  // namespace hostlens::app
