/* The HTTP/1 fast path's records and the kernel's decision code, shared by the BPF programs
 * (bpf/data.bpf.c) and the agent, which compiles the same functions into its unit tests and
 * fuzzer (tests/unit/protocols/http1/fast_path_test.cc): plain C, no libc, bounded loops.
 *
 * On a server connection at a message boundary, a read that holds exactly one complete request
 * head (and its whole body by Content-Length, or none) is not sent: the kernel keeps its method
 * and path. When the next write is exactly one complete response, one fixed-size record
 * (HL_EV_HTTP_EXCHANGE) replaces both payloads. Anything else is declined, with a reason, and
 * the payloads go out as before; a request already kept goes out first as HL_EV_HTTP_REQUEST.
 * The decision is strict (CRLF only, token names, a known method, an origin-form target): what it
 * accepts, the agent's own parser (agent/protocols/http1/) reads the same way. */
#ifndef HOSTLENS_ABI_HTTP_FAST_H
#define HOSTLENS_ABI_HTTP_FAST_H

#include "hostlens/abi/events.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* Longest head (request or response) the kernel reads through; longer ones are declined. */
#define HL_FAST_HEAD_MAX 1024
/* Longest path (the target before '?') kept; a longer one is declined. A power of two. */
#define HL_FAST_PATH_MAX 128

enum hl_http_method {
  HL_HTTP_OTHER = 0,
  HL_HTTP_GET = 1,
  HL_HTTP_HEAD = 2,
  HL_HTTP_POST = 3,
  HL_HTTP_PUT = 4,
  HL_HTTP_DELETE = 5,
  HL_HTTP_PATCH = 6,
  HL_HTTP_OPTIONS = 7,
};

/* What became of an exchange the kernel looked at; hostlens_http_fast_path_total{outcome}. */
enum hl_fast_outcome {
  HL_FAST_COMPACT = 0,          /* sent as one compact record */
  HL_FAST_NOT_ARMED = 1,        /* the agent re-armed the connection, but a payload went out
                                   since (its parser was idle at an older point) */
  HL_FAST_REQ_INCOMPLETE = 2,   /* the head or body goes on in a later read */
  HL_FAST_REQ_EXTRA = 3,        /* more than one request in the read (pipelining) */
  HL_FAST_REQ_METHOD = 4,       /* not one of the seven methods above */
  HL_FAST_REQ_TARGET = 5,       /* not origin-form, or a path longer than HL_FAST_PATH_MAX */
  HL_FAST_REQ_CHUNKED = 6,      /* Transfer-Encoding */
  HL_FAST_REQ_EXPECT = 7,       /* Expect (100-continue) */
  HL_FAST_REQ_UPGRADE = 8,      /* Upgrade (websocket, h2c) */
  HL_FAST_REQ_MALFORMED = 9,    /* anything else the strict reading does not take */
  HL_FAST_REQ_TOO_LONG = 10,    /* head beyond HL_FAST_HEAD_MAX or the capture */
  HL_FAST_PIPELINED = 11,       /* a read while a kept request waits for its response */
  HL_FAST_RESP_PIECES = 12,     /* the response goes on in a later write (sendfile, chunks) */
  HL_FAST_RESP_EXTRA = 13,      /* the write holds more than one response */
  HL_FAST_RESP_FRAMING = 14,    /* no Content-Length (chunked, until close) */
  HL_FAST_RESP_STATUS = 15,     /* 1xx (100-continue, 101 upgrade) or out of range */
  HL_FAST_RESP_MALFORMED = 16,
  HL_FAST_RESP_TOO_LONG = 17,
  HL_FAST_NO_ROOM = 18,         /* the map of kept requests was full */
  HL_FAST_OUTCOME_MAX = 19,
};

/* A request the kernel keeps until its response (http_pending map, key hl_conn_key). */
struct hl_http_pending {
  __u64 generation;
  __u64 ts_ns;      /* the read's time: the request's first and last byte */
  __u64 bytes;      /* the read's length */
  __u8 method;      /* enum hl_http_method */
  __u8 minor_version;
  __u16 path_len;
  __u32 _pad;
  __u64 remaining;  /* HL_FAST_DRAINING: bytes of the response still to be written */
  char path[HL_FAST_PATH_MAX];
};

/* HL_EV_HTTP_EXCHANGE: a whole exchange; hdr.ts_ns and hdr.tid are the response write's.
 * HL_EV_HTTP_REQUEST: a kept request whose response did not take the fast path (status 0). */
struct hl_http_fast_event {
  struct hl_event_header hdr;
  __u64 generation;
  __u64 request_ts_ns;
  __u64 request_bytes;
  __u64 response_bytes;
  __s32 fd;
  __u8 method;
  __u8 minor_version;
  __u16 status;
  __u16 path_len;
  __u16 _pad;
  __u32 _pad2;
  char path[HL_FAST_PATH_MAX];
};

/* ---- the decision ---- */

struct hl_http_fast_request {
  __u32 head_len;
  __u32 body_len;
  __u8 method;
  __u8 minor_version;
  __u16 path_len;
  __u32 path_off; /* where the path starts in the read (its '/') */
};

struct hl_http_fast_response {
  __u32 head_len;
  __u32 body_len;
  __u16 status;
};

/* The decision's running state, kept in memory (a per-CPU map value in BPF, volatile): to the
 * verifier every field is then an unknown value at each byte, so the states of one iteration
 * merge instead of multiplying across the loop (see bpf/data.bpf.c). */
struct hl_fast_scan {
  __u64 word; /* the method's letters */
  __u64 h0, h1, h2; /* a header name, lowercased, 8 bytes each */
  __u64 cl;
  __u32 state; /* enum hl_fast_state */
  __u32 n;     /* bytes of the current token (method, version, status, name, value) */
  __u32 path_off, path_len;
  __u32 status;
  __u32 head_len;
  __u32 cl_seen;
  __u32 cl_phase; /* 0 leading OWS, 1 digits, 2 trailing OWS */
  __u32 pos;      /* the next byte to read */
  __u32 request;  /* reading a request's head, else a response's */
  __u8 method, minor;
  __u8 request_method; /* a response's: the method of the request it answers */
  __u8 _pad[5];
};

enum hl_fast_state {
  HL_FS_METHOD,
  HL_FS_PATH_START,
  HL_FS_PATH,
  HL_FS_QUERY,
  HL_FS_REQ_VERSION, /* "HTTP/1.d\r\n" after the target's space */
  HL_FS_RESP_VERSION, /* "HTTP/1.d " */
  HL_FS_STATUS,       /* three digits, then SP or CR */
  HL_FS_REASON,
  HL_FS_LINE_LF,
  HL_FS_LINE_START,
  HL_FS_NAME,
  HL_FS_VALUE,
  HL_FS_CL_VALUE,
  HL_FS_END_LF,
};

#define HL_FAST_PACK_HTTP1 0x485454502f312eULL /* "HTTP/1." */

/* tchar of RFC 9110 5.6.2 (ALPHA, DIGIT and "!#$%&'*+-.^_`|~"), as a 128-bit set: one shift
 * and test per byte instead of a chain of comparisons (tests/unit/conn/http_fast_path_test.cc
 * checks it against the list for every byte). */
#define HL_FAST_TCHAR_LO 0x03ff6cfa00000000ULL /* bytes 0..63 */
#define HL_FAST_TCHAR_HI 0x57ffffffc7fffffeULL /* bytes 64..127 */
static __always_inline int hl_fast_tchar(__u8 c) {
  if (c < 64) return (HL_FAST_TCHAR_LO >> c) & 1;
  if (c < 128) return (HL_FAST_TCHAR_HI >> (c - 64)) & 1;
  return 0;
}

/* 8 bytes from p, any alignment. */
static __always_inline __u64 hl_fast_load8(const __u8 *p) {
#ifdef __bpf__
  return *(const __u64 *)p; /* one load: x86-64 and arm64 allow it unaligned */
#else
  __u64 v;
  __builtin_memcpy(&v, p, sizeof(v));
  return v;
#endif
}

/* Per byte of x, 0x80 where the byte is 0, else 0 (exact, unlike the borrow trick). */
static __always_inline __u64 hl_fast_zero8(__u64 x) {
  const __u64 low7 = 0x7f7f7f7f7f7f7f7fULL;
  return ~(((x & low7) + low7) | x | low7);
}

/* The index of the first byte in memory (lowest) whose high bit is set in `flags` (bytes flagged
 * 0x80 or 0), 8 if none. BPF has no count-trailing-zeros instruction: three comparisons. */
static __always_inline __u32 hl_fast_first_flagged(__u64 flags) {
  if (!flags) return 8;
  flags &= -flags;
  if (flags <= 0x80000000ULL) return flags <= 0x8000ULL ? (flags == 0x80ULL ? 0 : 1)
                                                        : (flags == 0x800000ULL ? 2 : 3);
  return flags <= 0x800000000000ULL ? (flags == 0x8000000000ULL ? 4 : 5)
                                    : (flags == 0x80000000000000ULL ? 6 : 7);
}

/* How many of the 8 bytes of x, from the first in memory, are plain visible text (0x20..0x7e).
 * The "has less than" and "has zero" tricks (graphics.stanford.edu/~seander/bithacks.html) flag
 * the first such byte exactly: a borrow only flags bytes after a byte flagged itself. */
static __always_inline __u32 hl_fast_plain_run8(__u64 x) {
  const __u64 ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
  const __u64 del = x ^ (ones * 0x7f);
  return hl_fast_first_flagged((x & high) | ((x - ones * 0x20) & ~x & high) |
                               ((del - ones) & ~del & high));
}

/* How many of the 8 bytes of x, from the first in memory, are ASCII letters or '-': the leading
 * bytes of a header name that the decision can take 8 at a time. */
static __always_inline __u32 hl_fast_name8(__u64 x) {
  const __u64 ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
  const __u64 lower = x | (ones * 0x20);
  const __u64 l7 = lower & ~high;
  /* l7's bytes are 7-bit: adding 0x1f or 0x05 carries into no other byte. */
  __u64 ok = ((l7 + ones * (0x80 - 'a')) & ~(l7 + ones * (0x80 - 'z' - 1)) & high & ~x) |
             hl_fast_zero8(x ^ (ones * '-'));
  return hl_fast_first_flagged(~ok & high);
}

/* x's first k bytes in memory (1..8), lowercased, packed first byte highest: what k steps of
 * HL_FS_NAME would have shifted in. */
static __always_inline __u64 hl_fast_pack_lower(__u64 x, __u32 k) {
  __u64 v = __builtin_bswap64(x | 0x2020202020202020ULL);
  return k >= 8 ? v : v >> (8 * (8 - k));
}

static __always_inline __u8 hl_fast_method(__u64 packed) {
  switch (packed) {
    case 0x474554ULL: return HL_HTTP_GET;
    case 0x48454144ULL: return HL_HTTP_HEAD;
    case 0x504f5354ULL: return HL_HTTP_POST;
    case 0x505554ULL: return HL_HTTP_PUT;
    case 0x44454c455445ULL: return HL_HTTP_DELETE;
    case 0x5041544348ULL: return HL_HTTP_PATCH;
    case 0x4f5054494f4e53ULL: return HL_HTTP_OPTIONS;
  }
  return HL_HTTP_OTHER;
}

/* Header names the decision cares about, from the lowercased name packed 8 bytes at a time. */
enum hl_fast_field { HL_FF_OTHER, HL_FF_CONTENT_LENGTH, HL_FF_TRANSFER_ENCODING, HL_FF_EXPECT,
                     HL_FF_UPGRADE };

static __always_inline int hl_fast_field(__u32 len, __u64 h0, __u64 h1, __u64 h2) {
  if (len == 14 && h0 == 0x636f6e74656e742dULL && h1 == 0x6c656e677468ULL)
    return HL_FF_CONTENT_LENGTH;
  if (len == 17 && h0 == 0x7472616e73666572ULL && h1 == 0x2d656e636f64696eULL && h2 == 0x67)
    return HL_FF_TRANSFER_ENCODING;
  if (len == 6 && h0 == 0x657870656374ULL) return HL_FF_EXPECT;
  if (len == 7 && h0 == 0x75706772616465ULL) return HL_FF_UPGRADE;
  return HL_FF_OTHER;
}

/* Bytes one hl_fast_step() reads at most: the BPF program reads a head in steps, one tail call
 * each, so that the verifier walks a loop of HL_FAST_STEP_BYTES, not of the whole head. */
#define HL_FAST_STEP_BYTES 64
/* hl_fast_step(): bytes remain to be read. */
#define HL_FAST_MORE (-1)

/* Starts reading a head: a request's, or a response's to a request of `request_method`. */
static __always_inline void hl_fast_begin(volatile struct hl_fast_scan *st, int request,
                                          __u8 request_method) {
  st->state = request ? HL_FS_METHOD : HL_FS_RESP_VERSION;
  st->request = request ? 1 : 0;
  st->request_method = request_method;
  st->word = 0;
  st->h0 = 0;
  st->h1 = 0;
  st->h2 = 0;
  st->cl = 0;
  st->n = 0;
  st->path_off = 0;
  st->path_len = 0;
  st->status = 0;
  st->head_len = 0;
  st->cl_seen = 0;
  st->cl_phase = 0;
  st->pos = 0;
  st->method = 0;
  st->minor = 0;
}

/* The decision once the head is read (st->head_len) or the bytes ran out: whether the message
 * ends exactly where the read or write of `total` bytes does. */
static __always_inline int hl_fast_finish(volatile struct hl_fast_scan *st, __u32 captured,
                                          __u64 total) {
  const int request = st->request;
  if (!st->head_len) {
    /* Ran out of bytes inside the head. */
    if (st->pos >= HL_FAST_HEAD_MAX || (__u64)captured < total)
      return request ? HL_FAST_REQ_TOO_LONG : HL_FAST_RESP_TOO_LONG;
    return request ? HL_FAST_REQ_INCOMPLETE : HL_FAST_RESP_PIECES;
  }
  __u64 body = st->cl;
  if (!request) {
    if (st->status == 204 || st->status == 304 || st->request_method == HL_HTTP_HEAD) {
      body = 0;
    } else if (!st->cl_seen) {
      return HL_FAST_RESP_FRAMING;
    }
  }
  /* The body's length, also when declining: a response in pieces is followed to its end. */
  st->cl = body;
  __u64 end = (__u64)st->head_len + body;
  if (end < total) return request ? HL_FAST_REQ_EXTRA : HL_FAST_RESP_EXTRA;
  if (end > total) return request ? HL_FAST_REQ_INCOMPLETE : HL_FAST_RESP_PIECES;
  return HL_FAST_COMPACT;
}

/* A CR at buf[i] ends a line: with its LF in the same step when the LF is there. */
static __always_inline void hl_fast_cr(const __u8 *buf, __u32 i, __u32 captured,
                                       volatile struct hl_fast_scan *st) {
  if (i + 1 < captured && i + 1 < HL_FAST_HEAD_MAX &&
      buf[(i + 1) & (HL_FAST_HEAD_MAX - 1)] == '\n') {
    st->state = HL_FS_LINE_START;
    st->pos = i + 2;
  } else {
    st->state = HL_FS_LINE_LF;
  }
}

/* Reads up to HL_FAST_STEP_BYTES more of the head in buf[0..captured) (the first `captured`
 * bytes of a read or write of `total`; at most HL_FAST_HEAD_MAX are looked at). Returns
 * HL_FAST_MORE, or the decision: HL_FAST_COMPACT with the head's facts in *st (method, minor,
 * path_off and path_len of a request's path: the target before '?'; status; head_len; cl, the
 * body's length), or the reason it declines. */
static __always_inline int hl_fast_step(const __u8 *buf, __u32 captured, __u64 total,
                                        volatile struct hl_fast_scan *st) {
  const int request = st->request;
  const int malformed = request ? HL_FAST_REQ_MALFORMED : HL_FAST_RESP_MALFORMED;
  int field;
  for (int k = 0; k < HL_FAST_STEP_BYTES; k++) {
    __u32 i = st->pos;
    if (i >= captured || i >= HL_FAST_HEAD_MAX) return hl_fast_finish(st, captured, total);
    __u8 c = buf[i & (HL_FAST_HEAD_MAX - 1)];
    st->pos = i + 1;
    switch (st->state) {
      case HL_FS_METHOD:
        if (c >= 'A' && c <= 'Z' && st->n < 7) {
          st->word = (st->word << 8) | c;
          st->n = st->n + 1;
        } else if (c == ' ') {
          st->method = hl_fast_method(st->word);
          if (st->method == HL_HTTP_OTHER) return HL_FAST_REQ_METHOD;
          st->state = HL_FS_PATH_START;
        } else {
          return HL_FAST_REQ_METHOD;
        }
        break;
      case HL_FS_PATH_START:
        if (c != '/') return HL_FAST_REQ_TARGET;
        st->path_off = i;
        st->path_len = 1;
        st->state = HL_FS_PATH;
        break;
      case HL_FS_PATH:
        if (c == ' ') {
          st->state = HL_FS_REQ_VERSION;
          st->n = 0;
        } else if (c == '?') {
          st->state = HL_FS_QUERY;
        } else if (c < 0x21 || c > 0x7e || c == '#' || st->path_len >= HL_FAST_PATH_MAX) {
          return HL_FAST_REQ_TARGET;
        } else {
          st->path_len = st->path_len + 1;
        }
        break;
      case HL_FS_QUERY:
        if (c == ' ') {
          st->state = HL_FS_REQ_VERSION;
          st->n = 0;
        } else if (c < 0x21 || c > 0x7e || c == '#') {
          return HL_FAST_REQ_TARGET;
        }
        break;
      case HL_FS_REQ_VERSION:
      case HL_FS_RESP_VERSION:
        /* "HTTP/1.0" or "HTTP/1.1" in one go (x86-64 and arm64 are little-endian). */
        if (st->n == 0 && i + 8 <= captured && i + 8 <= HL_FAST_HEAD_MAX) {
          __u64 w = hl_fast_load8(buf + (i & (HL_FAST_HEAD_MAX - 1)));
          if (w == 0x302e312f50545448ULL || w == 0x312e312f50545448ULL) {
            st->minor = (__u8)(w >> 56) - '0';
            st->n = 8;
            st->pos = i + 8;
            break;
          }
        }
        if (st->n < 7) {
          if (c != ((HL_FAST_PACK_HTTP1 >> (8 * (6 - st->n))) & 0xff)) return malformed;
        } else if (st->n == 7) {
          if (c != '0' && c != '1') return malformed;
          st->minor = c - '0';
        } else if (st->state == HL_FS_RESP_VERSION) {
          if (c != ' ') return malformed;
          st->state = HL_FS_STATUS;
          st->n = 0;
          break;
        } else if (c == '\r') {
          hl_fast_cr(buf, i, captured, st);
        } else {
          return malformed;
        }
        st->n = st->n + 1;
        break;
      case HL_FS_STATUS:
        if (st->n < 3) {
          if (c < '0' || c > '9') return malformed;
          st->status = st->status * 10 + (c - '0');
          st->n = st->n + 1;
        } else if (c == ' ' || c == '\r') {
          if (st->status < 200 || st->status > 599) return HL_FAST_RESP_STATUS;
          if (c == ' ')
            st->state = HL_FS_REASON;
          else
            hl_fast_cr(buf, i, captured, st);
        } else {
          return malformed;
        }
        break;
      case HL_FS_LINE_LF:
        if (c != '\n') return malformed;
        st->state = HL_FS_LINE_START;
        break;
      case HL_FS_LINE_START:
        if (c == '\r') {
          st->state = HL_FS_END_LF;
          break;
        }
        if (!hl_fast_tchar(c)) return malformed; /* obs-fold, stray bytes */
        st->h1 = 0;
        st->h2 = 0;
        st->state = HL_FS_NAME;
        /* The name's leading letters and dashes 8 at a time (most names are only those). */
        if (i + 8 <= captured && i + 8 <= HL_FAST_HEAD_MAX) {
          __u64 w = hl_fast_load8(buf + (i & (HL_FAST_HEAD_MAX - 1)));
          __u32 k = hl_fast_name8(w);
          if (k > 0) {
            st->h0 = hl_fast_pack_lower(w, k);
            st->n = k;
            st->pos = i + k;
            break;
          }
        }
        if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
        st->h0 = c;
        st->n = 1;
        break;
      case HL_FS_NAME:
        if (c == ':') {
          field = hl_fast_field(st->n, st->h0, st->h1, st->h2);
          if (field == HL_FF_TRANSFER_ENCODING)
            return request ? HL_FAST_REQ_CHUNKED : HL_FAST_RESP_FRAMING;
          if (request && field == HL_FF_EXPECT) return HL_FAST_REQ_EXPECT;
          if (request && field == HL_FF_UPGRADE) return HL_FAST_REQ_UPGRADE;
          if (field == HL_FF_CONTENT_LENGTH) {
            if (st->cl_seen) return malformed;
            st->cl_seen = 1;
            st->cl_phase = 0;
            st->n = 0;
            st->state = HL_FS_CL_VALUE;
          } else {
            st->state = HL_FS_VALUE;
          }
          break;
        }
        if (!hl_fast_tchar(c)) return malformed;
        if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
        if (st->n < 8) {
          st->h0 = (st->h0 << 8) | c;
        } else if (st->n < 16) {
          st->h1 = (st->h1 << 8) | c;
        } else if (st->n < 24) {
          st->h2 = (st->h2 << 8) | c;
        }
        if (st->n < 32) st->n = st->n + 1;
        break;
      case HL_FS_REASON:
      case HL_FS_VALUE:
        if (c == '\r') {
          hl_fast_cr(buf, i, captured, st);
          break;
        }
        if ((c < 0x20 && c != '\t') || c > 0x7e) return malformed;
        /* Most of a head is header values: up to 16 more bytes in one step while they are plain
         * visible text (no CR, tab or other control byte, nothing from 0x7f up). */
        if (i + 9 <= captured && i + 9 <= HL_FAST_HEAD_MAX) {
          __u32 run = hl_fast_plain_run8(hl_fast_load8(buf + ((i + 1) & (HL_FAST_HEAD_MAX - 1))));
          if (run == 8 && i + 17 <= captured && i + 17 <= HL_FAST_HEAD_MAX)
            run += hl_fast_plain_run8(hl_fast_load8(buf + ((i + 9) & (HL_FAST_HEAD_MAX - 1))));
          st->pos = i + 1 + run; /* at the CR (or other byte) that ends the run */
        }
        break;
      case HL_FS_CL_VALUE:
        if (c == ' ' || c == '\t') {
          if (st->cl_phase == 1) st->cl_phase = 2;
        } else if (c >= '0' && c <= '9') {
          if (st->cl_phase == 2 || st->n >= 9) return malformed;
          st->cl_phase = 1;
          st->cl = st->cl * 10 + (c - '0');
          st->n = st->n + 1;
        } else if (c == '\r') {
          if (st->cl_phase == 0) return malformed;
          hl_fast_cr(buf, i, captured, st);
        } else {
          return malformed;
        }
        break;
      case HL_FS_END_LF:
        if (c != '\n') return malformed;
        st->head_len = i + 1;
        break;
    }
    if (st->head_len) return hl_fast_finish(st, captured, total);
  }
  return HL_FAST_MORE;
}

/* The whole decision in one call, and its facts (userspace: tests, fuzzer; the BPF program
 * takes the steps one tail call each). */
static __always_inline int hl_fast_decide(const __u8 *buf, __u32 captured, __u64 total,
                                          int request, __u8 request_method,
                                          volatile struct hl_fast_scan *st) {
  hl_fast_begin(st, request, request_method);
  int outcome = HL_FAST_MORE;
  for (int steps = 0; outcome == HL_FAST_MORE && steps <= HL_FAST_HEAD_MAX / HL_FAST_STEP_BYTES;
       steps++)
    outcome = hl_fast_step(buf, captured, total, st);
  return outcome;
}

static __always_inline int hl_fast_request(const __u8 *buf, __u32 captured, __u64 total,
                                           volatile struct hl_fast_scan *st,
                                           struct hl_http_fast_request *out) {
  int outcome = hl_fast_decide(buf, captured, total, 1, 0, st);
  if (outcome == HL_FAST_COMPACT) {
    out->head_len = st->head_len;
    out->body_len = (__u32)st->cl;
    out->method = st->method;
    out->minor_version = st->minor;
    out->path_len = (__u16)st->path_len;
    out->path_off = st->path_off;
  }
  return outcome;
}

static __always_inline int hl_fast_response(const __u8 *buf, __u32 captured, __u64 total,
                                            __u8 method, volatile struct hl_fast_scan *st,
                                            struct hl_http_fast_response *out) {
  int outcome = hl_fast_decide(buf, captured, total, 0, method, st);
  if (outcome == HL_FAST_COMPACT) {
    out->head_len = st->head_len;
    out->body_len = (__u32)st->cl;
    out->status = (__u16)st->status;
  }
  return outcome;
}

#endif /* HOSTLENS_ABI_HTTP_FAST_H */
