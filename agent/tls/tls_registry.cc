#include "agent/tls/tls_registry.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "agent/tls/go_tls.h"
#include "agent/tls/openssl_tls.h"

namespace hostlens::tls {
namespace {

constexpr std::string_view kDeleted = " (deleted)";

// Whether `mapping` is the process's own executable, by inode (the device numbers of maps and
// of stat differ on overlay filesystems).
bool IsExecutableOf(const std::string& pid_dir, const FileMapping& mapping) {
  struct stat st {};
  if (stat((pid_dir + "/exe").c_str(), &st) != 0) return true;  // cannot tell: look everywhere
  return st.st_ino == mapping.inode;
}

// The file mapped at `mapping`, mmapped read-only; unmapped when destroyed.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st {};
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
      void* data = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (data != MAP_FAILED) {
        data_ = data;
        size_ = static_cast<size_t>(st.st_size);
      }
    }
    close(fd);
  }
  ~MappedFile() {
    if (data_) munmap(data_, size_);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  bool ok() const { return data_ != nullptr; }
  std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TlsRegistry::TlsRegistry(std::string proc_root, TlsAttacher& attacher)
    : proc_root_(std::move(proc_root)), attacher_(attacher) {}

TlsRegistry::File TlsRegistry::Examine(int pid, const FileMapping& mapping) {
  File file;
  file.path = mapping.path;
  // Through the process's own root, so that a container's libssl is its own; a file deleted
  // since it was mapped only through map_files.
  const std::string pid_dir = proc_root_ + "/" + std::to_string(pid);
  std::string open_path = pid_dir + "/root" + mapping.path;
  if (mapping.path.ends_with(kDeleted)) {
    char range[64];
    std::snprintf(range, sizeof(range), "%lx-%lx", static_cast<unsigned long>(mapping.start),
                  static_cast<unsigned long>(mapping.end));
    open_path = pid_dir + "/map_files/" + range;
  }
  MappedFile bytes(open_path);
  if (!bytes.ok()) {  // gone, or not readable: nothing to probe
    file.vanished = access(open_path.c_str(), F_OK) != 0;
    return file;
  }
  auto facts = ReadElfSymbols(bytes.bytes(), TlsSymbolNames(), IsExecutableOf(pid_dir, mapping));
  if (!facts) return file;
  std::string why_not;
  TlsLibrary which = TlsLibrary::kOpenssl;
  auto tls = ClassifyTlsFile(*facts, &why_not, &which);
  if (!tls) {
    if (!why_not.empty()) {
      file.state = State::kNoSymbols;
      file.library = std::string(TlsLibraryName(which));
      file.reason = why_not;
    }
    return file;
  }
  file.library = std::string(TlsLibraryName(tls->library));
  if (tls->library == TlsLibrary::kGo) {
    if (auto why = PrepareGoTls(bytes.bytes(), *facts, &*tls)) {
      file.state = why->failed ? State::kFailed : State::kUnsupported;
      file.reason = why->reason;
      file.uncovered = why->uncovered;
      return file;
    }
  }
  ProbeOpensslInternals(bytes.bytes(), *facts, &*tls);
  auto attached = attacher_.Attach(open_path, *tls);
  if (auto* error = std::get_if<std::string>(&attached)) {
    file.state = State::kFailed;
    file.reason = *error;
    file.vanished = access(open_path.c_str(), F_OK) != 0;
    return file;
  }
  file.state = State::kAttached;
  for (const TlsFunction& f : tls->functions) file.functions.push_back(f.symbol);
  file.probes = std::move(std::get<std::shared_ptr<void>>(attached));
  return file;
}

int TlsRegistry::Scan(int pid) {
  auto mappings =
      ParseExecutableMappings(ReadText(proc_root_ + "/" + std::to_string(pid) + "/maps"));
  if (!mappings) return 0;
  // A client that connects as soon as it starts (pgbench, a command-line tool) makes its first
  // TLS calls a few milliseconds after the dynamic loader maps its libraries: the files named
  // like TLS libraries are read and attached before the rest (a process maps thirty or so).
  // The name only orders the work; the symbols still decide what a file is.
  std::stable_partition(mappings->begin(), mappings->end(),
                        [](const FileMapping& m) { return NamedLikeTlsLibrary(m.path); });
  {
    std::lock_guard lock(mu_);
    scanning_.insert(pid);
  }
  int attached = 0;
  for (const FileMapping& m : *mappings) {
    Key key{m.dev_major, m.dev_minor, m.inode};
    {
      std::lock_guard lock(mu_);
      auto it = files_.find(key);
      if (it != files_.end()) {
        it->second.pids.insert(pid);
        processes_[pid].insert(key);
        continue;
      }
    }
    // Read and attach without the lock: a large library takes milliseconds.
    File file = Examine(pid, m);
    if (file.vanished) continue;
    std::lock_guard lock(mu_);
    auto [it, inserted] = files_.emplace(key, std::move(file));
    if (inserted && it->second.state == State::kAttached) ++attached;
    it->second.pids.insert(pid);
    processes_[pid].insert(key);
  }
  {
    std::lock_guard lock(mu_);
    scanning_.erase(pid);
  }
  scanned_.notify_all();
  return attached;
}

void TlsRegistry::EnsureScanned(int pid, std::chrono::milliseconds wait) {
  {
    std::unique_lock lock(mu_);
    if (scanned_.wait_for(lock, wait, [&] { return !scanning_.count(pid); }) &&
        processes_.count(pid)) {
      return;
    }
  }
  Scan(pid);
}

void TlsRegistry::Forget(int pid) {
  std::lock_guard lock(mu_);
  auto process = processes_.find(pid);
  if (process == processes_.end()) return;
  for (const Key& key : process->second) {
    auto it = files_.find(key);
    if (it == files_.end()) continue;
    it->second.pids.erase(pid);
    if (it->second.pids.empty()) it->second.unused_since = std::chrono::steady_clock::now();
  }
  processes_.erase(process);
}

int TlsRegistry::Sweep(std::chrono::steady_clock::duration linger) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  int detached = 0;
  for (auto it = files_.begin(); it != files_.end();) {
    if (it->second.pids.empty() && now - it->second.unused_since >= linger) {
      detached += it->second.state == State::kAttached;
      it = files_.erase(it);  // detaches its probes
    } else {
      ++it;
    }
  }
  return detached;
}

bool TlsRegistry::Scanned(int pid) const {
  std::lock_guard lock(mu_);
  return processes_.count(pid) > 0;
}

std::vector<int> TlsRegistry::Pids() const {
  std::lock_guard lock(mu_);
  std::vector<int> pids;
  for (const auto& [pid, keys] : processes_) pids.push_back(pid);
  return pids;
}

std::vector<TlsFileStatus> TlsRegistry::StatusOf(int pid) const {
  static constexpr const char* kStateNames[] = {"", "attached", "no_symbols", "unsupported",
                                                "failed"};
  std::lock_guard lock(mu_);
  std::vector<TlsFileStatus> out;
  auto process = processes_.find(pid);
  if (process == processes_.end()) return out;
  for (const Key& key : process->second) {
    auto it = files_.find(key);
    if (it == files_.end() || it->second.state == State::kNotTls) continue;
    const File& f = it->second;
    out.push_back({f.path, f.library, kStateNames[static_cast<int>(f.state)], f.reason,
                   f.functions});
  }
  return out;
}

std::string TlsRegistry::UncoveredReason(int pid) const {
  std::lock_guard lock(mu_);
  auto process = processes_.find(pid);
  if (process == processes_.end()) return "not_scanned";
  // The first reason of the most telling state: failed, then unsupported, then no symbols.
  std::string no_symbols, unsupported, failed;
  for (const Key& key : process->second) {
    auto it = files_.find(key);
    if (it == files_.end()) continue;
    const File& f = it->second;
    auto keep = [&f](std::string* reason, const char* otherwise) {
      if (reason->empty()) *reason = f.uncovered.empty() ? otherwise : f.uncovered;
    };
    switch (f.state) {
      case State::kAttached:
        return "";
      case State::kNoSymbols:
        keep(&no_symbols, "no_symbols");
        break;
      case State::kUnsupported:
        keep(&unsupported, "unsupported_library");
        break;
      case State::kFailed:
        keep(&failed, "attach_failed");
        break;
      case State::kNotTls:
        break;
    }
  }
  for (const std::string* reason : {&failed, &unsupported, &no_symbols}) {
    if (!reason->empty()) return *reason;
  }
  return "no_tls_library";
}

size_t TlsRegistry::attached_files() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const auto& [key, file] : files_) n += file.state == State::kAttached && !file.pids.empty();
  return n;
}

}  // namespace hostlens::tls
