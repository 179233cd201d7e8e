#!/usr/bin/env python3
"""Records real PostgreSQL v3 client conversations as fixtures for the postgres parser tests.

Starts a throwaway PostgreSQL 15 server on 127.0.0.1 (initdb into a temp dir, run as the
`postgres` user when started as root, since initdb refuses root; scram-sha-256 password auth so
the SASL exchange is recorded), puts a recording TCP proxy in front of it, drives each
conversation with psql or pgbench, and writes what crossed the proxy to
tests/fixtures/postgres/<name>.txt. Standard library only.

    python3 tests/capture/record_postgres.py              # record every capture
    python3 tests/capture/record_postgres.py --only psql_error --out /tmp/x

Each recv() of the proxy is one record, in order: the nearest thing to the client's syscalls a
user-space recorder can see. Only the busiest connection of a conversation is kept. Format (read
by tests/unit/protocols/fixture.h):

    # hostlens-postgres-capture v1
    # source: <client and what the conversation does>
    # query: <end> <error|-> <prepared 0|1> <sql, with \\ \\n \\r \\t escaped>
    > <n>            n bytes sent by the client (frontend), then a newline
    < <n>            n bytes sent by the server (backend), then a newline

`# query:` lines are what a client-side parser must report, in order, computed by the small
independent framer and matcher below (one query per simple 'Q' ended by ReadyForQuery; one per
Execute ended by CommandComplete / EmptyQueryResponse / PortalSuspended / ErrorResponse;
Executes the server skipped after an error are not queries). <end> is the offset, in the whole
recording (all records concatenated in order), just past the byte that completes the query.
"""

import argparse
import os
import pathlib
import shutil
import socket
import struct
import subprocess
import sys
import tempfile

from capture_proxy import escape, record, write_capture

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "postgres"
PASSWORD = "hostlens-pw"

# --------------------------------------------------------------------------------------------
# Independent framer and matcher (fully captured bytes only)


def frame(data, startup):
    """Yields (type, payload, end_offset_in_direction). Startup-phase messages have type None."""
    pos = 0
    expect_single = 0
    while pos < len(data):
        if startup:
            length, code = struct.unpack(">II", data[pos:pos + 8])
            yield None, data[pos + 4:pos + length], pos + length
            pos += length
            if code in (80877103, 80877104):
                continue  # the server answers one byte; another startup packet may follow
            startup = False
            continue
        t = data[pos:pos + 1]
        if t in (b"N", b"S", b"G") and startup is None:
            pass
        (length,) = struct.unpack(">I", data[pos + 1:pos + 5])
        yield t, data[pos + 5:pos + 1 + length], pos + 1 + length
        pos += 1 + length


def backend_frame(data, single_bytes):
    pos = 0
    for _ in range(single_bytes):
        yield b"single", b"", pos + 1
        pos += 1
    for t, payload, end in frame(data[pos:], False):
        yield t, payload, pos + end


def cstr(payload, pos):
    end = payload.index(b"\0", pos)
    return payload[pos:end].decode("utf-8", "replace"), end + 1


def expected_queries(records):
    # Offsets of each direction's bytes in the whole recording.
    whole = {">": [], "<": []}
    offset = 0
    for d, data in records:
        for i in range(len(data)):
            whole[d].append(offset + i)
        offset += len(data)
    front = b"".join(data for d, data in records if d == ">")
    back = b"".join(data for d, data in records if d == "<")

    front_msgs = list(frame(front, True))
    singles = sum(1 for t, p, _ in front_msgs
                  if t is None and struct.unpack(">I", p[:4])[0] in (80877103, 80877104))
    back_msgs = list(backend_frame(back, singles))

    # Frontend: the sequence of pending items, each with its place in time (whole offset).
    pending = []  # dicts: kind simple/execute/sync, sql, prepared
    statements, portals = {}, {}
    for t, p, end in front_msgs:
        at = whole[">"][end - 1]
        if t == b"Q":
            pending.append({"kind": "simple", "sql": cstr(p, 0)[0], "prepared": False, "at": at})
        elif t == b"P":
            name, pos = cstr(p, 0)
            statements[name] = cstr(p, pos)[0]
        elif t == b"B":
            portal, pos = cstr(p, 0)
            stmt, _ = cstr(p, pos)
            portals[portal] = (statements.get(stmt, ""), stmt != "")
        elif t == b"E":
            portal, _ = cstr(p, 0)
            sql, prepared = portals.get(portal, ("", False))
            pending.append({"kind": "execute", "sql": sql, "prepared": prepared, "at": at})
        elif t == b"S":
            pending.append({"kind": "sync", "at": at})

    # Backend, consumed in time order against the frontend's pending items (a response never
    # precedes its request in a recording, so order of the whole stream is enough).
    out = []
    queue = []
    front_i = 0
    skipping = False
    error = None
    for t, p, end in back_msgs:
        at = whole["<"][end - 1]
        while front_i < len(pending) and pending[front_i]["at"] < at:
            queue.append(pending[front_i])
            front_i += 1
        if t in (b"C", b"I", b"s"):
            if queue and queue[0]["kind"] == "execute":
                q = queue.pop(0)
                out.append((at + 1, "-", q))
        elif t == b"E":
            fields = {}
            pos = 0
            while pos < len(p) and p[pos] != 0:
                code = chr(p[pos])
                value, pos = cstr(p, pos + 1)
                fields[code] = value
            sqlstate = fields.get("C", "")
            if queue and queue[0]["kind"] == "execute":
                q = queue.pop(0)
                out.append((at + 1, sqlstate, q))
                skipping = True
            elif queue and queue[0]["kind"] == "simple":
                if error is None:
                    error = sqlstate
            elif queue and queue[0]["kind"] == "sync":
                pass
        elif t == b"Z":
            while queue and queue[0]["kind"] == "execute":
                queue.pop(0)  # skipped by the server after an error
            if queue:
                q = queue.pop(0)
                if q["kind"] == "simple":
                    out.append((at + 1, error or "-", q))
            error = None
            skipping = False
    del skipping
    return out


# --------------------------------------------------------------------------------------------
# Server


class Server:
    def __init__(self):
        bindir = pathlib.Path("/usr/lib/postgresql/15/bin")
        if not (bindir / "initdb").exists():
            sys.exit("PostgreSQL 15 not installed: apt-get install -y postgresql")
        self.bindir = bindir
        self.tmp = tempfile.mkdtemp(prefix="hostlens-pg-")
        os.chmod(self.tmp, 0o777)
        self.data = os.path.join(self.tmp, "data")
        pwfile = os.path.join(self.tmp, "pw")
        with open(pwfile, "w") as f:
            f.write(PASSWORD + "\n")
        os.chmod(pwfile, 0o644)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.run([str(bindir / "initdb"), "-D", self.data, "-U", "postgres",
                  "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--locale=C"])
        self.run([str(bindir / "pg_ctl"), "-D", self.data, "-w", "-l",
                  os.path.join(self.tmp, "log"), "-o",
                  f"-h 127.0.0.1 -p {self.port} -k {self.tmp} -c fsync=off", "start"])
        env = self.env()
        subprocess.run(["pgbench", "-i", "-q", "-s", "1", "-h", "127.0.0.1", "-p",
                        str(self.port), "-U", "postgres", "postgres"], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def run(self, argv):
        if os.geteuid() == 0:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)

    def env(self):
        env = dict(os.environ)
        env.update(PGPASSWORD=PASSWORD, PGUSER="postgres", PGDATABASE="postgres",
                   PGAPPNAME="record_postgres", PGSSLMODE="prefer")
        return env

    def stop(self):
        try:
            self.run([str(self.bindir / "pg_ctl"), "-D", self.data, "-m", "fast", "stop"])
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


def psql(server, port, *args):
    subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(port), *args],
                   env=server.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def pgbench(server, port, *args, script=None):
    argv = ["pgbench", "-h", "127.0.0.1", "-p", str(port), "-c", "1", "-n", *args]
    if script is not None:
        path = os.path.join(server.tmp, "script.sql")
        with open(path, "w") as f:
            f.write(script)
        argv += ["-f", path]
    subprocess.run(argv, env=server.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


PIPELINE = """\\startpipeline
select 1;
select abalance from pgbench_accounts where aid = 7;
select * from hostlens_missing_table;
select 3;
\\endpipeline
"""

CONVERSATIONS = {
    "psql_simple": ("psql 15: SSLRequest answered N, SCRAM auth, simple queries incl. two "
                    "statements in one Q and an empty query",
                    lambda s, p: psql(s, p, "-c", "select 1", "-c",
                                      "select count(*) from pgbench_branches; select 2",
                                      "-c", "begin; update pgbench_tellers set tbalance = 0 "
                                      "where tid = 1; commit", "-c", ";")),
    "psql_error": ("psql 15: undefined table (42P01), division by zero (22012), then a good query",
                   lambda s, p: psql(s, p, "-c", "select * from hostlens_missing_table",
                                     "-c", "select 1/0", "-c", "select 42")),
    "psql_large_result": ("psql 15: one query returning ~300 KB of DataRows",
                          lambda s, p: psql(s, p, "-c", "select repeat('x', 150) from "
                                            "generate_series(1, 2000)")),
    "psql_copy": ("psql 15: COPY TO STDOUT and COPY FROM STDIN in simple queries",
                  lambda s, p: psql(s, p, "-c", "copy (select * from pgbench_branches) to stdout",
                                    "-c", "create temp table t(a int)", "-c",
                                    "\\copy t from program 'seq 1 50'", "-c",
                                    "select count(*) from t")),
    "pgbench_simple": ("pgbench -M simple -S -t 3 (select-only)",
                       lambda s, p: pgbench(s, p, "-M", "simple", "-S", "-t", "3")),
    "pgbench_extended": ("pgbench -M extended -t 2 (TPC-B-like: unnamed statements)",
                         lambda s, p: pgbench(s, p, "-M", "extended", "-t", "2")),
    "pgbench_prepared": ("pgbench -M prepared -t 2 (TPC-B-like: named prepared statements)",
                         lambda s, p: pgbench(s, p, "-M", "prepared", "-t", "2")),
    "pgbench_prepared_error": ("pgbench -M prepared: a prepared statement on a missing table "
                               "(42P01 at Parse)",
                               lambda s, p: pgbench(s, p, "-M", "prepared", "-t", "1",
                                                    script="select 1;\nselect * from "
                                                    "hostlens_missing_table;\n")),
    "pgbench_pipeline_error": ("pgbench -M extended: a pipeline of 4 Executes before one Sync, "
                               "the third fails (42P01), the fourth is skipped",
                               lambda s, p: pgbench(s, p, "-M", "extended", "-t", "1",
                                                    script=PIPELINE)),
}


def write_fixture(path, source, records):
    queries = expected_queries(records)
    write_capture(path, "postgres", source,
                  [f"query: {end} {err} {1 if q['prepared'] else 0} {escape(q['sql'])}"
                   for end, err, q in queries],
                  records)
    return queries


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", action="append")
    parser.add_argument("--out", default=str(FIXTURES))
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    server = Server()
    try:
        for name, (source, conversation) in CONVERSATIONS.items():
            if args.only and name not in args.only:
                continue
            recording = record(server.port, lambda p: conversation(server, p))
            queries = write_fixture(out / f"{name}.txt", source, recording.records)
            size = sum(len(d) for _, d in recording.records)
            print(f"{name}: {len(recording.records)} records, {size} bytes, "
                  f"{len(queries)} queries")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
