#!/usr/bin/env python3
"""Writes hostlens's own PostgreSQL and MySQL conformance cases (the neighbours of the bugs the
doc_ cases caught) into tests/fixtures/conformance/{postgres,mysql,mysql_tls}/own_*.txt, byte by byte from
the protocol documents: PostgreSQL's "Frontend/Backend Protocol" (53.2 Message Flow, 53.7
Message Formats) and MySQL's client/server protocol (COM_QUERY response, LOCAL INFILE Request,
multi-resultset, binary protocol resultset). Format: tests/fixtures/conformance/README.md.
Standard library only.

    python3 tests/capture/write_own_conformance_cases.py
"""

import pathlib
import re
import struct

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "conformance"


def write_case(protocol, title, source, note, expected, records):
    name = "own_" + re.sub(r"[^A-Za-z0-9-]", "_", title)
    lines = [f"# conformance case: own/{title}", "# origin: own", f"# source: {source}"]
    if note:
        lines.append(f"# note: {note}")
    lines += [f"# expected: {e}" for e in expected]
    out = ("\n".join(lines) + "\n").encode()
    for direction, data in records:
        out += f"{direction} {len(data)}\n".encode() + data + b"\n"
    (FIXTURES / protocol / f"{name}.txt").write_bytes(out)


# --------------------------------------------------------------------------------------------
# PostgreSQL


def be16(v):
    return struct.pack(">H", v)


def be32(v):
    return struct.pack(">I", v)


def cstr(s):
    return s.encode() + b"\0"


def msg(t, body=b""):
    return t.encode() + be32(len(body) + 4) + body


def startup(minor=0, options=()):
    body = be32((3 << 16) | minor) + cstr("user") + cstr("app") + cstr("database") + cstr("db")
    for k, v in options:
        body += cstr(k) + cstr(v)
    body += b"\0"
    return be32(len(body) + 4) + body


def parse(name, sql):
    return msg("P", cstr(name) + cstr(sql) + be16(0))


def bind(portal, stmt):
    return msg("B", cstr(portal) + cstr(stmt) + be16(0) + be16(0) + be16(0))


def describe(kind, name):
    return msg("D", kind.encode() + cstr(name))


def execute(portal=""):
    return msg("E", cstr(portal) + be32(0))


def sync():
    return msg("S")


def query(sql):
    return msg("Q", cstr(sql))


def ready(status="I"):
    return msg("Z", status.encode())


def complete(tag):
    return msg("C", cstr(tag))


def error(code, severity="ERROR", text="boom"):
    return msg("E", b"S" + cstr(severity) + b"V" + cstr(severity) + b"C" + cstr(code) +
               b"M" + cstr(text) + b"\0")


def row_description(column):
    return msg("T", be16(1) + cstr(column) + be32(0) + be16(0) + be32(23) + be16(4) +
               be32(0xffffffff) + be16(0))


def data_row(value):
    return msg("D", be16(1) + be32(len(value)) + value.encode())


def copy_response(t, columns):
    return msg(t, b"\0" + be16(columns) + be16(0) * columns)


def copy_data(data):
    return msg("d", data)


def select_1():
    return row_description("?column?") + data_row("1") + complete("SELECT 1") + ready()


AUTH_OK = msg("R", be32(0))
PARAMETER = msg("S", cstr("server_version") + cstr("18.0"))
PG_FLOW = "PostgreSQL docs protocol-flow"
PG_FORMATS = "PostgreSQL docs protocol-message-formats"


def postgres_cases():
    pg = lambda *a: write_case("postgres", *a)  # noqa: E731

    pg("COPY OUT via simple query",
       f"{PG_FLOW}: 53.2.6 COPY (CopyOutResponse, CopyData, CopyDone, CommandComplete)", "",
       ["copy t to stdout|ok", "select 1/0|22012"],
       [(">", query("copy t to stdout")),
        ("<", copy_response("H", 1) + copy_data(b"1\n") + copy_data(b"2\n")),
        ("<", msg("c") + complete("COPY 2") + ready()),
        (">", query("select 1/0")),
        ("<", error("22012") + ready())])

    pg("COPY OUT via extended query",
       f"{PG_FLOW}: 53.2.6 COPY + 53.2.3 Extended Query (one Sync: copy-out reads nothing)",
       "the Sync is read after the copy-out ends: it gets the ReadyForQuery",
       ["copy t to stdout|ok", "select 1|ok"],
       [(">", parse("", "copy t to stdout") + bind("", "") + describe("P", "") + execute() +
         sync()),
        ("<", msg("1") + msg("2") + msg("n") + copy_response("H", 1) + copy_data(b"1\n")),
        ("<", copy_data(b"2\n") + msg("c") + complete("COPY 2") + ready()),
        (">", query("select 1")),
        ("<", select_1())])

    pg("COPY IN via simple query",
       f"{PG_FLOW}: 53.2.6 COPY (CopyInResponse; the frontend sends CopyData, then CopyDone)",
       "no Sync in the simple protocol: the query ends at its ReadyForQuery",
       ["copy t from stdin|ok", "select 1|ok"],
       [(">", query("copy t from stdin")),
        ("<", copy_response("G", 1)),
        (">", copy_data(b"1\n")),
        (">", copy_data(b"2\n")),
        (">", msg("c")),
        ("<", complete("COPY 2") + ready()),
        (">", query("select 1")),
        ("<", select_1())])

    pg("COPY IN via simple query, CopyFail",
       f"{PG_FLOW}: 53.2.6 COPY (CopyFail: the backend answers ErrorResponse, ReadyForQuery)", "",
       ["copy t from stdin|57014", "select 1|ok"],
       [(">", query("copy t from stdin")),
        ("<", copy_response("G", 1)),
        (">", msg("f", cstr("client gave up"))),
        ("<", error("57014") + ready()),
        (">", query("select 1")),
        ("<", select_1())])

    pg("COPY IN via extended query, bad data after the client finished",
       f"{PG_FLOW}: 53.2.6 COPY (backend-detected error during copy-in; extended query: "
       "frontend messages discarded until Sync)",
       "libpq's CopyData, CopyDone and second Sync in one write; the first Sync was ignored "
       "during copy-in, the second ends the error",
       ["copy t from stdin|22P02", "select 1|ok"],
       [(">", parse("", "copy t from stdin") + bind("", "") + describe("P", "") + execute() +
         sync()),
        ("<", msg("1") + msg("2") + msg("n") + copy_response("G", 1)),
        (">", copy_data(b"x\n") + msg("c") + sync()),
        ("<", error("22P02") + ready()),
        (">", query("select 1")),
        ("<", select_1())])

    pg("COPY IN via extended query, error before the client's CopyDone",
       f"{PG_FLOW}: 53.2.6 COPY (after the ErrorResponse the backend leaves copy-in: "
       "CopyDone is dropped, the next Sync is answered)",
       "the error reaches the client while it is still sending: its Sync after CopyDone is "
       "not ignored",
       ["copy t from stdin|22P02", "select 1|ok"],
       [(">", parse("", "copy t from stdin") + bind("", "") + execute() + sync()),
        ("<", msg("1") + msg("2") + copy_response("G", 1)),
        (">", copy_data(b"x\n")),
        ("<", error("22P02")),
        (">", msg("c") + sync()),
        ("<", ready()),
        (">", query("select 1")),
        ("<", select_1())])

    pg("two COPY FROM STDIN in a row via extended query",
       f"{PG_FLOW}: 53.2.6 COPY + libpq PQputCopyEnd (Sync after Execute and after CopyDone)",
       "each COPY has one ignored Sync: the second COPY starts in step",
       ["copy a from stdin|ok", "copy b from stdin|ok", "select 1|ok"],
       [(">", parse("", "copy a from stdin") + bind("", "") + execute() + sync()),
        ("<", msg("1") + msg("2") + copy_response("G", 1)),
        (">", copy_data(b"1\n") + msg("c") + sync()),
        ("<", complete("COPY 1") + ready()),
        (">", parse("", "copy b from stdin") + bind("", "") + execute() + sync()),
        ("<", msg("1") + msg("2") + copy_response("G", 1)),
        (">", copy_data(b"2\n") + msg("c") + sync()),
        ("<", complete("COPY 1") + ready()),
        (">", query("select 1")),
        ("<", select_1())])

    pg("COPY BOTH (START_REPLICATION), framing only",
       f"{PG_FLOW}: 53.2.6 COPY (copy-both: CopyBothResponse, CopyData both ways, CopyDone "
       "from each side) + 53.4 Streaming Replication Protocol",
       "XLogData and a standby status update as CopyData; the command ends after both CopyDones",
       ["START_REPLICATION SLOT s LOGICAL 0/0|ok", "select 1|ok"],
       [(">", query("START_REPLICATION SLOT s LOGICAL 0/0")),
        ("<", copy_response("W", 0)),
        ("<", copy_data(b"w" + bytes(24) + b"BEGIN 1")),
        (">", copy_data(b"r" + bytes(33))),
        ("<", copy_data(b"k" + bytes(17))),
        (">", msg("c")),
        ("<", msg("c") + complete("START_REPLICATION") + ready()),
        (">", query("select 1")),
        ("<", select_1())])

    pg("Parse batch fails in the middle of a pipeline",
       f"{PG_FLOW}: 53.2.3 Extended Query + 53.2.4 Pipelining (an error skips to the next Sync "
       "only)",
       "libpq pipeline mode: three batches in one write; the failed prepare is reported, the "
       "prepare before it is not (successful prepares are not queries)",
       ["selec 2|42601", "select 3|ok"],
       [(">", parse("s1", "select 1") + sync() + parse("s2", "selec 2") + describe("S", "s2") +
         sync() + parse("s3", "select 3") + bind("", "s3") + execute() + sync()),
        ("<", msg("1") + ready()),
        ("<", error("42601") + ready()),
        ("<", msg("1") + msg("2") + data_row("3") + complete("SELECT 1") + ready())])

    pg("Execute fails in a pipeline, the prepare after it is skipped",
       f"{PG_FLOW}: 53.2.3 Extended Query (after an ErrorResponse the backend discards messages "
       "until Sync)",
       "the Parse/Describe after the failed Execute never runs: nothing to report for it",
       ["select 1/0|22012", "select 1|ok"],
       [(">", parse("", "select 1/0") + bind("", "") + execute() + parse("s9", "select 9") +
         describe("S", "s9") + sync()),
        ("<", msg("1") + msg("2") + error("22012") + ready()),
        (">", query("select 1")),
        ("<", select_1())])

    pg("failed prepare executed anyway (libpq PQprepare then PQexecPrepared)",
       f"{PG_FLOW}: 53.2.3 Extended Query (Parse fails; Bind of the statement fails: 26000)",
       "pgbench -M prepared does this: the Execute's error is the statement's operation, the "
       "failed Parse is not reported twice",
       ["selec 1|26000"],
       [(">", parse("s1", "selec 1") + sync()),
        ("<", error("42601") + ready()),
        (">", bind("", "s1") + describe("P", "") + execute() + sync()),
        ("<", error("26000") + ready())])

    pg("FATAL during an extended query, connection then closes",
       f"{PG_FLOW}: 53.2.9 Termination (FATAL ErrorResponse, then close)",
       "the Execute ends at the FATAL; the Sync after it is never answered",
       ["select pg_sleep(10)|57P01"],
       [(">", parse("", "select pg_sleep(10)") + bind("", "") + execute() + sync()),
        ("<", msg("1") + msg("2")),
        ("<", error("57P01", "FATAL", "terminating connection due to administrator command"))])

    pg("FATAL on an idle connection",
       f"{PG_FLOW}: 53.2.9 Termination (the server may send a FATAL ErrorResponse unasked, "
       "then close)",
       "pg_terminate_backend on an idle session: the FATAL answers nothing and loses nothing",
       ["select 1|ok"],
       [(">", query("select 1")),
        ("<", select_1()),
        ("<", error("57P01", "FATAL", "terminating connection due to administrator command"))])

    pg("protocol 3.2 requested, server answers NegotiateProtocolVersion",
       f"{PG_FORMATS}: NegotiateProtocolVersion (newest minor supported, unrecognized options)",
       "a PostgreSQL 18 client asking 3.2 and a _pq_ option of an older server",
       ["select 1|ok"],
       [(">", startup(2, [("_pq_.test", "1")])),
        ("<", msg("v", be32(0) + be32(1) + cstr("_pq_.test")) + AUTH_OK + PARAMETER +
         msg("K", be32(4242) + be32(7)) + ready()),
        (">", query("select 1")),
        ("<", select_1())])

    pg("protocol 3.2 BackendKeyData with the longest key (256 bytes)",
       f"{PG_FORMATS}: BackendKeyData Byten key (4..256 bytes)", "",
       ["select 1|ok"],
       [(">", startup(2)),
        ("<", AUTH_OK + PARAMETER + msg("K", be32(4242) + bytes(range(256))) + ready()),
        (">", query("select 1")),
        ("<", select_1())])


# --------------------------------------------------------------------------------------------
# MySQL

CLIENT_SSL = 0x00000800
CLIENT_DEPRECATE_EOF = 0x01000000
SERVER_STATUS_AUTOCOMMIT = 0x0002
SERVER_MORE_RESULTS_EXISTS = 0x0008
MY_DOCS = "MySQL client/server protocol docs"


def packet(seq, payload):
    return struct.pack("<I", len(payload))[:3] + bytes([seq & 0xff]) + payload


def lenenc_int(v):
    return bytes([v]) if v < 0xfb else b"\xfc" + struct.pack("<H", v)


def lenenc_str(s):
    return lenenc_int(len(s)) + s


def greeting(deprecate_eof):
    high = 0x000b | (0x0100 if deprecate_eof else 0)
    payload = (b"\x0a" + cstr("8.0.36") + struct.pack("<I", 7) + b"abcdefgh\0" +
               struct.pack("<H", 0xa28f) + b"\xff" + struct.pack("<H", 2) +
               struct.pack("<H", high) + b"\x15" + bytes(10) + b"ijklmnopqrst\0" +
               cstr("caching_sha2_password"))
    return packet(0, payload)


def handshake_response(deprecate_eof, seq=1, plugin="caching_sha2_password"):
    caps = 0x000ba28f | (CLIENT_DEPRECATE_EOF if deprecate_eof else 0)
    if seq == 2:
        caps |= CLIENT_SSL
    payload = (struct.pack("<I", caps) + struct.pack("<I", 1 << 24) + b"\xff" + bytes(23) +
               cstr("app") + b"\x14" + b"x" * 20 + cstr(plugin))
    return packet(seq, payload)


def ok(seq, status=SERVER_STATUS_AUTOCOMMIT, affected=0, header=b"\x00"):
    return packet(seq, header + lenenc_int(affected) + b"\0" + struct.pack("<HH", status, 0))


def eof(seq, status=SERVER_STATUS_AUTOCOMMIT):
    return packet(seq, b"\xfe" + struct.pack("<HH", 0, status))


def err(seq, code, text):
    return packet(seq, b"\xff" + struct.pack("<H", code) + b"#HY000" + text.encode())


def column_def(seq, name):
    return packet(seq, lenenc_str(b"def") + b"\0\0\0" + lenenc_str(name.encode()) + b"\0" +
                  b"\x0c" + struct.pack("<HIBHB", 33, 0, 0xfd, 0, 0) + b"\0\0")


def com_query(sql):
    return packet(0, b"\x03" + sql.encode())


def result_set(first_seq, column, values, status, deprecate_eof=False, binary=False):
    """One result set of one column; returns (packets, next seq). `status` goes in its end."""
    seq = first_seq
    out = packet(seq, b"\x01")
    out += column_def(seq + 1, column)
    seq += 2
    if not deprecate_eof:
        out += eof(seq)
        seq += 1
    for v in values:
        row = (b"\x00\x00" + lenenc_str(v.encode())) if binary else lenenc_str(v.encode())
        out += packet(seq, row)
        seq += 1
    out += ok(seq, status, header=b"\xfe") if deprecate_eof else eof(seq, status)
    return out, seq + 1


def login(deprecate_eof=False):
    return [("<", greeting(deprecate_eof)), (">", handshake_response(deprecate_eof)),
            ("<", ok(2))]


def mysql_select_1(deprecate_eof=False):
    rows, _ = result_set(1, "1", ["1"], SERVER_STATUS_AUTOCOMMIT, deprecate_eof)
    return [(">", com_query("SELECT 1")), ("<", rows)]


def mysql_cases():
    my = lambda *a: write_case("mysql", *a)  # noqa: E731
    load = "LOAD DATA LOCAL INFILE '/tmp/t.csv' INTO TABLE t"

    my("LOCAL INFILE refused by the client (empty packet right away)",
       f"{MY_DOCS}: LOCAL INFILE Request (the client sends an empty packet when it will not "
       "send the file)",
       "libmysqlclient with local_infile off: the server sees an empty file and says OK; the "
       "client's own error (2068) never crosses the wire",
       [f"{load}|ok", "SELECT 1|ok"],
       login() + [(">", com_query(load)),
                  ("<", packet(1, b"\xfb/tmp/t.csv")),
                  (">", packet(2, b"")),
                  ("<", ok(3))] + mysql_select_1())

    data = [(">", packet(2 + i, f"{100000 + i},row\n".encode())) for i in range(254)]
    my("LOCAL INFILE whose empty packet has sequence id 0 (254 data packets)",
       f"{MY_DOCS}: LOCAL INFILE Request + packet sequence id (wraps at 255)",
       "the end of the file is the empty packet, whatever its sequence id",
       [f"{load}|ok", "SELECT 1|ok"],
       login() + [(">", com_query(load)), ("<", packet(1, b"\xfb/tmp/t.csv"))] + data +
       [(">", packet(256, b"")), ("<", ok(257, affected=254))] + mysql_select_1())

    data = [(">", packet(2 + i, f"{i % 3},row\n".encode())) for i in range(260)]
    my("LOCAL INFILE refused by the server after the file (duplicate key)",
       f"{MY_DOCS}: LOCAL INFILE Request (the server reads the whole file, then OK or ERR)",
       "300 packets' neighbour: sequence ids wrap, and the exchange ends in ERR",
       [f"{load}|1062", "SELECT 1|ok"],
       login() + [(">", com_query(load)), ("<", packet(1, b"\xfb/tmp/t.csv"))] + data +
       [(">", packet(262, b"")), ("<", err(263, 1062, "Duplicate entry '0' for key 'PRIMARY'"))] +
       mysql_select_1())

    more = SERVER_STATUS_AUTOCOMMIT | SERVER_MORE_RESULTS_EXISTS
    first, seq = result_set(1, "a", ["1"], more)
    second, seq = result_set(seq, "b", ["2", "3"], more)
    my("CALL with two result sets (EOF packets)",
       f"{MY_DOCS}: Multi-resultset (SERVER_MORE_RESULTS_EXISTS on each result set's EOF, then "
       "the CALL's own OK)",
       "", ["CALL p()|ok", "SELECT 1|ok"],
       login() + [(">", com_query("CALL p()")), ("<", first), ("<", second), ("<", ok(seq))] +
       mysql_select_1())

    first, seq = result_set(1, "a", ["1"], more, deprecate_eof=True)
    second, seq = result_set(seq, "b", ["2"], more, deprecate_eof=True)
    my("CALL with two result sets (CLIENT_DEPRECATE_EOF)",
       f"{MY_DOCS}: Multi-resultset + CLIENT_DEPRECATE_EOF (result sets end with an OK packet "
       "of header 0xfe)",
       "both sides announce CLIENT_DEPRECATE_EOF: no EOF after the column definitions",
       ["CALL p()|ok", "SELECT 1|ok"],
       login(True) + [(">", com_query("CALL p()")), ("<", first + second + ok(seq))] +
       mysql_select_1(True))

    first, seq = result_set(1, "a", ["1"], more)
    my("CALL whose second statement fails",
       f"{MY_DOCS}: Multi-resultset (an ERR packet ends the response)", "",
       ["CALL p()|1146", "SELECT 1|ok"],
       login() + [(">", com_query("CALL p()")),
                  ("<", first + err(seq, 1146, "Table 'db.x' doesn't exist"))] + mysql_select_1())

    first, seq = result_set(1, "a", ["1"], more, binary=True)
    my("prepared CALL with a result set (binary rows)",
       f"{MY_DOCS}: COM_STMT_PREPARE response + Binary Protocol Resultset + Multi-resultset",
       "binary rows start with 0x00 like an OK packet; only the EOF's status flags end it",
       ["CALL p()|ok", "SELECT 1|ok"],
       login() + [(">", packet(0, b"\x16CALL p()")),
                  ("<", packet(1, b"\x00" + struct.pack("<IHHBH", 1, 0, 0, 0, 0))),
                  (">", packet(0, b"\x17" + struct.pack("<IBI", 1, 0, 1))),
                  ("<", first + ok(seq))] + mysql_select_1())


# What the TLS probes show of a connection that sent an SSLRequest (sequence id 1) after the
# greeting: the decrypted bytes, from the handshake response (sequence id 2) on. The test feeds
# the plaintext greeting and SSLRequest first (tests/unit/protocols/mysql/conformance_test.cc).
MY_TLS = f"{MY_DOCS}: Protocol::SSLRequest (the handshake response follows inside TLS)"


def auth_switch(seq, plugin="mysql_native_password"):
    return packet(seq, b"\xfe" + cstr(plugin) + b"s" * 20 + b"\0")


def tls_login(deprecate_eof=False):
    return [(">", handshake_response(deprecate_eof, seq=2)), ("<", ok(3))]


def mysql_tls_cases():
    my = lambda *a: write_case("mysql_tls", *a)  # noqa: E731

    more = SERVER_STATUS_AUTOCOMMIT | SERVER_MORE_RESULTS_EXISTS
    first, seq = result_set(1, "a", ["1"], more)
    my("handshake response then queries (EOF packets)", MY_TLS,
       "no greeting in the decrypted bytes: the sequence ids go on from the SSLRequest's",
       ["SELECT 1|ok", "CALL p()|ok", "SELECT * FROM x|1146"],
       tls_login() + mysql_select_1() +
       [(">", com_query("CALL p()")), ("<", first + ok(seq)),
        (">", com_query("SELECT * FROM x")), ("<", err(1, 1146, "Table 'db.x' doesn't exist")),
        (">", packet(0, b"\x01"))])

    my("auth switch inside TLS (CLIENT_DEPRECATE_EOF)",
       f"{MY_TLS} + Protocol::AuthSwitchRequest",
       "the server asks for another plugin (sequence id 3), the client answers with 4, OK is 5",
       ["SELECT 1|ok"],
       [(">", handshake_response(True, seq=2, plugin="client_ed25519")),
        ("<", auth_switch(3)),
        (">", packet(4, b"x" * 20)),
        ("<", ok(5))] + mysql_select_1(True))

    my("COM_CHANGE_USER inside TLS",
       f"{MY_TLS} + COM_CHANGE_USER (an auth switch answered with sequence id 2)",
       "the client's auth data after COM_CHANGE_USER has sequence id 2, like the handshake "
       "response inside TLS, and is not one",
       ["SELECT 1|ok", "SELECT 1|ok"],
       tls_login(True) + mysql_select_1(True) +
       [(">", packet(0, b"\x11" + cstr("other") + b"\x14" + b"y" * 20 + cstr("db"))),
        ("<", auth_switch(1)),
        (">", packet(2, b"z" * 20)),
        ("<", ok(3))] + mysql_select_1(True))

    binary, seq = result_set(1, "a", ["1"], SERVER_STATUS_AUTOCOMMIT, binary=True)
    my("prepared statement inside TLS", f"{MY_TLS} + COM_STMT_PREPARE, COM_STMT_EXECUTE",
       "", ["SELECT a FROM t WHERE id = ?|ok", "SELECT 1|ok"],
       tls_login() +
       [(">", packet(0, b"\x16SELECT a FROM t WHERE id = ?")),
        ("<", packet(1, b"\x00" + struct.pack("<IHHBH", 7, 1, 1, 0, 0)) +
         column_def(2, "?") + eof(3) + column_def(4, "a") + eof(5)),
        (">", packet(0, b"\x17" + struct.pack("<IBI", 7, 0, 1) + b"\x01\x00\x03\x00" +
                     struct.pack("<i", 5))),
        ("<", binary),
        (">", packet(0, b"\x19" + struct.pack("<I", 7)))] + mysql_select_1())


if __name__ == "__main__":
    postgres_cases()
    mysql_cases()
    mysql_tls_cases()
