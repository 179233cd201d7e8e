#!/usr/bin/env python3
"""Records real Redis client conversations as fixtures for the redis parser tests.

Starts a throwaway redis-server (Debian's) on a free 127.0.0.1 port with persistence off, puts a
recording TCP proxy in front of it, drives each conversation with redis-cli, redis-benchmark or a
raw socket client, and writes what crossed the proxy to tests/fixtures/redis/<name>.txt. The
server is stopped afterwards. Standard library only.

    python3 tests/capture/record_redis.py              # record every capture
    python3 tests/capture/record_redis.py --only multi_exec --out /tmp/x

Each recv() of the proxy is one record, in order. Only the busiest connection of a conversation
is kept. Format (read by tests/unit/protocols/fixture.h):

    # hostlens-redis-capture v1
    # source: <client and what the conversation does>
    # command: <end> <error|-> <keys_looked_up> <hits> <in_transaction 0|1> <NAME>
    > <n>            n bytes sent by the client (commands), then a newline
    < <n>            n bytes sent by the server (replies, pushes), then a newline

`# command:` lines are what a client-side parser must report, in completion order, computed by
the small independent RESP parser and matcher below (fully captured bytes only): pushes (RESP3
'>' and RESP2 pub/sub messages) are not replies, SUBSCRIBE-family commands end at their last
confirmation, commands queued in MULTI take their result from EXEC's array and EXEC's end.
<end> is the offset, in the whole recording, just past the byte that completes the command.
"""

import argparse
import pathlib
import shutil
import subprocess
import sys
import tempfile

from capture_proxy import Raw, free_port, record, wait_for_port, write_capture

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "redis"

# --------------------------------------------------------------------------------------------
# Independent RESP parser and matcher (whole byte streams)


def parse_value(data, pos):
    """Returns ((type, payload), end). payload: list for aggregates, bytes/None for scalars."""
    t = chr(data[pos])
    eol = data.index(b"\r\n", pos)
    line = data[pos + 1:eol]
    pos = eol + 2
    if t in "$=!":
        n = int(line)
        if n < 0:
            return (t, None), pos
        return (t, data[pos:pos + n]), pos + n + 2
    if t in "*%~>|":
        n = int(line)
        if n < 0:
            return (t, None), pos
        items = []
        for _ in range(n * (2 if t in "%|" else 1)):
            item, pos = parse_value(data, pos)
            items.append(item)
        if t == "|":  # an attribute: the value follows it
            return parse_value(data, pos)
        return (t, items), pos
    if t == "_":
        return (t, None), pos
    return (t, line), pos


def parse_commands(data):
    pos = 0
    while pos < len(data):
        if data[pos:pos + 1] == b"*":
            (t, items), end = parse_value(data, pos)
            words = [i[1] for i in items]
        else:
            end = data.index(b"\n", pos) + 1
            words = data[pos:end].split()
            if not words:
                pos = end
                continue
        yield [w.decode("latin-1") for w in words], end
        pos = end


def is_null(v):
    return v[1] is None


def error_type(v):
    if v[0] in "-!":
        return v[1].split(b" ")[0].decode()
    return ""


def expected_commands(records):
    client = b"".join(d for k, d in records if k == ">")
    server = b"".join(d for k, d in records if k == "<")
    # offset in the direction's stream → offset in the whole recording
    whole_of = {">": [], "<": []}
    offset = 0
    for k, d in records:
        whole_of[k].append((offset, len(d)))
        offset += len(d)

    def to_whole(direction, pos):  # pos: exclusive end within direction
        seen = 0
        for whole_start, n in whole_of[direction]:
            if pos <= seen + n:
                return whole_start + (pos - seen)
            seen += n
        raise ValueError("offset past the recording")

    commands = [w for w, _ in parse_commands(client)]
    replies = []
    pos = 0
    while pos < len(server):
        v, end = parse_value(server, pos)
        replies.append((v, to_whole("<", end)))
        pos = end

    out = []
    pending = []
    multi = False
    for words in commands:
        name = words[0].upper()
        queued = multi and name not in ("EXEC", "DISCARD", "MULTI")
        if name == "MULTI":
            multi = True
        if name in ("EXEC", "DISCARD"):
            multi = False
        args = len(words) - 1
        keys = {"GET": 1, "GETEX": 1, "GETDEL": 1, "HGET": 1, "MGET": args,
                "HMGET": args - 1}.get(name, 0)
        subs = None
        if name in ("SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE"):
            subs = args
        elif name in ("UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"):
            subs = args if args else -1
        pending.append({"name": name, "keys": keys, "queued": queued, "subs": subs,
                        "lookup": name in ("GET", "GETEX", "GETDEL", "HGET", "MGET", "HMGET"),
                        "multi": name in ("MGET", "HMGET")})
    transaction = []
    subscribed = False
    proto = 2

    def done(p, v, end, in_tx):
        err = error_type(v) if v is not None else ""
        keys, hits = p["keys"], 0
        if not p["lookup"] or err:
            keys = 0
        elif p["multi"]:
            if v[1] is None or len(v[1]) != keys:
                keys = 0
            else:
                hits = sum(1 for e in v[1] if not is_null(e))
        else:
            hits = 0 if is_null(v) else 1
        out.append((end, err or "-", keys, hits, 1 if in_tx else 0, p["name"]))

    for v, end in replies:
        first = v[1][0][1].decode("latin-1").lower() if v[0] in "*>" and v[1] and \
            v[1][0][0] in "$+" else ""
        pushable = v[0] == ">" or (v[0] == "*" and proto == 2 and
                                   (subscribed or (pending and pending[0]["subs"] is not None)))
        if pushable and first in ("message", "pmessage", "smessage"):
            continue
        if pushable and first.endswith("subscribe"):
            count = int(v[1][2][1])
            subscribed = count > 0 and proto == 2
            p = pending[0] if pending else None
            if p is None or p["subs"] is None or p["name"].lower() != first:
                while pending and pending[0]["subs"] is not None and "last" in pending[0]:
                    q = pending.pop(0)  # an UNSUBSCRIBE without channels ends here
                    done(q, ("+", b"OK"), q["last"], False)
                p = pending[0] if pending else None
                if p is None or p["subs"] is None or p["name"].lower() != first:
                    continue
            p["last"] = end
            if p["subs"] > 0:
                p["subs"] -= 1
                last = p["subs"] == 0
            else:
                last = count == 0
            if last:
                pending.pop(0)
                done(p, ("+", b"OK"), end, False)
            continue
        if v[0] == ">":
            continue
        while pending and pending[0]["subs"] is not None and "last" in pending[0]:
            p = pending.pop(0)
            done(p, ("+", b"OK"), p["last"], False)
        p = pending.pop(0)
        if p["queued"] and v == ("+", b"QUEUED"):
            transaction.append(p)
            continue
        if p["name"] == "EXEC":
            if v[0] == "*" and v[1] is not None:
                for q, result in zip(transaction, v[1]):
                    done(q, result, end, True)
            transaction = []
        if p["name"] == "DISCARD":
            transaction = []
        if p["name"] == "HELLO" and not error_type(v):
            fields = dict(zip(v[1][0::2], v[1][1::2]))
            proto = int(fields.get(("$", b"proto"), (":", b"2"))[1])
            if proto == 3:
                subscribed = False
        done(p, v, end, p["queued"])
    return out


# --------------------------------------------------------------------------------------------
# Conversations


def cmd(*words):
    out = b"*%d\r\n" % len(words)
    for w in words:
        w = w if isinstance(w, bytes) else str(w).encode()
        out += b"$%d\r\n%s\r\n" % (len(w), w)
    return out


def redis_cli(port, lines):
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(port)], input="\n".join(lines),
                   text=True, check=True, capture_output=True)


def conv_cli_basic(port):
    redis_cli(port, ["SET greeting hello", "GET greeting", "GET missing", "MGET greeting missing x",
                     "HSET h f1 v1 f2 v2", "HGET h f1", "HGET h nope", "HMGET h f1 nope f2",
                     "GETDEL greeting", "GETEX missing", "LPUSH alist a", "GET alist",
                     "NOSUCHCOMMAND x", "INCR counter", "DEL h alist counter"])


def conv_benchmark(port):
    subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-n", "40", "-P", "4",
                    "-c", "1", "-t", "set,get", "-q"], check=True, capture_output=True)


def conv_multi_exec(port):
    r = Raw(port)
    r.send(cmd("SET", "a", "1"))
    r.send(cmd("MULTI"), cmd("GET", "a"), cmd("INCR", "a"), cmd("MGET", "a", "nope"),
           cmd("LPUSH", "a", "x"), cmd("EXEC"))
    r.send(cmd("MULTI"))
    r.send(cmd("SET", "a"))
    r.send(cmd("GET", "a"))
    r.send(cmd("EXEC"))
    r.send(cmd("MULTI"), cmd("GET", "a"), cmd("DISCARD"))
    r.send(cmd("WATCH", "a"))
    other = Raw(port)
    other.send(cmd("SET", "a", "changed"))
    other.close()
    r.send(cmd("MULTI"), cmd("GET", "a"), cmd("EXEC"))
    r.send(cmd("DEL", "a"))
    r.close()


def conv_resp3(port):
    r = Raw(port)
    r.send(cmd("HELLO", "3"))
    r.send(cmd("HSET", "h", "f", "v"), cmd("SADD", "s", "m1", "m2"), cmd("SET", "k", "v"))
    r.send(cmd("GET", "missing"), cmd("HGETALL", "h"), cmd("SMEMBERS", "s"),
           cmd("INCRBYFLOAT", "fl", "1.5"), cmd("ZADD", "z", "1", "a"),
           cmd("ZSCORE", "z", "a"), cmd("MGET", "k", "missing"), cmd("EXISTS", "k"))
    r.send(cmd("CLIENT", "TRACKING", "on"), cmd("GET", "k"))
    other = Raw(port)
    other.send(cmd("SET", "k", "v2"))  # → an invalidation push on r
    other.close()
    r.send(cmd("GET", "k"), cmd("HGET", "h", "f"), cmd("LPUSH", "h", "x"))
    r.send(cmd("DEBUG", "PROTOCOL", "bignum"), cmd("DEBUG", "PROTOCOL", "verbatim"),
           cmd("DEBUG", "PROTOCOL", "attrib"), cmd("DEBUG", "PROTOCOL", "true"),
           cmd("DEBUG", "PROTOCOL", "null"), cmd("DEBUG", "PROTOCOL", "double"))
    r.send(cmd("DEL", "h", "s", "k", "fl", "z"))
    r.close()


def conv_pubsub(port):
    sub = Raw(port)
    sub.send(cmd("SUBSCRIBE", "news", "sport"))
    sub.send(cmd("PSUBSCRIBE", "n*"))
    pub = Raw(port)
    for i in range(5):
        pub.send(cmd("PUBLISH", "news", "hello %d" % i), settle=0.02)
    sub.send(cmd("PING"))
    pub.send(cmd("PUBLISH", "sport", "goal"))
    sub.send(cmd("UNSUBSCRIBE"))
    sub.send(cmd("PUNSUBSCRIBE"))
    sub.send(cmd("GET", "after"))
    pub.close()
    sub.close()


def conv_resp3_pubsub(port):
    sub = Raw(port)
    sub.send(cmd("HELLO", "3"))
    sub.send(cmd("SUBSCRIBE", "ch"))
    pub = Raw(port)
    for i in range(3):
        pub.send(cmd("PUBLISH", "ch", "m%d" % i), settle=0.02)
    sub.send(cmd("SET", "k", "v"), cmd("GET", "k"))
    pub.send(cmd("PUBLISH", "ch", "late"))
    sub.send(cmd("GET", "nokey"))
    sub.send(cmd("UNSUBSCRIBE", "ch"))
    pub.close()
    sub.close()


def conv_large_value(port):
    r = Raw(port)
    big = b"v" * (256 << 10)
    r.send(cmd("SET", "small", "1"))
    # Pipeline: small, big (header, value and trailer written separately as redis-py does), small.
    r.send(cmd("GET", "small") + b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n" % len(big), big,
           b"\r\n" + cmd("GET", "small"), settle=0.3)
    r.send(cmd("GET", "big"), cmd("GET", "small"), cmd("MGET", "small", "none"),
           settle=0.3)
    r.send(cmd("DEL", "big", "small"))
    r.close()


def conv_inline(port):
    r = Raw(port)
    r.send(b"PING\r\n")
    r.send(b"SET k v\r\nGET k\r\nget missing\r\n")
    r.send(b"mget k missing\r\n\r\nDEL k\r\n")
    r.close()


CONVERSATIONS = {
    "cli_basic": (conv_cli_basic, "redis-cli 7.0: SET/GET hit and miss, MGET, HGET, HMGET, GETDEL, "
                  "GETEX, a WRONGTYPE error and an unknown command"),
    "benchmark_pipeline": (conv_benchmark, "redis-benchmark -n 40 -P 4 -c 1 -t set,get (the "
                           "busiest connection: one test's 40 commands)"),
    "multi_exec": (conv_multi_exec, "raw client: MULTI/EXEC with results and an error in EXEC's "
                   "array, EXECABORT, DISCARD, WATCH aborted by another client (nil EXEC)"),
    "resp3": (conv_resp3, "raw client: HELLO 3, maps, sets, doubles, nulls, client-tracking "
              "invalidation push, DEBUG PROTOCOL bignum/verbatim/attrib/true/null/double"),
    "pubsub_resp2": (conv_pubsub, "raw subscriber: SUBSCRIBE two channels, PSUBSCRIBE, messages "
                     "published by another client, PING in pub/sub mode, UNSUBSCRIBE all"),
    "pubsub_resp3": (conv_resp3_pubsub, "raw subscriber after HELLO 3: push messages "
                     "interleaved with replies to SET/GET"),
    "large_value": (conv_large_value, "raw client: a 256 KiB value SET and GET between small "
                    "pipelined commands"),
    "inline": (conv_inline, "raw client: inline commands, an empty line"),
}


def write(path, source, records):
    write_capture(path, "redis", source,
                  [f"command: {end:d} {err} {keys:d} {hits:d} {tx:d} {name}"
                   for end, err, keys, hits, tx, name in expected_commands(records)],
                  records)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", action="append")
    parser.add_argument("--out", type=pathlib.Path, default=FIXTURES)
    args = parser.parse_args()
    if not shutil.which("redis-server"):
        sys.exit("failed to find redis-server: apt-get install redis-server")
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                   "--save", "", "--appendonly", "no", "--enable-debug-command", "yes", "--dir", tmp],
                                  stdout=subprocess.DEVNULL)
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
