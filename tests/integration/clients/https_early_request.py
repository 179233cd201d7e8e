#!/usr/bin/env python3
"""HTTPS connections whose request travels with the client's Finished, for the agent's TLS tests.

A client whose Finished is the last handshake message (TLS 1.3, and TLS 1.2 when it resumes a
session) may send its first application data right behind it. This client makes that certain:
the handshake runs over memory BIOs, every connection after the first resumes the first one's
session, and the Finished and the request record go to the socket in one send. nginx (which
turns read-ahead on) then reads both in the handshake's last read, and the SSL_read that
returns the request makes no syscall: the agent must already know the connection's socket from
the handshake. Each connection sends one GET,
reads the whole response and closes, so the server's SSL objects are freed and reused.

    https_early_request.py HOST PORT PATH CONNECTIONS

Prints one JSON object: {"statuses": {"200": n, ...}, "connections": n, "together": n}, where
"together" counts the connections whose Finished and request left in one send.
"""
import argparse
import json
import socket
import ssl


def one(context, host, port, path, session):
    sock = socket.create_connection((host, port), timeout=30)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=host, session=session)
    try:
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                pending = outgoing.read()
                if pending:
                    sock.sendall(pending)
                data = sock.recv(65536)
                if not data:
                    raise ConnectionError("closed during the handshake")
                incoming.write(data)
        # The handshake is done on this side; the Finished is still in `outgoing`.
        finished = outgoing.read()
        tls.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        sock.sendall(finished + outgoing.read())
        response = b""
        while True:
            try:
                chunk = tls.read(65536)
                if not chunk:
                    break
                response += chunk
            except ssl.SSLWantReadError:
                data = sock.recv(65536)
                if not data:
                    break
                incoming.write(data)
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                break
        status = response.split(b" ", 2)[1].decode() if response.startswith(b"HTTP/") else "none"
        return status, bool(finished), tls.session
    finally:
        sock.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("path")
    parser.add_argument("connections", type=int)
    args = parser.parse_args()

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    statuses, together, session = {}, 0, None
    for _ in range(args.connections):
        status, with_finished, session = one(context, args.host, args.port, args.path, session)
        statuses[status] = statuses.get(status, 0) + 1
        together += with_finished
    print(json.dumps({"statuses": statuses, "connections": args.connections,
                      "together": together}))


if __name__ == "__main__":
    main()
