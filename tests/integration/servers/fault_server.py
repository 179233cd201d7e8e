#!/usr/bin/python3
"""A server for hostlens's fault tests: GET /fast answers 200 "ok"; GET /hang is read and never
answered (the handler sleeps), so the test can kill the server in the middle of a request.

Usage: fault_server.py PORT. Listens on 127.0.0.1:PORT only.
"""
import http.server
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        if self.path == "/hang":
            time.sleep(600)
        body = b"ok\n" if self.path == "/fast" else b"not found\n"
        self.send_response(200 if self.path == "/fast" else 404)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
