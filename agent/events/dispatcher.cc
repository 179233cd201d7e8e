#include "agent/events/dispatcher.h"

#include <cstring>

namespace hostlens::events {
namespace {

// Copies the record into T when it is long enough (ring-buffer records are
// 8-byte aligned, but a copy keeps this independent of that).
template <typename T>
bool Decode(const void* data, size_t size, T* out) {
  if (size < sizeof(T)) return false;
  std::memcpy(out, data, sizeof(T));
  return true;
}

}  // namespace

void Dispatcher::Handle(const void* data, size_t size) {
  hl_event_header header;
  if (!Decode(data, size, &header)) {
    counters_.CountParseError();
    return;
  }
  bool ok = true;
  switch (header.kind) {
    case HL_EV_PROC_FORK: {
      hl_proc_fork_event e;
      if ((ok = Decode(data, size, &e))) processes_.OnFork(e);
      break;
    }
    case HL_EV_PROC_EXEC: {
      hl_proc_exec_event e;
      if ((ok = Decode(data, size, &e))) {
        e.filename[sizeof(e.filename) - 1] = '\0';
        processes_.OnExec(e);
      }
      break;
    }
    case HL_EV_PROC_EXIT: {
      hl_proc_exit_event e;
      if ((ok = Decode(data, size, &e))) processes_.OnExit(e);
      break;
    }
    case HL_EV_PROC_LISTEN: {
      hl_proc_listen_event e;
      if ((ok = Decode(data, size, &e))) processes_.OnListen(e);
      break;
    }
    case HL_EV_CONN_OPEN:
    case HL_EV_CONN_CLOSE: {
      // Counted only, until the connection table arrives with HTTP.
      hl_conn_event e;
      if (!(ok = Decode(data, size, &e))) break;
      // Captured while the process's exec was pending, then not matched.
      if (!processes_.IsTracked(static_cast<int>(e.hdr.tgid))) {
        counters_.CountIgnored();
        return;
      }
      break;
    }
    default:
      ok = false;
  }
  if (ok) {
    counters_.CountEvent(header.kind);
  } else {
    counters_.CountParseError();
  }
}

}  // namespace hostlens::events
