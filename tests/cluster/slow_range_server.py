#!/usr/bin/python3
"""Serves one file over HTTP on 127.0.0.1 with Range support: bytes before SLOW_FROM at full
speed, the rest at BYTES_PER_SECOND, so that a conversion part reading past SLOW_FROM is
still running when it is killed, deterministically.

usage: slow_range_server.py FILE PORT_FILE SLOW_FROM BYTES_PER_SECOND
Binds a free port and writes it to PORT_FILE; serves until killed."""
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATH, PORT_FILE = sys.argv[1], sys.argv[2]
SLOW_FROM, RATE = int(sys.argv[3]), float(sys.argv[4])
SIZE = os.path.getsize(PATH)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _range(self):
        r = self.headers.get("Range")
        if not r or not r.startswith("bytes="):
            return 0, SIZE - 1, False
        a, b = r[6:].split("-")
        if a == "":
            return max(0, SIZE - int(b)), SIZE - 1, True
        return int(a), min(int(b) if b else SIZE - 1, SIZE - 1), True

    def _head(self, send_body):
        a, b, partial = self._range()
        self.send_response(206 if partial else 200)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Length", str(b - a + 1))
        if partial:
            self.send_header("Content-Range", "bytes %d-%d/%d" % (a, b, SIZE))
        self.end_headers()
        if not send_body:
            return
        with open(PATH, "rb") as f:
            f.seek(a)
            left, pos = b - a + 1, a
            while left > 0:
                block = f.read(min(left, 16384))
                self.wfile.write(block)
                left -= len(block)
                if pos + len(block) > SLOW_FROM:
                    time.sleep(len(block) / RATE)
                pos += len(block)

    def do_HEAD(self):
        self._head(False)

    def do_GET(self):
        try:
            self._head(True)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the reader was killed: expected here


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
