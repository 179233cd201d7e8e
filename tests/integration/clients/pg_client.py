#!/usr/bin/env python3
"""A PostgreSQL client with known counts, for the agent's PostgreSQL tests.

Runs one scenario and prints, as one JSON object on stdout, what it sent. Run with
/usr/bin/python3 (Debian's python3-psycopg2):

    pg_client.py SCENARIO --host 127.0.0.1 --port P --dbname hostlens --user postgres [options]
    pg_client.py SCENARIO --host <socket dir> --port P ...     # over the Unix socket

Every scenario connects once (libpq startup, trust authentication; over TCP libpq's default
sslmode=prefer first sends an SSLRequest, which the test server answers 'N') with autocommit on,
so psycopg2 sends each statement as one simple-protocol Query ('Q') message and nothing else: no
BEGIN/COMMIT, no setup queries.

psycopg2 interpolates parameters on the client: cursor.execute("... %s", (x,)) sends the SQL
text with x quoted into it as a literal (the "sql" printed is cursor.query, what was sent). Only
the `bind_canary` scenario uses the extended protocol, with a small hand-written client, because
psycopg2 cannot send bind values.

Scenarios and what each prints (besides "scenario"):

  counts [--inserts N] [--selects N] [--updates N] [--deletes N] [--table items]
      DROP TABLE IF EXISTS <table>; CREATE TABLE <table> (...); then N INSERT INTO <table>, N
      SELECT ... FROM <table> WHERE id = <i>, N UPDATE <table>, N DELETE FROM <table>, each its
      own statement.
  errors [--count N]
      N × SELECT * FROM hostlens_missing_table, each answered by ErrorResponse 42P01.
  slow [--sleep 0.3] [--canary TEXT]
      SELECT pg_sleep(<sleep>), '<canary>' AS canary; prints "elapsed_seconds".
  big [--rows 10000] [--width 1000]
      SELECT repeat('x', <width>) FROM generate_series(1, <rows>): ~10 MB of DataRows; prints
      "elapsed_seconds", "rows", "value_bytes" (rows × width) and "datarow_bytes" (the DataRow
      messages on the wire: rows × (11 + width)).
  canary --canary TEXT [--count N]
      N × SELECT '<TEXT>' AS canary (the literal in the SQL text).
  bind_canary --canary TEXT [--ssl]
      Extended protocol, one write: Parse(unnamed, "SELECT $1::text AS canary", no types),
      Bind(unnamed portal, one text parameter = TEXT), Describe(portal), Execute(portal, 0),
      Sync; then Terminate. TEXT is only in Bind, never in the SQL text. With --ssl: over TCP,
      SSLRequest first, and the rest inside TLS (Python's ssl module, certificate not checked),
      as libpq's sslmode=require does. (psycopg2's scenarios take TLS from PGSSLMODE.)

Common output: "queries" {"<OPERATION> <table>": n, ...} for every statement sent, keyed as the
agent's SQL normalizer labels it (the operation, then the main table if the statement has one;
CREATE/DROP and SELECT without FROM have none: "CREATE", "SELECT"); "total"; "errors"
{"<SQLSTATE>": n}; "sql": the distinct SQL texts sent, in order.
"""

import argparse
import json
import os
import socket
import ssl
import struct
import sys
import time
from collections import Counter

import psycopg2


class Session:
    """A psycopg2 connection that counts what it sends."""

    def __init__(self, args):
        self.conn = psycopg2.connect(host=args.host, port=args.port, dbname=args.dbname,
                                     user=args.user, application_name="hostlens-pg-client",
                                     connect_timeout=10)
        self.conn.autocommit = True
        self.cur = self.conn.cursor()
        self.queries = Counter()
        self.errors = Counter()
        self.sql = []

    def run(self, key, sql, params=None, expect_error=None):
        """Runs one statement labelled `key`; returns its rows (None if it has none)."""
        self.queries[key] += 1
        try:
            self.cur.execute(sql, params)
            rows = self.cur.fetchall() if self.cur.description is not None else None
        except psycopg2.Error as e:
            self.errors[e.pgcode] += 1
            self._remember(self.cur.query)
            if expect_error is None or e.pgcode != expect_error:
                raise
            return None
        self._remember(self.cur.query)
        if expect_error is not None:
            raise RuntimeError(f"{key}: expected error {expect_error}, got none")
        return rows

    def _remember(self, query):
        text = query.decode() if isinstance(query, bytes) else str(query)
        if text not in self.sql:
            self.sql.append(text)

    def report(self, **extra):
        out = {"queries": dict(self.queries), "total": sum(self.queries.values()),
               "errors": dict(self.errors), "sql": self.sql}
        out.update(extra)
        return out

    def close(self):
        self.cur.close()
        self.conn.close()


def scenario_counts(args):
    s = Session(args)
    t = args.table
    s.run("DROP", f"DROP TABLE IF EXISTS {t}")
    s.run("CREATE", f"CREATE TABLE {t} (id int PRIMARY KEY, name text, qty int)")
    for i in range(1, args.inserts + 1):
        s.run(f"INSERT {t}", f"INSERT INTO {t} (id, name, qty) VALUES (%s, %s, %s)",
              (i, f"name-{i}", i))
    rows = 0
    for i in range(args.selects):
        rows += len(s.run(f"SELECT {t}", f"SELECT name, qty FROM {t} WHERE id = %s",
                          (1 + i % max(args.inserts, 1),)))
    for i in range(args.updates):
        s.run(f"UPDATE {t}", f"UPDATE {t} SET qty = qty + 1 WHERE id = %s",
              (1 + i % max(args.inserts, 1),))
    for i in range(args.deletes):
        s.run(f"DELETE {t}", f"DELETE FROM {t} WHERE id = %s", (1 + i,))
    s.close()
    return s.report(rows=rows)


def scenario_errors(args):
    s = Session(args)
    for _ in range(args.count):
        s.run("SELECT hostlens_missing_table", "SELECT * FROM hostlens_missing_table",
              expect_error="42P01")
    s.close()
    return s.report()


def scenario_slow(args):
    s = Session(args)
    start = time.monotonic()
    s.run("SELECT", "SELECT pg_sleep(%s), %s AS canary", (args.sleep, args.canary))
    elapsed = time.monotonic() - start
    s.close()
    return s.report(elapsed_seconds=elapsed)


def scenario_big(args):
    s = Session(args)
    start = time.monotonic()
    rows = s.run("SELECT", "SELECT repeat('x', %s) FROM generate_series(1, %s)",
                 (args.width, args.rows))
    elapsed = time.monotonic() - start
    s.close()
    value_bytes = sum(len(r[0]) for r in rows)
    # DataRow: 'D', int32 length, int16 column count, int32 value length, the value.
    return s.report(elapsed_seconds=elapsed, rows=len(rows), value_bytes=value_bytes,
                    datarow_bytes=len(rows) * 11 + value_bytes)


def scenario_canary(args):
    s = Session(args)
    for _ in range(args.count):
        rows = s.run("SELECT", "SELECT %s AS canary", (args.canary,))
        if rows != [(args.canary,)]:
            raise RuntimeError(f"unexpected result {rows!r}")
    s.close()
    return s.report(canary=args.canary)


# --------------------------------------------------------------------------------------------
# A minimal extended-protocol client (trust authentication only), for bind values


def message(kind, payload):
    return kind + struct.pack(">I", len(payload) + 4) + payload


def cstring(text):
    return text.encode() + b"\0"


class RawConnection:
    def __init__(self, args):
        if args.host.startswith("/"):
            self.sock = socket.socket(socket.AF_UNIX)
            self.sock.settimeout(10)
            self.sock.connect(os.path.join(args.host, f".s.PGSQL.{args.port}"))
        else:
            self.sock = socket.create_connection((args.host, args.port), timeout=10)
            if args.ssl:
                self.sock.sendall(struct.pack(">II", 8, 80877103))  # SSLRequest
                if self.sock.recv(1) != b"S":
                    raise RuntimeError("the server refused TLS")
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                self.sock = context.wrap_socket(self.sock)
        self.buf = b""
        params = b"".join(cstring(k) + cstring(v) for k, v in
                          (("user", args.user), ("database", args.dbname),
                           ("application_name", "hostlens-pg-client"))) + b"\0"
        body = struct.pack(">I", 196608) + params
        self.sock.sendall(struct.pack(">I", len(body) + 4) + body)
        for kind, payload in self.until_ready():
            if kind == b"R" and struct.unpack(">I", payload[:4])[0] != 0:
                raise RuntimeError("the server asks for a password; only trust is supported")

    def read(self):
        while True:
            if len(self.buf) >= 5:
                (length,) = struct.unpack(">I", self.buf[1:5])
                if len(self.buf) >= 1 + length:
                    kind, payload = self.buf[:1], self.buf[5:1 + length]
                    self.buf = self.buf[1 + length:]
                    return kind, payload
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("the server closed the connection")
            self.buf += data

    def until_ready(self):
        """The messages up to and including ReadyForQuery; raises on ErrorResponse."""
        out = []
        while True:
            kind, payload = self.read()
            if kind == b"E":
                fields = dict((chr(f[0]), f[1:].decode()) for f in payload.split(b"\0") if f)
                raise RuntimeError(f"server error {fields.get('C')}: {fields.get('M')}")
            out.append((kind, payload))
            if kind == b"Z":
                return out

    def close(self):
        self.sock.sendall(message(b"X", b""))
        self.sock.close()


def scenario_bind_canary(args):
    sql = "SELECT $1::text AS canary"
    conn = RawConnection(args)
    value = args.canary.encode()
    parse = message(b"P", cstring("") + cstring(sql) + struct.pack(">H", 0))
    bind = message(b"B", cstring("") + cstring("") + struct.pack(">H", 0) +
                   struct.pack(">H", 1) + struct.pack(">i", len(value)) + value +
                   struct.pack(">H", 0))
    describe = message(b"D", b"P" + cstring(""))
    execute = message(b"E", cstring("") + struct.pack(">I", 0))
    sync = message(b"S", b"")
    conn.sock.sendall(parse + bind + describe + execute + sync)
    returned = None
    for kind, payload in conn.until_ready():
        if kind == b"D":
            (length,) = struct.unpack(">i", payload[2:6])
            returned = payload[6:6 + length].decode()
    conn.close()
    if returned != args.canary:
        raise RuntimeError(f"the server returned {returned!r}")
    return {"queries": {"SELECT": 1}, "total": 1, "errors": {}, "sql": [sql],
            "bind_values": [args.canary], "canary": args.canary}


SCENARIOS = {
    "counts": scenario_counts,
    "errors": scenario_errors,
    "slow": scenario_slow,
    "big": scenario_big,
    "canary": scenario_canary,
    "bind_canary": scenario_bind_canary,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scenario", choices=SCENARIOS)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dbname", default="hostlens")
    parser.add_argument("--user", default="postgres")
    parser.add_argument("--table", default="items")
    parser.add_argument("--inserts", type=int, default=10)
    parser.add_argument("--selects", type=int, default=10)
    parser.add_argument("--updates", type=int, default=5)
    parser.add_argument("--deletes", type=int, default=3)
    parser.add_argument("--count", type=int, default=5)
    parser.add_argument("--sleep", type=float, default=0.3)
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--width", type=int, default=1000)
    parser.add_argument("--canary", default="hostlens-canary-7f3a")
    parser.add_argument("--ssl", action="store_true")
    args = parser.parse_args()
    result = SCENARIOS[args.scenario](args)
    result["scenario"] = args.scenario
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    sys.exit(main())
