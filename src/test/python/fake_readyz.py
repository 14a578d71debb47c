#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A stand-in for tunxlat's /readyz (AnnounceHookIT): serves DIR/status (an HTTP status code) and DIR/body
(the body), read at each request, on 127.0.0.1:PORT. The test changes the files, stops the process with
SIGSTOP (a hang) or kills it (a refused connection).

    fake_readyz.py DIR PORT
"""
import http.server
import sys
from pathlib import Path

directory = Path(sys.argv[1])
port = int(sys.argv[2])


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        status = int((directory / "status").read_text().strip())
        body = (directory / "body").read_bytes()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
