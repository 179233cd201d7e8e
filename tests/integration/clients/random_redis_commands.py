#!/usr/bin/env python3
"""Sends N Redis commands with random 10-letter names (each answered "-ERR unknown command") to
127.0.0.1:PORT, 40 per write, and waits for every reply: 40 replies, about 2.8 KB, fit in one
read the agent captures whole at its default --capture-bytes. Prints the number of replies.

    random_redis_commands.py PORT N
"""
import random
import socket
import sys

port, n = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(7)
s = socket.create_connection(("127.0.0.1", port))
replies, buf = 0, b""
while replies < n:
    batch = min(40, n - replies)
    names = ("".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(10))
             for _ in range(batch))
    s.sendall(b"".join(b"*2\r\n$10\r\n" + name.encode() + b"\r\n$3\r\nkey\r\n" for name in names))
    while buf.count(b"\r\n") < batch:
        buf += s.recv(1 << 16)
    lines = buf.split(b"\r\n")
    if not all(line.startswith(b"-ERR") for line in lines[:batch]):
        sys.exit("unexpected reply: %r" % lines[:batch])
    buf = b"\r\n".join(lines[batch:])
    replies += batch
print(replies)
