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

bool Dispatcher::HandleData(const void* data, size_t size) {
  constexpr size_t kFixed = HL_DATA_EVENT_FIXED_SIZE;
  if (size < kFixed) return false;
  hl_data_event e;
  std::memcpy(&e, data, kFixed);
  if (e.head_len > HL_CAPTURE_MAX || e.tail_len > HL_TAIL_LEN ||
      kFixed + e.head_len + e.tail_len > size || e.head_len + e.tail_len > e.length) {
    return false;
  }
  const char* bytes = static_cast<const char*>(data) + kFixed;
  connections_.OnData(e, std::string_view(bytes, e.head_len),
                      std::string_view(bytes + e.head_len, e.tail_len));
  return true;
}

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
        if (code_changed_ && processes_.IsTracked(static_cast<int>(e.hdr.tgid))) {
          code_changed_(e.hdr.tgid);
        }
      }
      break;
    }
    case HL_EV_PROC_CODE_MAPPED: {
      hl_proc_code_mapped_event e;
      if ((ok = Decode(data, size, &e)) && code_changed_ &&
          processes_.IsTracked(static_cast<int>(e.hdr.tgid))) {
        code_changed_(e.hdr.tgid);
      }
      break;
    }
    case HL_EV_PROC_EXIT: {
      hl_proc_exit_event e;
      if ((ok = Decode(data, size, &e))) {
        processes_.OnExit(e);
        connections_.OnProcessExit(e.hdr.tgid, e.hdr.ts_ns);
      }
      break;
    }
    case HL_EV_PROC_LISTEN: {
      hl_proc_listen_event e;
      if ((ok = Decode(data, size, &e))) processes_.OnListen(e);
      break;
    }
    case HL_EV_CONN_OPEN:
    case HL_EV_CONN_CLOSE: {
      hl_conn_event e;
      if (!(ok = Decode(data, size, &e))) break;
      // Captured while the process's exec was pending, then not matched.
      if (!processes_.IsTracked(static_cast<int>(e.hdr.tgid))) {
        counters_.CountIgnored();
        return;
      }
      if (header.kind == HL_EV_CONN_OPEN) {
        connections_.OnOpen(e);
      } else {
        connections_.OnClose(e);
      }
      break;
    }
    case HL_EV_HTTP_EXCHANGE:
    case HL_EV_HTTP_REQUEST: {
      if (!processes_.IsTracked(static_cast<int>(header.tgid))) {
        counters_.CountIgnored();
        return;
      }
      hl_http_fast_event e;
      if ((ok = Decode(data, size, &e))) connections_.OnHttpFast(e);
      break;
    }
    case HL_EV_DATA:
      if (!processes_.IsTracked(static_cast<int>(header.tgid))) {
        counters_.CountIgnored();
        return;
      }
      ok = HandleData(data, size);
      break;
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
