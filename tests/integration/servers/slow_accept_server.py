#!/usr/bin/python3
"""A listener that leaves every connection 300 ms in the accept queue.

Usage: slow_accept_server.py PORT. Listens on 127.0.0.1:PORT only, backlog 16.
Waits until a connection is pending, sleeps 300 ms, accepts it, reads one
request, answers 200 with Connection: close and closes, one connection at a
time. So the n-th of several simultaneous connections waits about n * 300 ms
between becoming established and being accepted, and none less than 300 ms.
"""
import select
import socket
import sys
import time

ACCEPT_DELAY_SECONDS = 0.3


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(sys.argv[1])))
    listener.listen(16)
    while True:
        select.select([listener], [], [])  # a connection is established and queued
        time.sleep(ACCEPT_DELAY_SECONDS)
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(5)
            request = b""
            try:
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    request += chunk
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                             b"Content-Length: 3\r\nConnection: close\r\n\r\nok\n")
            except OSError:
                pass


if __name__ == "__main__":
    main()
