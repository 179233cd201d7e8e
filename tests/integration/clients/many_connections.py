#!/usr/bin/env python3
"""Opens N keep-alive connections to 127.0.0.1:PORT at once, sends one GET PATH on each and reads
its response, then writes N to READY_FILE and holds every connection open for HOLD seconds.

    many_connections.py PORT PATH N READY_FILE HOLD
"""
import asyncio
import resource
import sys

port, path, n, ready_file, hold = (int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4],
                                   float(sys.argv[5]))
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if hard != resource.RLIM_INFINITY and hard < n + 64:
    sys.exit(f"RLIMIT_NOFILE's hard limit {hard} is below {n + 64}: run fewer connections per process")
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
request = f"GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n".encode()


async def one(limit):
    async with limit:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        await reader.readexactly(length)
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(head[:40])
        return writer


async def main():
    limit = asyncio.Semaphore(500)  # connecting at once, not open at once
    writers = await asyncio.gather(*(one(limit) for _ in range(n)))
    with open(ready_file, "w") as f:
        f.write(str(len(writers)))
    await asyncio.sleep(hold)
    for w in writers:
        w.close()


asyncio.run(main())
