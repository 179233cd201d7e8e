#!/usr/bin/env python3
"""An HTTPS client on one keep-alive connection, for the agent's TLS tests.

Python's ssl module reads and writes through OpenSSL's SSL_read_ex and SSL_write_ex, the
functions the agent must probe besides SSL_read and SSL_write. The certificate is not checked
(the tests make their own).

    https_client.py HOST PORT PATH COUNT [--then PATH2 COUNT2 --after FILE]

Sends COUNT GETs of PATH, reading each response in full; with --then, writes "ready" to
--after's file name + ".ready", waits until FILE exists (up to 60 s), and sends COUNT2 GETs of
PATH2 on the same connection. Prints one JSON object: {"statuses": {"200": n, ...},
"connections": 1, "body_bytes": n}.
"""
import argparse
import http.client
import json
import os
import ssl
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("path")
    parser.add_argument("count", type=int)
    parser.add_argument("--then", nargs=2, metavar=("PATH", "COUNT"))
    parser.add_argument("--after")
    args = parser.parse_args()

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection(args.host, args.port, context=context, timeout=30)
    statuses = {}
    body_bytes = 0

    def get(path, count):
        nonlocal body_bytes
        for _ in range(count):
            connection.request("GET", path)
            response = connection.getresponse()
            body_bytes += len(response.read())
            statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1

    get(args.path, args.count)
    if args.then:
        with open(args.after + ".ready", "w") as ready:
            ready.write("ready\n")
        deadline = time.monotonic() + 60
        while not os.path.exists(args.after):
            if time.monotonic() > deadline:
                sys.exit("https_client: " + args.after + " never appeared")
            time.sleep(0.05)
        get(args.then[0], int(args.then[1]))
    connection.close()
    print(json.dumps({"statuses": statuses, "connections": 1, "body_bytes": body_bytes}))


if __name__ == "__main__":
    main()
