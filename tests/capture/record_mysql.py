#!/usr/bin/env python3
"""Records real MySQL/MariaDB client conversations as fixtures for the mysql parser tests.

Starts a throwaway MariaDB server (Debian `mariadb-server`: mariadb-install-db into a temp dir,
mariadbd on 127.0.0.1 only, no networking beyond loopback), creates a password user over the
server's Unix socket, puts a recording TCP proxy in front of it, drives each conversation with
the `mariadb` command-line client or with the small binary-protocol client below (for
COM_STMT_PREPARE/EXECUTE/CLOSE and COM_PING, which the command-line client cannot send), or
with the integration tests' libmariadb client (`libmariadb_client`: build the `mysql_client`
target; found as build*/tests/mysql_client or given with --mysql-client), and
writes what crossed the proxy to tests/fixtures/mysql/<name>.txt. Standard library only.

    python3 tests/capture/record_mysql.py              # record every capture
    python3 tests/capture/record_mysql.py --only cli_error --out /tmp/x

Each recv() of the proxy is one record, in order. Format (read by
tests/unit/protocols/fixture.h), the same as the postgres fixtures:

    # hostlens-mysql-capture v1
    # source: <client and what the conversation does>
    # query: <end> <error|-> <prepared 0|1> <sql, with \\ \\n \\r \\t escaped>
    > <n>            n bytes sent by the client, then a newline
    < <n>            n bytes sent by the server, then a newline

`# query:` lines are what a client-side parser must report, in order, computed by the small
independent framer and matcher below: one query per COM_QUERY and per COM_STMT_EXECUTE (with
the SQL of its COM_STMT_PREPARE), plus one per COM_STMT_PREPARE answered by ERR; the error is
the ERR packet's code in decimal. <end> is the offset, in the whole recording, just past the
byte that completes the query's response.
"""

import argparse
import hashlib
import os
import pathlib
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

from capture_proxy import escape, record, write_capture

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "mysql"
USER = "hostlens"
PASSWORD = "hostlens-pw"
DEPRECATE_EOF = 1 << 24
MORE_RESULTS = 0x0008

# --------------------------------------------------------------------------------------------
# Independent framer and matcher (fully captured bytes only)


def packets(data):
    """Yields (seq, payload, end_offset); a 0xffffff packet's continuations are appended."""
    pos = 0
    while pos + 4 <= len(data):
        length = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16
        yield data[pos + 3], data[pos + 4:pos + 4 + length], pos + 4 + length
        pos += 4 + length


def lenenc(p, pos):
    b = p[pos]
    if b < 0xfb:
        return b, pos + 1
    if b == 0xfc:
        return struct.unpack_from("<H", p, pos + 1)[0], pos + 3
    if b == 0xfd:
        return int.from_bytes(p[pos + 1:pos + 4], "little"), pos + 4
    return struct.unpack_from("<Q", p, pos + 1)[0], pos + 9


def ok_status(p):
    _, pos = lenenc(p, 1)
    _, pos = lenenc(p, pos)
    return struct.unpack_from("<H", p, pos)[0]


def expected_queries(records):
    whole = {">": [], "<": []}
    offset = 0
    for d, data in records:
        whole[d].extend(range(offset, offset + len(data)))
        offset += len(data)
    front = list(packets(b"".join(x for d, x in records if d == ">")))
    back = list(packets(b"".join(x for d, x in records if d == "<")))
    events = [(whole[">"][e - 1], ">", s, p) for s, p, e in front]
    events += [(whole["<"][e - 1], "<", s, p) for s, p, e in back]
    events.sort(key=lambda e: e[0])

    caps = {"server": 0, "client": 0}
    phase = "start"
    statements = {}
    out = []
    cur = None  # the command being answered
    for at, d, seq, p in events:
        if d == ">":
            if seq != 0 or not p:
                if phase == "handshake" and seq == 1:
                    caps["client"] = struct.unpack_from("<I", p, 0)[0]
                continue
            phase = "command"
            cmd = p[0]
            cur = {"cmd": cmd, "state": "first", "sql": "", "prepared": False}
            if cmd == 0x03:
                cur["sql"] = p[1:].decode("utf-8", "replace")
            elif cmd == 0x16:
                cur["sql"] = p[1:].decode("utf-8", "replace")
                cur["prepared"] = True
            elif cmd == 0x17:
                cur["sql"] = statements.get(struct.unpack_from("<I", p, 1)[0], "")
                cur["prepared"] = True
            elif cmd in (0x01, 0x19, 0x18):
                cur = None  # no response
            continue
        if phase == "start" and seq == 0 and p[:1] == b"\x0a":
            version_end = p.index(b"\0", 1)
            q = version_end + 1 + 4 + 8 + 1
            caps["server"] = struct.unpack_from("<H", p, q)[0] | (
                struct.unpack_from("<H", p, q + 5)[0] << 16)
            phase = "handshake"
            continue
        if phase == "handshake":
            if p[:1] in (b"\x00", b"\xff"):
                phase = "command"
            continue
        if cur is None:
            continue
        deprecate = bool(caps["server"] & caps["client"] & DEPRECATE_EOF)
        first = p[:1]
        done, error = False, "-"
        st = cur["state"]
        if st == "first":
            if first == b"\xff":
                done, error = True, str(struct.unpack_from("<H", p, 1)[0])
            elif cur["cmd"] == 0x16:
                stmt_id, ncols, nparams = struct.unpack_from("<IHH", p, 1)
                statements[stmt_id] = cur["sql"]
                left = nparams + (1 if nparams and not deprecate else 0)
                left += ncols + (1 if ncols and not deprecate else 0)
                cur["left"] = left
                cur["state"] = "defs"
                done = left == 0
                cur["silent"] = True
            elif cur["cmd"] not in (0x03, 0x17):
                done = True
                cur["silent"] = True
            elif first == b"\x00":
                done = not ok_status(p) & MORE_RESULTS
            else:
                n, pos = lenenc(p, 0)
                if len(p) == pos + 1 and p[pos] == 0:
                    # "metadata follows" = 0 (MARIADB_CLIENT_CACHE_METADATA, asked for by
                    # libmariadb): no column definitions, straight to [EOF] and rows.
                    n = 0
                cur["left"] = n
                cur["state"] = "columns" if n else ("rows" if deprecate else "eof")
        elif st == "defs":
            cur["left"] -= 1
            done = cur["left"] == 0
        elif st == "columns":
            cur["left"] -= 1
            if cur["left"] == 0:
                cur["state"] = "rows" if deprecate else "eof"
        elif st == "eof":
            cur["state"] = "rows"
        elif st == "rows":
            if first == b"\xff":
                done, error = True, str(struct.unpack_from("<H", p, 1)[0])
            elif first == b"\xfe" and len(p) < 0xffffff:
                status = struct.unpack_from("<H", p, 3)[0] if len(p) == 5 else ok_status(p)
                if status & MORE_RESULTS:
                    cur["state"] = "first"
                else:
                    done = True
        if done:
            if not cur.get("silent") or error != "-":
                out.append((at + 1, error, cur))
            cur = None
    return out


# --------------------------------------------------------------------------------------------
# A minimal binary-protocol client (mysql_native_password), for what the CLI cannot send


class Client:
    def __init__(self, port, deprecate_eof):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.buf = b""
        greeting = self.read()
        version_end = greeting.index(b"\0", 1)
        pos = version_end + 1 + 4
        salt = greeting[pos:pos + 8]
        pos += 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10
        salt += greeting[pos:pos + 12]
        caps = (0x0001 | 0x0004 | 0x0008 | 0x0200 | 0x8000 | 0x10000 | 0x20000 | 0x80000 |
                0x200000)  # LONG_PASSWORD FLAGS DB PROTOCOL_41 SECURE_CONN MULTI_* PLUGIN LENENC
        if deprecate_eof:
            caps |= DEPRECATE_EOF
        h1 = hashlib.sha1(PASSWORD.encode()).digest()
        h2 = hashlib.sha1(h1).digest()
        h3 = hashlib.sha1(salt + h2).digest()
        auth = bytes(a ^ b for a, b in zip(h1, h3))
        body = struct.pack("<IIB23x", caps, 1 << 24, 33) + USER.encode() + b"\0"
        body += bytes([len(auth)]) + auth + b"test\0mysql_native_password\0"
        self.send(body, 1)
        reply = self.read()
        if reply[:1] != b"\x00":
            sys.exit(f"auth failed: {reply!r}")
        self.deprecate = deprecate_eof

    def send(self, payload, seq=0):
        self.sock.sendall(struct.pack("<I", len(payload))[:3] + bytes([seq]) + payload)

    def read(self):
        while True:
            if len(self.buf) >= 4:
                n = int.from_bytes(self.buf[:3], "little")
                if len(self.buf) >= 4 + n:
                    p, self.buf = self.buf[4:4 + n], self.buf[4 + n:]
                    return p
            data = self.sock.recv(65536)
            if not data:
                raise EOFError
            self.buf += data

    def result(self):
        while True:
            p = self.read()
            if p[:1] == b"\xff":
                return p
            if p[:1] != b"\x00":
                n, _ = lenenc(p, 0)
                for _ in range(n):
                    self.read()
                if not self.deprecate:
                    self.read()
                while True:
                    p = self.read()
                    if p[:1] == b"\xff":
                        return p
                    if p[:1] == b"\xfe" and len(p) < 0xffffff:
                        break
            status = struct.unpack_from("<H", p, 3)[0] if len(p) == 5 else ok_status(p)
            if not status & MORE_RESULTS:
                return p

    def query(self, sql):
        self.send(b"\x03" + sql.encode())
        return self.result()

    def prepare(self, sql):
        self.send(b"\x16" + sql.encode())
        p = self.read()
        if p[:1] == b"\xff":
            return None
        stmt_id, ncols, nparams = struct.unpack_from("<IHH", p, 1)
        for count in (nparams, ncols):
            for _ in range(count):
                self.read()
            if count and not self.deprecate:
                self.read()
        return stmt_id, nparams

    def execute(self, stmt, *ints):
        stmt_id, nparams = stmt
        body = b"\x17" + struct.pack("<IBI", stmt_id, 0, 1)
        if nparams:
            body += bytes((nparams + 7) // 8) + b"\x01" + b"\x08\x00" * nparams
            body += b"".join(struct.pack("<q", v) for v in ints)
        self.send(body)
        return self.result()

    def close_statement(self, stmt):
        self.send(b"\x19" + struct.pack("<I", stmt[0]))

    def ping(self):
        self.send(b"\x0e")
        return self.read()

    def quit(self):
        self.send(b"\x01")
        self.sock.close()


def prepared(deprecate_eof):
    def run(server, port):
        c = Client(port, deprecate_eof)
        c.ping()
        c.query("insert into t(a, b) values (1, 'one'), (2, 'two')")
        ins = c.prepare("insert into t(a, b) values (?, 'p')")
        sel = c.prepare("select a, b from t where a >= ?")
        upd = c.prepare("update t set a = a + ? where a = 1")
        c.execute(ins, 10)
        c.execute(sel, 1)
        c.execute(upd, 100)
        c.execute(sel, 1000)
        c.close_statement(ins)
        c.close_statement(sel)
        c.close_statement(upd)
        c.prepare("select * from hostlens_missing_table where a = ?")
        c.query("select count(*) from t")
        c.query("select 1; update t set b = 'm' where a = 2; select 2")
        c.ping()
        c.quit()
    return run


# --------------------------------------------------------------------------------------------
# Server


class Server:
    def __init__(self):
        if not shutil.which("mariadbd") and not os.path.exists("/usr/sbin/mariadbd"):
            sys.exit("MariaDB not installed: apt-get install -y mariadb-server mariadb-client")
        self.tmp = tempfile.mkdtemp(prefix="hostlens-mariadb-")
        self.data = os.path.join(self.tmp, "data")
        self.sock = os.path.join(self.tmp, "sock")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        subprocess.run(["mariadb-install-db", "--no-defaults", f"--datadir={self.data}",
                        "--user=root", "--auth-root-authentication-method=socket"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.proc = subprocess.Popen(
            ["/usr/sbin/mariadbd", "--no-defaults", f"--datadir={self.data}", "--user=root",
             "--bind-address=127.0.0.1", f"--port={self.port}", f"--socket={self.sock}",
             f"--pid-file={self.tmp}/pid", "--skip-log-bin", "--innodb-buffer-pool-size=32M",
             f"--log-error={self.tmp}/log"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(300):
                if os.path.exists(self.sock):
                    break
                time.sleep(0.1)
            self.setup()
        except BaseException:
            self.stop()
            raise

    def setup(self):
        # Over TCP from 127.0.0.1 the client is @localhost, where the anonymous user would win.
        self.admin("delete from mysql.global_priv where user = ''; flush privileges; "
                   f"create user '{USER}'@'%' identified via mysql_native_password using "
                   f"password('{PASSWORD}'); grant all on *.* to '{USER}'@'%'; "
                   "create database if not exists test; create table test.t(a int, b varchar(100)); "
                   "create table test.big(a int, b varchar(200));")
        self.admin("insert into test.big select seq, repeat('x', 150) from test.seq_1_to_2000")

    def admin(self, sql):
        subprocess.run(["mariadb", "--no-defaults", f"--socket={self.sock}", "-uroot", "-e", sql],
                       check=True)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


def cli(server, port, *statements):
    argv = ["mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", str(port), f"-u{USER}",
            f"-p{PASSWORD}", "--skip-ssl", "--force", "test"]
    # Statements on stdin: with --force the client goes on after an error (it does not with -e).
    subprocess.run(argv, input="".join(s + ";\n" for s in statements).encode(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


MYSQL_CLIENT = None  # --mysql-client: the built tests/integration/clients/mysql_client binary
MYSQL_CLIENT_COUNTS = {"inserts": 3, "selects": 3, "updates": 2, "prepared": 3, "errors": 2}


def libmariadb_client(server, port):
    """The agent's integration client (libmariadb, MariaDB Connector/C): COM_QUERY DROP, CREATE,
    INSERTs, SELECTs, UPDATEs, then prepared INSERT/SELECT executions (SELECT results fetched with
    mysql_stmt_store_result: binary rows), COM_STMT_CLOSE, failing SELECTs (1146), COM_QUIT."""
    if MYSQL_CLIENT is None:
        sys.exit("mysql_client: build the mysql_client target and pass --mysql-client PATH")
    argv = [MYSQL_CLIENT, "--host", "127.0.0.1", "--port", str(port), "--user", USER,
            "--password", PASSWORD, "--database", "test"]
    for k, v in MYSQL_CLIENT_COUNTS.items():
        argv += [f"--{k}", str(v)]
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)


CONVERSATIONS = {
    "cli_simple": ("mariadb CLI: INSERT, SELECT, UPDATE (the CLI sends each statement alone)",
                   lambda s, p: cli(s, p, "insert into t values (1, 'a'), (2, 'b')",
                                    "select * from t", "update t set b = 'c' where a = 2",
                                    "select 1", "select 2")),
    "cli_error": ("mariadb CLI: missing table (1146), syntax error (1064), then a good query",
                  lambda s, p: cli(s, p, "select * from hostlens_missing_table",
                                   "select 1 from", "select 42")),
    "cli_large_result": ("mariadb CLI: one SELECT returning ~320 KB of rows",
                         lambda s, p: cli(s, p, "select * from big")),
    "client_prepared": ("binary-protocol client with CLIENT_DEPRECATE_EOF: COM_PING, COM_QUERY, "
                        "COM_STMT_PREPARE/EXECUTE/CLOSE (INSERT, SELECT, UPDATE), a failed "
                        "prepare (1146), three statements in one COM_QUERY, COM_QUIT", prepared(True)),
    "client_prepared_eof": ("the same without CLIENT_DEPRECATE_EOF (EOF packets after column "
                            "and parameter definitions)", prepared(False)),
    "libmariadb_client": ("tests/integration/clients/mysql_client (libmariadb) with --inserts 3 "
                          "--selects 3 --updates 2 --prepared 3 --errors 2: COM_QUERY DROP, "
                          "CREATE, INSERT, SELECT, UPDATE; COM_STMT_PREPARE, COM_STMT_EXECUTE "
                          "of an INSERT and of a SELECT (binary rows), COM_STMT_CLOSE; "
                          "1146 errors; COM_QUIT", libmariadb_client),
}


def write_fixture(path, source, records):
    queries = expected_queries(records)
    write_capture(path, "mysql", source,
                  [f"query: {end} {err} {1 if q['prepared'] else 0} {escape(q['sql'])}"
                   for end, err, q in queries],
                  records)
    return queries


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", action="append")
    parser.add_argument("--out", default=str(FIXTURES))
    parser.add_argument("--mysql-client", help="the built mysql_client binary (for "
                        "libmariadb_client; default: build*/tests/mysql_client if one exists)")
    args = parser.parse_args()
    global MYSQL_CLIENT
    MYSQL_CLIENT = args.mysql_client
    if MYSQL_CLIENT is None:
        found = sorted(FIXTURES.parents[2].glob("build*/tests/mysql_client"))
        MYSQL_CLIENT = str(found[0]) if found else None
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
