"""What the tests/capture/record_*.py recorders share: a recording TCP proxy, a raw socket
client, and the fixture file writer. Standard library only.

Fixture format (read by tests/unit/protocols/fixture.h, and http1/fixture.h there):

    # hostlens-<protocol>-capture v1
    # source: <client and what the conversation does>
    # <tag>: ...     what a parser must report, one line each (format per recorder)
    > <n>            n bytes sent by the client, then a newline
    < <n>            n bytes sent by the server, then a newline

Each recv() of the proxy is one record, in order.
"""

import socket
import threading
import time

# --------------------------------------------------------------------------------------------
# Recording proxy


class Recording:
    def __init__(self):
        self.records = []  # (">" or "<", bytes)
        self.closed_by = None  # "client" or "server": who shut its side down first
        self.lock = threading.Lock()

    def add(self, direction, data):
        with self.lock:
            self.records.append((direction, data))

    def stream(self, direction):
        return b"".join(data for d, data in self.records if d == direction)


def pump(src, dst, direction, recording):
    """Copies src to dst until EOF, adding each recv() to recording (unless it is None)."""
    while True:
        try:
            data = src.recv(65536)
        except OSError:
            data = b""
        if not data:
            if recording is not None:
                with recording.lock:
                    if recording.closed_by is None:
                        recording.closed_by = "client" if direction == ">" else "server"
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            return
        if recording is not None:
            recording.add(direction, data)
        dst.sendall(data)


def _proxy(listener, upstream_port, recording, threads):
    client, _ = listener.accept()
    upstream = socket.create_connection(("127.0.0.1", upstream_port))
    for src, dst, d in ((client, upstream, ">"), (upstream, client, "<")):
        t = threading.Thread(target=pump, args=(src, dst, d, recording), daemon=True)
        t.start()
        threads.append(t)


def record_one(upstream_port, conversation):
    """Runs conversation(proxy_port) against the upstream through a recording proxy that takes
    one connection; returns (its Recording, what conversation returned)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    recording = Recording()
    threads = []
    acceptor = threading.Thread(target=_proxy, args=(listener, upstream_port, recording, threads),
                                daemon=True)
    acceptor.start()
    result = conversation(port)
    acceptor.join(5)
    for t in threads:
        t.join(5)
    listener.close()
    return recording, result


def record(upstream_port, conversation):
    """Runs conversation(proxy_port) through a proxy taking any number of connections; returns
    the busiest connection's Recording (clients such as pgbench open a side connection first)."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    recordings, threads = [], []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except socket.timeout:
                continue
            upstream = socket.create_connection(("127.0.0.1", upstream_port))
            rec = Recording()
            recordings.append(rec)
            for src, dst, d in ((client, upstream, ">"), (upstream, client, "<")):
                t = threading.Thread(target=pump, args=(src, dst, d, rec), daemon=True)
                t.start()
                threads.append(t)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    conversation(port)
    time.sleep(0.3)
    stop.set()
    acceptor.join(5)
    for t in threads:
        t.join(5)
    listener.close()
    return max(recordings, key=lambda r: len(r.records))


# --------------------------------------------------------------------------------------------
# Servers and clients


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, attempts=50):
    """Waits (up to attempts / 10 s) until something accepts on 127.0.0.1:port."""
    for _ in range(attempts):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return
        except OSError:
            time.sleep(0.1)


class Raw:
    """A raw socket client that sends bytes and reads whatever comes back until it settles."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))

    def send(self, *chunks, settle=0.15):
        for c in chunks:
            self.sock.sendall(c)
        self.drain(settle)

    def drain(self, settle=0.15):
        self.sock.settimeout(settle)
        try:
            while self.sock.recv(1 << 20):
                pass
        except socket.timeout:
            pass

    def close(self):
        self.sock.close()


# --------------------------------------------------------------------------------------------
# Fixture files


def escape(text):
    """Backslash-escapes what would break a fixture line (undone by fixture.h's Unescape)."""
    return (text.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
            .replace("\t", "\\t"))


def write_capture(path, protocol, source, expected_lines, records):
    """Writes a fixture: header, source, the expected lines (str, without "# " or newline),
    then the records."""
    out = [f"# hostlens-{protocol}-capture v1\n".encode(), f"# source: {source}\n".encode()]
    out += [f"# {line}\n".encode() for line in expected_lines]
    for direction, data in records:
        out.append(f"{direction} {len(data)}\n".encode() + data + b"\n")
    with open(path, "wb") as f:
        f.write(b"".join(out))
