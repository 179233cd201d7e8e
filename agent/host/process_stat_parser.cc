#include "agent/host/process_stat_parser.h"

#include <vector>

#include "agent/host/proc_text.h"

namespace hostlens::host {
namespace {

// Indexes into the fields after comm, i.e. proc_pid_stat(5) field number minus 3.
constexpr size_t kStateIndex = 0;
constexpr size_t kPpidIndex = 1;
constexpr size_t kUtimeIndex = 11;
constexpr size_t kStimeIndex = 12;
constexpr size_t kNumThreadsIndex = 17;
constexpr size_t kStartTimeIndex = 19;
constexpr size_t kRssIndex = 21;

}  // namespace

std::optional<ProcessStat> ParseProcessStat(std::string_view text) {
  size_t comm_open = text.find(" (");
  size_t comm_close = text.rfind(')');
  if (comm_open == std::string_view::npos || comm_close == std::string_view::npos ||
      comm_close < comm_open + 2) {
    return std::nullopt;
  }
  std::optional<int> pid = ParseInteger<int>(text.substr(0, comm_open));
  std::vector<std::string_view> fields = SplitFields(text.substr(comm_close + 1));
  if (!pid || *pid <= 0 || fields.size() <= kRssIndex || fields[kStateIndex].size() != 1) {
    return std::nullopt;
  }

  std::optional<int> ppid = ParseInteger<int>(fields[kPpidIndex]);
  std::optional<uint64_t> utime = ParseInteger<uint64_t>(fields[kUtimeIndex]);
  std::optional<uint64_t> stime = ParseInteger<uint64_t>(fields[kStimeIndex]);
  std::optional<uint64_t> num_threads = ParseInteger<uint64_t>(fields[kNumThreadsIndex]);
  std::optional<uint64_t> start = ParseInteger<uint64_t>(fields[kStartTimeIndex]);
  std::optional<uint64_t> rss = ParseInteger<uint64_t>(fields[kRssIndex]);
  if (!ppid || *ppid < 0 || !utime || !stime || !num_threads || !start || !rss) {
    return std::nullopt;
  }

  ProcessStat stat;
  stat.pid = *pid;
  stat.comm = std::string(text.substr(comm_open + 2, comm_close - comm_open - 2));
  stat.state = fields[kStateIndex][0];
  stat.ppid = *ppid;
  stat.utime_ticks = *utime;
  stat.stime_ticks = *stime;
  stat.num_threads = *num_threads;
  stat.start_ticks = *start;
  stat.rss_pages = *rss;
  return stat;
}

}  // namespace hostlens::host
