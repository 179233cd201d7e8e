#!/usr/bin/env python3
"""Hostile input for hostlens's tests: each kind on a connection of its own to 127.0.0.1:PORT.

    hostile_client.py PORT

Sends, in order: 64 KiB of random bytes; a TLS ClientHello (Python's ssl module) to the plaintext
port; a request line cut short; a body shorter than its Content-Length; a Content-Length of 1 GB
with 64 KiB of it; a million header lines (about 8 MB); a request line of 1 MB. Each connection
is closed after the server answers or closes, or after 2 s. Prints one JSON object: the kinds sent
and the status line each got (or "" for none).
"""
import json
import random
import socket
import ssl
import sys

PORT = int(sys.argv[1])


def exchange(payload, shut=True):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=2)
    try:
        try:
            s.sendall(payload)
            if shut:
                s.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the server closed first: what it read is what counts
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        return data.split(b"\r\n", 1)[0].decode("latin-1")
    finally:
        s.close()


def client_hello():
    raw = socket.create_connection(("127.0.0.1", PORT), timeout=2)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        ctx.wrap_socket(raw, server_hostname="localhost").close()
        return "handshake succeeded"
    except (ssl.SSLError, OSError) as e:
        return type(e).__name__
    finally:
        raw.close()


rng = random.Random(1234)
report = {}
report["random_bytes"] = exchange(bytes(rng.getrandbits(8) for _ in range(65536)))
report["tls_client_hello"] = client_hello()
report["truncated_request_line"] = exchange(b"GET /fast HTT")
report["body_shorter_than_length"] = exchange(
    b"POST /fast HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
report["content_length_1gb"] = exchange(
    b"POST /fast HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n" + b"x" * 65536)
report["million_headers"] = exchange(
    b"GET /fast HTTP/1.1\r\nHost: x\r\n" + b"X-A: b\r\n" * 1000000 + b"\r\n")
report["megabyte_request_line"] = exchange(b"GET /" + b"a" * (1 << 20) + b" HTTP/1.1\r\n\r\n")
print(json.dumps(report))
