#!/usr/bin/env python3
"""Records real HTTP/1.x conversations as fixtures for the http1 parser tests.

Starts real servers on 127.0.0.1 (nginx when it is installed, Python's http.server always),
puts a recording TCP proxy in front of them, drives each conversation with a client, and writes
what crossed the proxy to tests/fixtures/http1/<name>.txt. Standard library only.

    python3 tests/capture/record_http.py              # record every capture
    python3 tests/capture/record_http.py --only nginx_head --out /tmp/x

Each recv() of the proxy is one record, in the order the proxy saw them: the nearest thing to the
server's syscalls that a user-space recorder can see. The file format (read by
tests/unit/protocols/http1/fixture.h):

    # hostlens-http1-capture v1
    # source: <server and what the conversation does>
    # exchange: <method> <target> <final status>          one per request, in order
    # upgraded: websocket                                  when the connection was upgraded
    # message: <dir> <start> <head_end> <end|close> <start_line_bytes>
    > <n>            n bytes sent by the client, then a newline
    < <n>            n bytes sent by the server, then a newline

Message lines give, for each HTTP message, its byte offsets in its direction's stream (the
concatenated records of that direction), as framed here by a small independent framer; the
tests use them to know which captured-prefix sizes keep the framing recoverable.
"""

import argparse
import base64
import hashlib
import http.client
import http.server
import os
import pathlib
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

from capture_proxy import free_port, record_one

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "http1"
FIXED_MTIME = 1700000000  # stable Last-Modified and ETag headers
WEBSOCKET_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


# --------------------------------------------------------------------------------------------
# Clients


class _SharedFile:
    """One buffered reader for every response on a connection (pipelining): HTTPResponse closes
    its file when a body is read, which must not close the connection's."""

    def __init__(self, file):
        self.file = file

    def __getattr__(self, name):
        return getattr(self.file, name)

    def close(self):
        pass


class _FileSocket:
    """Lets http.client.HTTPResponse read from the shared reader."""

    def __init__(self, file):
        self.file = _SharedFile(file)

    def makefile(self, *args, **kwargs):
        return self.file


class Client:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")
        self.exchanges = []

    def send(self, data, pause=0.05):
        self.sock.sendall(data)
        time.sleep(pause)  # keeps the proxy's records aligned with the sends

    def read_response(self, method, target):
        response = http.client.HTTPResponse(_FileSocket(self.file), method=method)
        response.begin()
        response.read()
        self.exchanges.append((method, target, response.status))
        return response

    def read_head(self):
        """Reads one response head by hand (an interim 100, or a 101 before other protocols)."""
        lines = []
        while True:
            line = self.file.readline()
            if line in (b"\r\n", b"\n", b""):
                return lines
            lines.append(line)

    def request(self, method, target, headers=(), body=b""):
        head = f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: record_http.py\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers)
        if body:
            head += f"Content-Length: {len(body)}\r\n"
        self.send(head.encode() + b"\r\n" + body)
        return self.read_response(method, target)

    def close(self):
        self.file.close()
        self.sock.close()
        time.sleep(0.05)


def conversation(fn):
    def run(port):
        client = Client(port)
        upgraded = fn(client)
        client.close()
        return client.exchanges, upgraded

    return run


# --------------------------------------------------------------------------------------------
# Servers


NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {root}/tmp/body;
  proxy_temp_path {root}/tmp/proxy;
  fastcgi_temp_path {root}/tmp/fastcgi;
  uwsgi_temp_path {root}/tmp/uwsgi;
  scgi_temp_path {root}/tmp/scgi;
  types {{ text/html html shtml; text/css css; application/javascript js; }}
  default_type application/octet-stream;
  keepalive_requests 1000;
  server {{
    listen 127.0.0.1:{port};
    root {root}/www;
    location = /empty {{ return 204; }}
    location /ssi/ {{ ssi on; }}
    location = /padded {{
      add_header X-Padding "{padding}";
      add_header Cache-Control "no-store";
      return 200 "padded headers\\n";
    }}
  }}
}}
"""


def wait_listening(port):
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def write_site(www):
    (www / "ssi").mkdir(parents=True)
    (www / "index.html").write_text(
        "<!DOCTYPE html>\n<html>\n<head><title>hostlens</title>"
        '<link rel="stylesheet" href="/style.css"></head>\n'
        "<body><h1>It works</h1><p>A small page served for the parser fixtures.</p></body>\n"
        "</html>\n"
    )
    (www / "style.css").write_text("body { font-family: sans-serif; margin: 2em; }\n")
    (www / "big.html").write_text(
        "<!DOCTYPE html>\n<html><body>\n"
        + "".join(f"<p>Paragraph {i}: {'lorem ipsum dolor sit amet ' * 3}</p>\n" for i in range(200))
        + "</body></html>\n"
    )
    (www / "ssi" / "page.shtml").write_text(
        "<html><body>\n<h1>Server side includes</h1>\n"
        '<!--# include file="part.html" -->\n'
        "<p>between the parts</p>\n"
        '<!--# include file="part.html" -->\n'
        "</body></html>\n"
    )
    (www / "ssi" / "part.html").write_text("<div class=\"part\">" + "included text " * 40 + "</div>\n")
    for path in [www, *www.rglob("*")]:
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


class Nginx:
    def __init__(self, root):
        self.root = root
        self.port = free_port()
        www = root / "www"
        write_site(www)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (root / "tmp" / sub).mkdir(parents=True)
        os.chmod(root, 0o755)
        conf = root / "nginx.conf"
        conf.write_text(NGINX_CONF.format(root=root, port=self.port, padding="p" * 700))
        self.process = subprocess.Popen(
            ["nginx", "-p", str(root), "-c", str(conf), "-e", str(root / "error.log")]
        )
        wait_listening(self.port)

    def version(self):
        out = subprocess.run(["nginx", "-v"], capture_output=True, text=True)
        return out.stderr.strip().replace("nginx version: ", "")

    def stop(self):
        self.process.terminate()
        self.process.wait(5)


class AppHandler(http.server.BaseHTTPRequestHandler):
    """A small application on Python's http.server: the responses nginx does not give."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def respond(self, status, body, content_type="text/plain"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path.startswith("/chunked"):
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(6):
                part = f"event {i}: " .encode() + b"x" * (40 + 200 * i) + b"\n"
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                time.sleep(0.03)
            self.wfile.write(b"0\r\n\r\n")
        elif self.path.startswith("/ws"):
            key = self.headers["Sec-WebSocket-Key"].encode()
            accept = base64.b64encode(hashlib.sha1(key + WEBSOCKET_GUID).digest()).decode()
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.send_header("Sec-WebSocket-Accept", accept)
            self.end_headers()
            time.sleep(0.03)
            self.wfile.write(b"\x81\x05hello")
            frame = self.rfile.read(2)
            length = frame[1] & 0x7F
            mask = self.rfile.read(4)
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self.rfile.read(length)))
            self.wfile.write(bytes([0x81, len(payload)]) + payload)
            self.close_connection = True
        else:
            self.respond(404, b"no such page\n")

    def do_POST(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            received = 0
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                received += len(self.rfile.read(size))
                self.rfile.readline()
        else:
            received = len(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        body = b'{"received": %d}\n' % received
        self.respond(201 if self.path.startswith("/items") else 200, body, "application/json")

    do_PUT = do_POST


class LegacyHandler(AppHandler):
    """HTTP/1.0 without Content-Length: the body ends when the server closes."""

    protocol_version = "HTTP/1.0"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html><body>\n")
        time.sleep(0.03)
        self.wfile.write(b"<p>" + b"legacy " * 100 + b"</p>\n</body></html>\n")


class FilesHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass


class PythonServer:
    def __init__(self, handler, directory=None):
        if directory is not None:
            handler = self.bind_directory(handler, directory)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def bind_directory(handler, directory):
        class Bound(handler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(directory), **kwargs)

        return Bound

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------------------------
# Conversations


def browser_headers():
    return [
        ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
        ("Accept-Language", "en-US,en;q=0.5"),
        ("Connection", "keep-alive"),
    ]


@conversation
def keepalive_get(c):
    c.request("GET", "/index.html", browser_headers())
    c.request("GET", "/style.css?v=3", browser_headers())
    c.request("GET", "/", browser_headers())


@conversation
def head_then_get(c):
    c.request("HEAD", "/index.html")
    c.request("GET", "/index.html")


@conversation
def not_found(c):
    c.request("GET", "/missing/page.php?id=7")
    c.request("GET", "/index.html")


@conversation
def not_modified(c):
    first = c.request("GET", "/index.html")
    c.request("GET", "/index.html", [("If-Modified-Since", first.getheader("Last-Modified"))])
    c.request("GET", "/index.html", [("If-None-Match", first.getheader("ETag"))])


@conversation
def no_content(c):
    c.request("GET", "/empty")
    c.request("POST", "/empty", body=b"ignored=1")
    c.request("GET", "/style.css")


@conversation
def pipelined(c):
    requests = b"".join(
        f"GET /style.css?n={i} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode() for i in range(50)
    )
    c.send(requests)
    for i in range(50):
        c.read_response("GET", f"/style.css?n={i}")


@conversation
def large_body(c):
    c.request("GET", "/big.html")
    c.request("GET", "/style.css")


@conversation
def large_headers(c):
    cookie = "session=" + "c0ffee" * 500
    c.request("GET", "/index.html?q=" + "search+terms+" * 40, [("Cookie", cookie)])
    c.request("GET", "/padded", [("Cookie", cookie)])
    c.request("GET", "/style.css")


@conversation
def ssi_chunked(c):
    c.request("GET", "/ssi/page.shtml")
    c.request("GET", "/style.css")


@conversation
def post_not_allowed(c):
    c.request("POST", "/index.html", [("Content-Type", "application/x-www-form-urlencoded")],
              b"name=hostlens&kind=agent")
    c.request("GET", "/style.css")


@conversation
def post_echo(c):
    c.request("POST", "/items", [("Content-Type", "application/json")], b'{"name": "widget"}')
    c.request("POST", "/echo", [("Content-Type", "application/octet-stream")], b"z" * 3000)
    c.request("GET", "/nothing-here")


@conversation
def chunked_response(c):
    c.request("GET", "/chunked/events")
    c.request("GET", "/chunked/again")


@conversation
def chunked_request(c):
    c.send(b"POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
           b"Content-Type: text/plain\r\n\r\n")
    for part in (b"first part of the upload\n", b"y" * 900, b"last part\n"):
        c.send(b"%x\r\n%s\r\n" % (len(part), part))
    c.send(b"0\r\n\r\n")
    c.read_response("POST", "/upload")
    c.request("GET", "/after-upload")


@conversation
def expect_continue(c):
    body = b"q" * 2000
    c.send(b"PUT /items/7 HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
           b"Content-Length: %d\r\n\r\n" % len(body))
    status_line = c.read_head()[0]
    assert b" 100 " in status_line, status_line
    c.send(body)
    c.read_response("PUT", "/items/7")


@conversation
def websocket(c):
    key = base64.b64encode(os.urandom(16)).decode()
    c.send(("GET /ws/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
            % key).encode())
    head = c.read_head()
    c.exchanges.append(("GET", "/ws/chat", int(head[0].split()[1])))
    assert c.file.read(7) == b"\x81\x05hello"
    payload = b"hi there"
    mask = os.urandom(4)
    c.send(bytes([0x81, 0x80 | len(payload)]) + mask +
           bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
    c.file.read(2 + len(payload))
    return "websocket"


@conversation
def http10_close(c):
    c.send(b"GET /legacy HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
    c.read_response("GET", "/legacy")


@conversation
def directory_listing(c):
    first = c.request("GET", "/")
    c.request("GET", "/style.css")
    c.request("GET", "/style.css", [("If-Modified-Since", first.getheader("Date"))])
    c.request("HEAD", "/big.html")
    c.request("GET", "/nope")


# (name, server, conversation, description)
CAPTURES = [
    ("nginx_keepalive_get", "nginx", keepalive_get, "three keep-alive GETs"),
    ("nginx_head", "nginx", head_then_get, "HEAD (Content-Length, no body) then GET"),
    ("nginx_not_found", "nginx", not_found, "404 page then 200"),
    ("nginx_not_modified", "nginx", not_modified, "200, then 304 by date and by ETag"),
    ("nginx_no_content", "nginx", no_content, "return 204 to GET and POST"),
    ("nginx_pipelined", "nginx", pipelined, "50 GETs in one send"),
    ("nginx_large_body", "nginx", large_body, "a body much larger than a 512-byte capture"),
    ("nginx_large_headers", "nginx", large_headers, "3 KB cookie, long URL, padded response"),
    ("nginx_ssi_chunked", "nginx", ssi_chunked, "SSI page: chunked response"),
    ("nginx_post_not_allowed", "nginx", post_not_allowed, "POST with body to a file: 405"),
    ("python_post", "app", post_echo, "POSTs with Content-Length bodies, 201/200/404"),
    ("python_chunked_response", "app", chunked_response, "chunked, one write per chunk"),
    ("python_chunked_request", "app", chunked_request, "chunked request body"),
    ("python_expect_continue", "app", expect_continue, "Expect: 100-continue"),
    ("python_websocket", "app", websocket, "101 Switching Protocols then frames"),
    ("python_http10_close", "legacy", http10_close, "HTTP/1.0 body ended by close"),
    ("python_directory_listing", "files", directory_listing, "SimpleHTTPRequestHandler"),
]


# --------------------------------------------------------------------------------------------
# Independent framing, for the message offsets


class Message:
    def __init__(self, direction, start, head_end, end, start_line, method=None, status=None):
        self.direction, self.start, self.head_end, self.end = direction, start, head_end, end
        self.start_line, self.method, self.status = start_line, method, status


def parse_head(data, pos):
    end = data.find(b"\r\n\r\n", pos)
    if end < 0:
        raise ValueError(f"no head end after {pos}")
    lines = data[pos:end].split(b"\r\n")
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        fields.setdefault(name.strip().lower(), []).append(value.strip())
    return lines[0], fields, end + 4


def chunked_end(data, pos):
    while True:
        eol = data.index(b"\r\n", pos)
        size = int(data[pos:eol].split(b";")[0], 16)
        pos = eol + 2
        if size == 0:
            while True:
                eol = data.index(b"\r\n", pos)
                if eol == pos:
                    return pos + 2
                pos = eol + 2
        pos += size + 2


def body_end(fields, body_start, data):
    if b"chunked" in b",".join(fields.get(b"transfer-encoding", [])).lower():
        return chunked_end(data, body_start)
    if b"content-length" in fields:
        return body_start + int(fields[b"content-length"][0])
    return None


def frame_requests(data):
    messages, pos = [], 0
    while pos < len(data):
        try:
            start_line, fields, body = parse_head(data, pos)
            method = start_line.split(b" ")[0].decode()
        except (ValueError, UnicodeDecodeError):
            break  # not HTTP any more (after an upgrade): checked against the responses
        end = body_end(fields, body, data)
        end = body if end is None else end
        messages.append(Message(">", pos, body, end, len(start_line) + 2, method=method))
        pos = end
    return messages, pos


def frame_responses(data, methods):
    messages, pos, answered = [], 0, 0
    while pos < len(data):
        start_line, fields, body = parse_head(data, pos)
        status = int(start_line.split(b" ")[1])
        method = methods[answered] if answered < len(methods) else "GET"
        if status == 101 or 100 <= status < 200 or status in (204, 304) or method == "HEAD":
            end = body
        else:
            end = body_end(fields, body, data)
        messages.append(Message("<", pos, body, end, len(start_line) + 2, status=status))
        if status == 101 or end is None:
            break
        if status >= 200:
            answered += 1
        pos = end
    return messages


def frame(recording):
    requests_data, responses_data = recording.stream(">"), recording.stream("<")
    requests, parsed = frame_requests(requests_data)
    responses = frame_responses(responses_data, [m.method for m in requests])
    upgraded = responses and responses[-1].status == 101
    if upgraded:
        final = [m for m in responses if m.status >= 200 or m.status == 101]
        requests = requests[: len(final)]
    elif parsed != len(requests_data):
        raise ValueError("request stream did not frame")
    return requests, responses


# --------------------------------------------------------------------------------------------


def write_fixture(path, source, recording, exchanges, upgraded, requests, responses):
    finals = [m.status for m in responses if m.status >= 200 or m.status == 101]
    if [status for _, _, status in exchanges] != finals:
        raise ValueError(f"client saw {exchanges}, framing found {finals}")
    lines = ["# hostlens-http1-capture v1", f"# source: {source}"]
    lines += [f"# exchange: {method} {target} {status}" for method, target, status in exchanges]
    if upgraded:
        lines.append(f"# upgraded: {upgraded}")
    for m in requests + responses:
        end = "close" if m.end is None else str(m.end)
        lines.append(f"# message: {m.direction} {m.start} {m.head_end} {end} {m.start_line}")
    out = ("\n".join(lines) + "\n").encode()
    for direction, data in recording.records:
        out += f"{direction} {len(data)}\n".encode() + data + b"\n"
    path.write_bytes(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=FIXTURES)
    parser.add_argument("--only", action="append", help="record only these captures")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    root = pathlib.Path(tempfile.mkdtemp(prefix="hostlens-capture-"))
    os.chmod(root, 0o755)  # nginx workers run unprivileged
    servers = {}
    try:
        if shutil.which("nginx"):
            servers["nginx"] = Nginx(root / "nginx")
        else:
            print("nginx not installed (apt-get install -y nginx-light): skipping its captures")
        files_root = root / "files"
        write_site(files_root)
        servers["app"] = PythonServer(AppHandler)
        servers["legacy"] = PythonServer(LegacyHandler)
        servers["files"] = PythonServer(FilesHandler, files_root)
        python = f"Python/{sys.version.split()[0]} http.server"
        labels = {
            "nginx": servers["nginx"].version() if "nginx" in servers else "",
            "app": python, "legacy": python + " (HTTP/1.0)",
            "files": python + " SimpleHTTPRequestHandler",
        }
        for name, server, run, description in CAPTURES:
            if args.only and name not in args.only:
                continue
            if server not in servers:
                continue
            recording, (exchanges, upgraded) = record_one(servers[server].port, run)
            requests, responses = frame(recording)
            path = args.out / f"{name}.txt"
            write_fixture(path, f"{labels[server]}: {description}", recording, exchanges,
                          upgraded, requests, responses)
            print(f"{path}: {len(recording.records)} records, {len(exchanges)} exchanges")
    finally:
        for server in servers.values():
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
