#!/usr/bin/env python3
"""redis-py (Debian's python3-redis) over TLS with known counts, for the agent's Redis-over-TLS
test: one connection (ssl=True; Python's ssl module, so OpenSSL's SSL_read_ex/SSL_write_ex), each
command waiting for its reply. redis-py 4 sends nothing of its own on connect without a
password, a client name or a database number. Run with /usr/bin/python3:

    redis_tls_client.py --host 127.0.0.1 --port P --ca CERT [--sets N] [--hits N] [--misses N]

On the wire: N × SET hl:tls:<i> v<i>; --hits × GET of those keys (each a hit), --misses × GET
hl:tls:missing:<i> (each a miss, a null reply); then one MGET of two set keys and one missing
key (2 hits, 1 miss). Prints one JSON object: "commands" {"NAME": n}, "hits", "misses",
"cipher" (the session's TLS cipher).
"""

import argparse
import json
import sys
from collections import Counter

import redis


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ca", required=True, help="the server's certificate")
    parser.add_argument("--sets", type=int, default=10)
    parser.add_argument("--hits", type=int, default=10)
    parser.add_argument("--misses", type=int, default=5)
    args = parser.parse_args()
    if args.sets < 2:
        parser.error("--sets must be at least 2 (MGET reads two of them)")

    client = redis.Redis(host=args.host, port=args.port, ssl=True, ssl_ca_certs=args.ca,
                         ssl_check_hostname=False, single_connection_client=True)
    commands = Counter()
    hits = misses = 0
    for i in range(args.sets):
        client.set(f"hl:tls:{i}", f"v{i}")
        commands["SET"] += 1
    for i in range(args.hits):
        if client.get(f"hl:tls:{i % args.sets}") is None:
            sys.exit("redis_tls_client: a key just set is missing")
        commands["GET"] += 1
        hits += 1
    for i in range(args.misses):
        if client.get(f"hl:tls:missing:{i}") is not None:
            sys.exit("redis_tls_client: a missing key has a value")
        commands["GET"] += 1
        misses += 1
    values = client.mget("hl:tls:0", "hl:tls:1", "hl:tls:missing:mget")
    commands["MGET"] += 1
    hits += sum(v is not None for v in values)
    misses += sum(v is None for v in values)
    cipher = client.connection._sock.cipher()[0]
    client.close()
    print(json.dumps({"commands": commands, "hits": hits, "misses": misses, "cipher": cipher}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
