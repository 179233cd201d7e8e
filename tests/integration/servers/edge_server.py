#!/usr/bin/python3
"""HTTP/1.1 edge cases for hostlens's integration tests.

Usage: edge_server.py PORT. Listens on 127.0.0.1:PORT only.

  GET  /chunked      200, Transfer-Encoding: chunked, chunks in separate writes
  HEAD /head         200 with Content-Length: 1000 and no body
  GET  /empty        204, no body
  POST /upload       100 Continue when asked (http.server does it), then 201
  GET  /bytewise     200 (the test writes this request byte by byte)
  GET  /big-headers  200, body "headers N" (the test sends ~16 KB of headers)
  GET  /after        200 (sent on a connection after HEAD or 204)
  anything else      404
"""
import http.server
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, chunked and 100-continue

    def _reply(self, status, body, extra_headers=()):
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra_headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in (b"hello", b", chunked", b" world\n"):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                time.sleep(0.02)  # separate writes on the wire
            self.wfile.write(b"0\r\n\r\n")
        elif self.path == "/empty":
            self.send_response(204)
            self.end_headers()
        elif self.path == "/bytewise":
            self._reply(200, b"ok\n")
        elif self.path == "/big-headers":
            self._reply(200, b"headers %d\n" % len(self.headers))
        elif self.path == "/after":
            self._reply(200, b"after\n")
        else:
            self._reply(404, b"not found\n")

    def do_HEAD(self):
        if self.path == "/head":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", "1000")
            self.end_headers()
        else:
            self._reply(404, b"not found\n")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path == "/upload":
            self._reply(201, b"received %d\n" % len(body))
        else:
            self._reply(404, b"not found\n")


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
