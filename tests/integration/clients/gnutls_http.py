#!/usr/bin/env python3
"""Drives GnuTLS's own client, gnutls-cli (Debian's gnutls-bin), as an HTTPS client with known
counts, for the agent's GnuTLS test: one TLS connection, N GET requests on it (HTTP/1.1
keep-alive), each written to gnutls-cli's stdin only once the previous response is in, the last
one with "Connection: close" so that the server ends the connection and gnutls-cli exits on its
own (on end of stdin it would close the session before reading the last response). gnutls-cli
sends what it reads from stdin with gnutls_record_send and reads with gnutls_record_recv.

    gnutls_http.py GNUTLS_CLI HOST PORT PATH N

GNUTLS_CLI is the gnutls-cli to run (a copy under another name, for a selector). Prints one
JSON object: "requests" sent, "responses" {"<status>": n} read from gnutls-cli's output,
"exit_code" of gnutls-cli. Exit status 1 if a response did not come within 20 s.
"""

import json
import os
import re
import select
import subprocess
import sys
import tempfile
import time

STATUS = re.compile(rb"HTTP/1\.1 (\d{3}) ")


def main():
    binary, host, port, path, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    with tempfile.NamedTemporaryFile(prefix="gnutls-cli-", suffix=".log") as log:
        cli = subprocess.Popen([binary, "--insecure", "--logfile=" + log.name, "-p", port, host],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        out = b""
        for i in range(count):
            last = i + 1 == count
            request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n" +
                       ("Connection: close\r\n" if last else "") + "\r\n")
            cli.stdin.write(request.encode())
            cli.stdin.flush()
            deadline = time.monotonic() + 20
            while len(STATUS.findall(out)) <= i:
                ready, _, _ = select.select([cli.stdout], [], [], max(0, deadline - time.monotonic()))
                chunk = os.read(cli.stdout.fileno(), 65536) if ready else b""
                if not chunk:
                    cli.kill()
                    print(f"gnutls_http: no response to request {i + 1}; output: {out[-300:]!r}",
                          file=sys.stderr)
                    return 1
                out += chunk
        out += cli.stdout.read()  # to the end: the server closes after the last response
        code = cli.wait(20)
        cli.stdin.close()
    responses = {}
    for status in STATUS.findall(out):
        responses[status.decode()] = responses.get(status.decode(), 0) + 1
    print(json.dumps({"requests": count, "responses": responses, "exit_code": code}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
