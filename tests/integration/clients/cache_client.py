#!/usr/bin/env python3
"""Redis and memcached clients with known counts, for the agent's cache tests.

Runs one scenario and prints, as one JSON object on stdout, exactly what went over the wire.
Run with /usr/bin/python3 (memcached needs Debian's python3-pymemcache):

    cache_client.py SCENARIO --host 127.0.0.1 --port P [options]

Redis scenarios speak RESP over a raw socket (every command a RESP array of bulk strings), so
what is sent is exact; each prints "commands" {"NAME": n} (uppercase), "hits" and "misses" (per
key looked up by GET/HGET/MGET, a hit unless the reply is null), "keys_looked_up", "errors"
{"<error prefix>": n} ("ERR", "WRONGTYPE"), "writes" (send calls) and "request_bytes":

  counts [--sets N] [--hits N] [--misses N]
      N × SET hl:k<i> v<i>, then GET of existing keys (hits), then GET of missing keys, each
      command waiting for its reply.
  pipeline_big [--value-bytes 1048576] [--split]
      A pipeline in one write (or, with --split, one write per command, none waiting): SET
      hl:small v, SET hl:big <value-bytes of 'x'>, GET hl:small, GET hl:big, GET hl:missing;
      then the five replies. 2 hits, 1 miss; prints "reply_bytes" too.
  multi
      MULTI, SET hl:tx 1, GET hl:tx, INCR hl:tx, EXEC (each waiting): three commands queued,
      their results in EXEC's array (GET a hit); prints "in_transaction": 3.
  error
      SET hl:text hello, INCR hl:text (→ -ERR not an integer), LPUSH hl:text x (→ -WRONGTYPE).
  resp3
      HELLO 3, SET hl:r3 v, GET hl:r3 (hit), GET hl:r3-missing (miss, RESP3 null),
      HSET hl:h3 f v, HGET hl:h3 f (hit), HGET hl:h3 missing (miss).
  subscriber [--messages N]
      Connection "subscriber": SUBSCRIBE hl:ch; connection "publisher": N × PUBLISH hl:ch
      msg-<i> (each waiting for its reply, 1 receiver); the subscriber reads the N messages, then
      UNSUBSCRIBE hl:ch. Prints "connections" {"subscriber": {...}, "publisher": {...}} and
      "messages_received".
  client_reply
      CLIENT REPLY OFF, SET hl:q1 1, SET hl:q2 2, INCR hl:n in one write (no replies); CLIENT
      REPLY ON (OK), GET hl:q1 (hit); CLIENT REPLY SKIP, DEL hl:q2, GET hl:q2 in one write (only
      the GET answered: a miss); CLIENT REPLY SKIP, MULTI (silenced), SET hl:t 1 (QUEUED), EXEC;
      an empty request (*0) and PING in one write (only PONG). "commands" holds the answered
      commands; "unanswered" {"NAME": n} the silenced ones (8).

memcached scenario (pymemcache, Client with its defaults):

  memcached [--sets N]   (N >= 2)
      N × set k<i> v<i>  -- pymemcache's default_noreply=True: "set k<i> 0 0 <len> noreply"
      set counter 10     -- noreply=False: "set counter 0 0 2" → STORED
      get_many([k0, k1, missing-a, missing-b]) → one "get k0 k1 missing-a missing-b": 2 hits,
                            2 misses
      get k0 (hit), get missing-c (miss)
      delete k0          -- default noreply: "delete k0 noreply"
      delete missing-d with noreply=False → NOT_FOUND
      incr counter 5 → 15; incr missing-e 1 → NOT_FOUND (incr's noreply defaults to False)
  Prints "commands" {"verb": n} (lowercase, as on the wire), "noreply" {"verb": n} (the subset
  sent with noreply), "keys_looked_up", "hits", "misses", "lines" (every command line sent, data
  blocks left out).
"""

import argparse
import json
import socket
import sys
from collections import Counter

# --------------------------------------------------------------------------------------------
# Redis


def resp_command(*words):
    out = b"*%d\r\n" % len(words)
    for w in words:
        w = w if isinstance(w, bytes) else str(w).encode()
        out += b"$%d\r\n%s\r\n" % (len(w), w)
    return out


class Error(str):
    """An error reply."""


class Push(list):
    """A RESP3 push."""


class Redis:
    def __init__(self, args, stats):
        self.sock = socket.create_connection((args.host, args.port), timeout=10)
        self.buf = b""
        self.stats = stats
        self.sent = Counter()  # this connection's commands
        self.reply_bytes = 0

    def send(self, *commands, silenced=()):
        """Writes `commands` (lists of words) in one send call; those whose index is in
        `silenced` get no reply (CLIENT REPLY OFF/SKIP) and are counted as unanswered."""
        data = b""
        for i, words in enumerate(commands):
            data += resp_command(*words) if words else b"*0\r\n"
            if not words:
                continue  # an empty request: not a command
            name = words[0].upper()
            self.sent[name] += 1
            if i in silenced:
                self.stats.unanswered[name] += 1
            else:
                self.stats.commands[name] += 1
        self.sock.sendall(data)
        self.stats.writes += 1
        self.stats.request_bytes += len(data)

    def call(self, *words):
        self.send(words)
        return self.reply()

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        self.reply_bytes += len(line) + 2
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        self.reply_bytes += n + 2
        return data

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise EOFError("the server closed the connection")
        self.buf += data

    def reply(self):
        line = self._line()
        t, rest = chr(line[0]), line[1:]
        if t in "+":
            return rest.decode()
        if t in "-!":
            if t == "!":
                rest = self._exact(int(rest))
            return Error(rest.decode())
        if t in ":(":
            return int(rest)
        if t in ",":
            return float(rest)
        if t == "#":
            return rest == b"t"
        if t == "_":
            return None
        if t in "$=":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t in "*~>":
            n = int(rest)
            if n < 0:
                return None
            items = [self.reply() for _ in range(n)]
            return Push(items) if t == ">" else items
        if t in "%|":
            items = {}
            for _ in range(int(rest)):
                k = self.reply()
                items[k if not isinstance(k, list) else tuple(k)] = self.reply()
            return self.reply() if t == "|" else items  # an attribute precedes its value
        raise ValueError(f"unknown RESP type {line!r}")

    def close(self):
        self.sock.close()


class RedisStats:
    def __init__(self):
        self.commands = Counter()
        self.unanswered = Counter()
        self.errors = Counter()
        self.hits = 0
        self.misses = 0
        self.writes = 0
        self.request_bytes = 0

    def lookup(self, reply):
        """Counts a single-key lookup's reply."""
        if reply is None:
            self.misses += 1
        else:
            self.hits += 1
        return reply

    def check(self, reply, expect_error=None):
        if isinstance(reply, Error):
            self.errors[reply.split(" ")[0]] += 1
            if expect_error is None or not reply.startswith(expect_error):
                raise RuntimeError(f"unexpected error reply {reply!r}")
        elif expect_error is not None:
            raise RuntimeError(f"expected {expect_error}, got {reply!r}")
        return reply

    def report(self, **extra):
        out = {"commands": dict(self.commands), "hits": self.hits, "misses": self.misses,
               "keys_looked_up": self.hits + self.misses, "errors": dict(self.errors),
               "writes": self.writes, "request_bytes": self.request_bytes,
               "unanswered": dict(self.unanswered)}
        out.update(extra)
        return out


def expect(actual, wanted, what):
    if actual != wanted:
        raise RuntimeError(f"{what}: got {actual!r}, wanted {wanted!r}")


def scenario_counts(args):
    s = RedisStats()
    r = Redis(args, s)
    for i in range(args.sets):
        expect(s.check(r.call("SET", f"hl:k{i}", f"v{i}")), "OK", "SET")
    for i in range(args.hits):
        expect(s.lookup(r.call("GET", f"hl:k{i % max(args.sets, 1)}")) is not None, True, "GET")
    for i in range(args.misses):
        expect(s.lookup(r.call("GET", f"hl:missing{i}")), None, "GET missing")
    r.close()
    return s.report()


def scenario_pipeline_big(args):
    s = RedisStats()
    r = Redis(args, s)
    big = b"x" * args.value_bytes
    commands = [("SET", "hl:small", "v"), ("SET", "hl:big", big), ("GET", "hl:small"),
                ("GET", "hl:big"), ("GET", "hl:missing")]
    if args.split:
        for c in commands:
            r.send(c)
    else:
        r.send(*commands)
    replies = [r.reply() for _ in commands]
    expect(replies[:2], ["OK", "OK"], "SETs")
    expect(s.lookup(replies[2]), b"v", "GET hl:small")
    expect(s.lookup(replies[3]) == big, True, "GET hl:big")
    expect(s.lookup(replies[4]), None, "GET hl:missing")
    r.close()
    return s.report(reply_bytes=r.reply_bytes, value_bytes=args.value_bytes)


def scenario_multi(args):
    s = RedisStats()
    r = Redis(args, s)
    expect(r.call("MULTI"), "OK", "MULTI")
    for words in (("SET", "hl:tx", "1"), ("GET", "hl:tx"), ("INCR", "hl:tx")):
        expect(r.call(*words), "QUEUED", words[0])
    results = r.call("EXEC")
    expect(results[0], "OK", "SET in EXEC")
    s.lookup(results[1])
    expect(results[1:], [b"1", 2], "GET and INCR in EXEC")
    r.close()
    return s.report(in_transaction=3)


def scenario_error(args):
    s = RedisStats()
    r = Redis(args, s)
    expect(s.check(r.call("SET", "hl:text", "hello")), "OK", "SET")
    s.check(r.call("INCR", "hl:text"), expect_error="ERR")
    s.check(r.call("LPUSH", "hl:text", "x"), expect_error="WRONGTYPE")
    r.close()
    return s.report()


def scenario_resp3(args):
    s = RedisStats()
    r = Redis(args, s)
    hello = r.call("HELLO", "3")
    expect(isinstance(hello, dict) and hello.get(b"proto"), 3, "HELLO 3")
    expect(r.call("SET", "hl:r3", "v"), "OK", "SET")
    expect(s.lookup(r.call("GET", "hl:r3")), b"v", "GET hit")
    expect(s.lookup(r.call("GET", "hl:r3-missing")), None, "GET miss")
    expect(r.call("HSET", "hl:h3", "f", "v"), 1, "HSET")
    expect(s.lookup(r.call("HGET", "hl:h3", "f")), b"v", "HGET hit")
    expect(s.lookup(r.call("HGET", "hl:h3", "missing")), None, "HGET miss")
    r.close()
    return s.report()


def scenario_subscriber(args):
    s = RedisStats()
    sub = Redis(args, s)
    expect(sub.call("SUBSCRIBE", "hl:ch"), [b"subscribe", b"hl:ch", 1], "SUBSCRIBE")
    pub = Redis(args, s)
    for i in range(args.messages):
        expect(pub.call("PUBLISH", "hl:ch", f"msg-{i}"), 1, "PUBLISH")
    received = 0
    for i in range(args.messages):
        expect(sub.reply(), [b"message", b"hl:ch", f"msg-{i}".encode()], "message")
        received += 1
    expect(sub.call("UNSUBSCRIBE", "hl:ch"), [b"unsubscribe", b"hl:ch", 0], "UNSUBSCRIBE")
    pub.close()
    sub.close()
    return s.report(messages_received=received,
                    connections={"subscriber": dict(sub.sent), "publisher": dict(pub.sent)})


def scenario_client_reply(args):
    s = RedisStats()
    r = Redis(args, s)
    r.send(("CLIENT", "REPLY", "OFF"), ("SET", "hl:q1", "1"), ("SET", "hl:q2", "2"),
           ("INCR", "hl:n"), silenced=(0, 1, 2, 3))
    expect(r.call("CLIENT", "REPLY", "ON"), "OK", "CLIENT REPLY ON")
    expect(s.lookup(r.call("GET", "hl:q1")), b"1", "GET after OFF")
    r.send(("CLIENT", "REPLY", "SKIP"), ("DEL", "hl:q2"), ("GET", "hl:q2"), silenced=(0, 1))
    expect(s.lookup(r.reply()), None, "GET after SKIP")
    r.send(("CLIENT", "REPLY", "SKIP"), ("MULTI",), ("SET", "hl:t", "1"), silenced=(0, 1))
    expect(r.reply(), "QUEUED", "SET queued")
    expect(r.call("EXEC"), ["OK"], "EXEC")
    r.send((), ("PING",))
    expect(r.reply(), "PONG", "PING after *0")
    r.close()
    return s.report()


# --------------------------------------------------------------------------------------------
# memcached


class RecordingSocket:
    """Wraps pymemcache's socket to keep the command lines it sends."""

    def __init__(self, sock, lines):
        self._sock = sock
        self._lines = lines
        self._pending = b""
        self._skip = 0  # bytes of a data block (and its CRLF) still to come

    def sendall(self, data):
        self._record(data)
        return self._sock.sendall(data)

    def _record(self, data):
        self._pending += data
        while True:
            if self._skip:
                n = min(self._skip, len(self._pending))
                self._pending = self._pending[n:]
                self._skip -= n
                if self._skip:
                    return
            if b"\r\n" not in self._pending:
                return
            line, self._pending = self._pending.split(b"\r\n", 1)
            words = line.decode("latin-1").split()
            self._lines.append(line.decode("latin-1"))
            if words and words[0] in ("set", "add", "replace", "append", "prepend", "cas"):
                self._skip = int(words[4]) + 2

    def __getattr__(self, name):
        return getattr(self._sock, name)


def scenario_memcached(args):
    from pymemcache.client.base import Client

    if args.sets < 2:
        raise SystemExit("memcached needs --sets >= 2")
    lines = []
    client = Client((args.host, args.port), connect_timeout=10, timeout=10)
    client._connect()
    client.sock = RecordingSocket(client.sock, lines)

    hits = misses = 0

    def looked_up(value):
        nonlocal hits, misses
        if value is None:
            misses += 1
        else:
            hits += 1
        return value

    for i in range(args.sets):
        expect(client.set(f"k{i}", f"v{i}"), True, "set noreply")
    expect(client.set("counter", "10", noreply=False), True, "set counter")
    keys = ["k0", "k1", "missing-a", "missing-b"]
    found = client.get_many(keys)
    expect(found, {"k0": b"v0", "k1": b"v1"}, "get_many")
    hits += len(found)
    misses += len(keys) - len(found)
    expect(looked_up(client.get("k0")), b"v0", "get k0")
    expect(looked_up(client.get("missing-c")), None, "get missing-c")
    expect(client.delete("k0"), True, "delete noreply")
    expect(client.delete("missing-d", noreply=False), False, "delete missing-d")
    expect(client.incr("counter", 5), 15, "incr counter")
    expect(client.incr("missing-e", 1), None, "incr missing-e")
    client.close()

    commands, noreply = Counter(), Counter()
    for line in lines:
        words = line.split()
        commands[words[0]] += 1
        if words[-1] == "noreply":
            noreply[words[0]] += 1
    return {"commands": dict(commands), "noreply": dict(noreply), "hits": hits,
            "misses": misses, "keys_looked_up": hits + misses, "lines": lines}


SCENARIOS = {
    "counts": scenario_counts,
    "pipeline_big": scenario_pipeline_big,
    "multi": scenario_multi,
    "error": scenario_error,
    "resp3": scenario_resp3,
    "subscriber": scenario_subscriber,
    "client_reply": scenario_client_reply,
    "memcached": scenario_memcached,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", choices=SCENARIOS)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--sets", type=int, default=10)
    parser.add_argument("--hits", type=int, default=10)
    parser.add_argument("--misses", type=int, default=5)
    parser.add_argument("--value-bytes", type=int, default=1 << 20)
    parser.add_argument("--split", action="store_true")
    parser.add_argument("--messages", type=int, default=5)
    args = parser.parse_args()
    result = SCENARIOS[args.scenario](args)
    result["scenario"] = args.scenario
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    sys.exit(main())
