#!/usr/bin/env python3
"""A pure-Python MySQL client (Debian's python3-pymysql) with known counts, over TLS, for the
agent's MySQL-over-TLS tests. PyMySQL speaks the protocol itself and encrypts with Python's ssl
module (OpenSSL's SSL_read_ex/SSL_write_ex); it sends the SSL request packet after the greeting,
then its handshake response and everything after inside TLS. Run with /usr/bin/python3:

    pymysql_client.py --host 127.0.0.1 --port P --user U --password W --database D --ca CERT
                      [--inserts N] [--selects N] [--updates N] [--deletes N] [--table items]

On the wire, in order, each one COM_QUERY (autocommit on: no BEGIN/COMMIT; PyMySQL sends
nothing else after the handshake, not even SET NAMES, when the charset is the server's):
    DROP TABLE IF EXISTS <table>; CREATE TABLE <table> (id INT PRIMARY KEY, name VARCHAR(64));
    N INSERT INTO <table>, N SELECT ... FROM <table> WHERE id = <i>, N UPDATE <table>,
    N DELETE FROM <table>; then COM_QUIT.

Prints one JSON object: "queries" {"<OPERATION> <table>": n, "DROP": 1, "CREATE": 1}, keyed as
the agent's SQL normalizer labels them; "total"; "cipher": the TLS cipher the session used.
"""

import argparse
import json
import sys
from collections import Counter

import pymysql


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--ca", required=True, help="the server's certificate")
    parser.add_argument("--table", default="items")
    for count in ("inserts", "selects", "updates", "deletes"):
        parser.add_argument("--" + count, type=int, default=0)
    args = parser.parse_args()

    db = pymysql.connect(host=args.host, port=args.port, user=args.user, password=args.password,
                         database=args.database, autocommit=True, ssl_ca=args.ca,
                         ssl_verify_cert=True, ssl_verify_identity=False)
    cipher = db._sock.cipher()[0] if hasattr(db._sock, "cipher") else None
    if cipher is None:
        print("pymysql_client: the connection is not encrypted", file=sys.stderr)
        return 1
    queries = Counter()
    t = args.table

    def run(key, sql):
        with db.cursor() as cursor:
            cursor.execute(sql)
            cursor.fetchall()
        queries[key] += 1

    run("DROP", f"DROP TABLE IF EXISTS {t}")
    run("CREATE", f"CREATE TABLE {t} (id INT PRIMARY KEY, name VARCHAR(64))")
    for i in range(1, args.inserts + 1):
        run(f"INSERT {t}", f"INSERT INTO {t} (id, name) VALUES ({i}, 'name-{i}')")
    for i in range(args.selects):
        run(f"SELECT {t}", f"SELECT name FROM {t} WHERE id = {1 + i % max(args.inserts, 1)}")
    for i in range(args.updates):
        run(f"UPDATE {t}", f"UPDATE {t} SET name = 'new' WHERE id = {1 + i % max(args.inserts, 1)}")
    for i in range(1, args.deletes + 1):
        run(f"DELETE {t}", f"DELETE FROM {t} WHERE id = {i}")
    db.close()
    print(json.dumps({"queries": queries, "total": sum(queries.values()), "cipher": cipher}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
