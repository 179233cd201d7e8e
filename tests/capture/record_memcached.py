#!/usr/bin/env python3
"""Records real memcached client conversations as fixtures for the memcached parser tests.

Starts a throwaway memcached (Debian's) on a free 127.0.0.1 port, puts a recording TCP proxy in
front of it, drives each conversation with a raw socket client (the text protocol and the meta
commands), and writes what crossed the proxy to tests/fixtures/memcached/<name>.txt. The server
is stopped afterwards. Standard library only.

    python3 tests/capture/record_memcached.py
    python3 tests/capture/record_memcached.py --only meta --out /tmp/x

Each recv() of the proxy is one record, in order. Format (read by
tests/unit/protocols/fixture.h):

    # hostlens-memcached-capture v1
    # source: <what the conversation does>
    # command: <end> <error|-> <keys_looked_up> <hits> <noreply 0|1> <name>
    > <n>            n bytes sent by the client, then a newline
    < <n>            n bytes sent by the server, then a newline

`# command:` lines are what a client-side parser must report, in completion order, computed by
the small independent framer and matcher below: noreply commands (only where the command takes
the flag) complete when sent (<end> is the end of their line or data block in the whole
recording); a quiet meta command (flag q) whose answer the server suppressed completes, noreply,
when the answer of a later command arrives (<end> is that answer's end; an mg so is a miss);
get/gets/gat/gats count a lookup per key and a hit per VALUE, mg a hit unless EN.
"""

import argparse
import pathlib
import shutil
import subprocess
import sys

from capture_proxy import Raw, free_port, record, wait_for_port, write_capture

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "memcached"

# --------------------------------------------------------------------------------------------
# Independent framer and matcher (whole byte streams)

STORAGE = ("set", "add", "replace", "append", "prepend", "cas")
RETRIEVAL = ("get", "gets", "gat", "gats")
KNOWN = STORAGE + RETRIEVAL + ("mg", "ms", "md", "ma", "mn", "delete", "incr", "decr", "touch",
                               "version", "stats", "flush_all", "verbosity")
# Words after which a last "noreply" is the flag (memcached 1.6 proto_text.c).
NOREPLY_WORDS = {**{v: (5, 6) for v in STORAGE if v != "cas"}, "cas": (6, 7),
                 "delete": (3, 4), "incr": (3, 4), "decr": (3, 4), "touch": (3, 4),
                 "verbosity": (2, 3), "flush_all": (2, 3)}
# What a quiet meta command may still be answered (protocol.txt: q suppresses mg's EN and the HD
# of ms, md, ma; errors are always sent).
QUIET_ANSWERS = {"mg": ("VA", "HD"), "ms": ("NS", "EX", "NF"), "md": ("NF", "EX"),
                 "ma": ("NF", "NS", "EX")}
ERRORS = ("ERROR", "CLIENT_ERROR", "SERVER_ERROR")


def lines(data, commands):
    """Yields (words, end) per line, data blocks skipped."""
    pos = 0
    while pos < len(data):
        eol = data.index(b"\r\n", pos)
        words = data[pos:eol].decode("latin-1").split()
        pos = eol + 2
        size = None
        if commands and words and words[0] in STORAGE:
            size = int(words[4]) if len(words) > 4 and words[4].isdigit() else None
        elif commands and words and words[0] == "ms":
            size = int(words[2])
        elif not commands and words and words[0] == "VALUE":
            size = int(words[3])
        elif not commands and words and words[0] == "VA":
            size = int(words[1])
        if size is not None:
            pos += size + 2
        yield words, pos


def expected_commands(records):
    offsets = {">": [], "<": []}
    whole = 0
    for k, d in records:
        offsets[k].append((whole, len(d)))
        whole += len(d)

    def to_whole(direction, pos):
        seen = 0
        for start, n in offsets[direction]:
            if pos <= seen + n:
                return start + pos - seen
            seen += n
        raise ValueError("past the end")

    client = b"".join(d for k, d in records if k == ">")
    server = b"".join(d for k, d in records if k == "<")
    out = []
    pending = []
    # Commands in send order, noreply ones complete when sent: merge both directions by offset.
    events = []
    for words, end in lines(client, True):
        events.append((to_whole(">", end), ">", words))
    for words, end in lines(server, False):
        events.append((to_whole("<", end), "<", words))
    events.sort(key=lambda e: e[0])
    for end, d, words in events:
        if d == ">":
            name = words[0] if words and words[0] in KNOWN else "_OTHER"
            flags = words[3:] if name == "ms" else words[2:]
            quiet = name in QUIET_ANSWERS and any(f.startswith("q") for f in flags)
            noreply = words[-1:] == ["noreply"] and len(words) in NOREPLY_WORDS.get(name, ())
            keys = len(words) - 1 if name in ("get", "gets") else \
                len(words) - 2 if name in ("gat", "gats") else 1 if name == "mg" else 0
            if noreply:
                out.append((end, "-", keys, 0, 1, name))
            else:
                pending.append({"name": name, "keys": keys, "hits": 0, "quiet": quiet})
            continue
        w = words[0]
        # Quiet commands this answer cannot be for got nothing: it is a later command's.
        while (pending[0]["quiet"] and w not in ERRORS and
               w not in QUIET_ANSWERS[pending[0]["name"]]):
            q = pending.pop(0)
            out.append((end, "-", q["keys"], 0, 1, q["name"]))
        p = pending[0]
        if w in ("ERROR", "CLIENT_ERROR", "SERVER_ERROR"):
            pending.pop(0)
            out.append((end, w, 0, 0, 0, p["name"]))
            continue
        if w in ("VALUE", "STAT"):
            p["hits"] += w == "VALUE"
            continue
        if p["name"] == "mg":
            p["hits"] = 1 if w in ("VA", "HD") else 0
        pending.pop(0)
        out.append((end, "-", p["keys"], p["hits"], 0, p["name"]))
    return out


# --------------------------------------------------------------------------------------------
# Conversations


def conv_text(port):
    r = Raw(port)
    r.send(b"set a 0 0 5\r\nhello\r\n")
    r.send(b"set b 7 60 3\r\nxyz\r\n")
    r.send(b"get a\r\n")
    r.send(b"get nope\r\n")
    r.send(b"get a nope b nope2 nope3\r\n")
    r.send(b"gets a b\r\n")
    r.send(b"add a 0 0 1\r\nx\r\n")
    r.send(b"replace nope 0 0 1\r\nx\r\n")
    r.send(b"append a 0 0 3\r\n!!!\r\n", b"prepend a 0 0 2\r\n<<\r\n")
    r.send(b"cas a 0 0 1 1\r\nx\r\n")
    r.send(b"cas nope 0 0 1 1\r\nx\r\n")
    r.send(b"set n 0 0 2\r\n10\r\nincr n 5\r\ndecr n 100\r\nincr nope 1\r\n")
    r.send(b"touch a 100\r\ntouch nope 100\r\n")
    r.send(b"gat 100 a nope\r\n")
    r.send(b"set q1 0 0 1 noreply\r\n1\r\nset q2 0 0 1 noreply\r\n2\r\nget q1 q2 q3\r\n")
    r.send(b"delete q1 noreply\r\ndelete q2\r\ndelete q2\r\n")
    r.send(b"bogus command\r\n")
    r.send(b"set bad 0 0 notanumber\r\n")
    r.send(b"incr a 1\r\n")
    r.send(b"version\r\n")
    r.close()


def conv_meta(port):
    r = Raw(port)
    r.send(b"ms mk 5 T0\r\nhello\r\n")
    r.send(b"mg mk v\r\n")
    r.send(b"mg mk s t\r\n")
    r.send(b"mg nope v\r\n")
    r.send(b"ms mq 1 q\r\n1\r\nmn\r\n")
    r.send(b"ma nope\r\nmd mk\r\nmd mk\r\n")
    r.send(b"mg mk v\r\nmg mq v\r\nmn\r\n")
    r.close()


def conv_pipeline(port):
    r = Raw(port)
    batch = b"".join(b"set k%d 0 0 2\r\nv%d\r\n" % (i, i % 10) for i in range(20))
    r.send(batch)
    r.send(b"".join(b"get k%d\r\n" % i for i in range(0, 40, 2)))
    r.send(b"get " + b" ".join(b"k%d" % i for i in range(30)) + b"\r\n")
    r.close()


def conv_large(port):
    r = Raw(port)
    big = b"v" * (256 << 10)
    r.send(b"set small 0 0 1\r\n1\r\n")
    r.send(b"set big 0 0 %d\r\n" % len(big), big, b"\r\n", settle=0.3)
    r.send(b"get small\r\n")
    r.send(b"get big\r\n", settle=0.3)
    r.send(b"get small big nope\r\n", settle=0.3)
    r.send(b"delete big\r\n")
    r.close()


CONVERSATIONS = {
    "text": (conv_text, "raw client: storage commands and their statuses, multi-key get/gets/gat "
             "with misses, cas, incr/decr, touch, noreply, ERROR and CLIENT_ERROR"),
    "meta": (conv_meta, "raw client: ms, mg hit/miss with and without a value, quiet ms, md, "
             "ma, mn"),
    "pipeline": (conv_pipeline, "raw client: 20 sets in one write, 20 gets in one write, a "
                 "30-key get"),
    "large_value": (conv_large, "raw client: a 256 KiB value set and got between small commands"),
}


def write(path, source, records):
    write_capture(path, "memcached", source,
                  [f"command: {end:d} {err} {keys:d} {hits:d} {noreply:d} {name}"
                   for end, err, keys, hits, noreply, name in expected_commands(records)],
                  records)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append")
    parser.add_argument("--out", type=pathlib.Path, default=FIXTURES)
    args = parser.parse_args()
    if not shutil.which("memcached"):
        sys.exit("failed to find memcached: apt-get install memcached")
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = subprocess.Popen(["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0",
                               "-u", "nobody", "-m", "64"], stdout=subprocess.DEVNULL)
    try:
        wait_for_port(port)
        for name, (conversation, source) in CONVERSATIONS.items():
            if args.only and name not in args.only:
                continue
            records = record(port, conversation).records
            write(args.out / (name + ".txt"), source, records)
            print("recorded", name, len(records), "records")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
