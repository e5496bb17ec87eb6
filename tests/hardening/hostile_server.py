#!/usr/bin/env python3
"""A deliberately hostile HTTP server for the hardening tests (127.0.0.1, a free port).

Prints "PORT <n>" on stdout once listening, then serves until killed. Each path is one
misbehaviour a broken or malicious server shows (see tst_hardening_http.cpp).
"""
import gzip
import http.server
import socketserver
import sys
import time

PATTERN = bytes(range(256)) * 4096  # 1 MiB, byte i of a stream is i % 256


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output quiet
        pass

    def send(self, status, headers, body=b""):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def endless(self, chunked):
        try:
            while True:
                if chunked:
                    self.wfile.write(b"%x\r\n" % len(PATTERN) + PATTERN + b"\r\n")
                else:
                    self.wfile.write(PATTERN)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def do_GET(self):
        p = self.path.split("?")[0]
        port = self.server.server_address[1]
        if p == "/redirect-gopher":
            self.send(302, [("Location", f"gopher://127.0.0.1:{port}/_hello"), ("Content-Length", "0")])
        elif p == "/redirect-file":
            self.send(302, [("Location", "file:///dev/zero"), ("Content-Length", "0")])
        elif p == "/redirect-endless":
            self.send(302, [("Location", "/endless-200"), ("Content-Length", "0")])
        elif p == "/endless-200":
            # Ignores Range, answers 200 with no length and never stops.
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.endless(chunked=False)
        elif p == "/endless-chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.endless(chunked=True)
        elif p == "/big-200-for-range":
            # A 256 MiB object sent whole (with its length) whatever Range says.
            size = 256 << 20
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            try:
                for _ in range(size // len(PATTERN)):
                    self.wfile.write(PATTERN)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
        elif p == "/trickle":
            body = b"x" * 1000
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for b in body:
                    self.wfile.write(bytes([b]))
                    self.wfile.flush()
                    time.sleep(1)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
        elif p == "/silent-after-headers":
            self.send_response(200)
            self.end_headers()
            try:
                self.wfile.write(b"abc")
                self.wfile.flush()
                # A few bytes every 0.5 s: never stalled, never fast, never finished.
                while True:
                    time.sleep(0.5)
                    self.wfile.write(b"." * 200)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
        elif p == "/retry-after-hour":
            self.send(503, [("Retry-After", "3600"), ("Content-Length", "4")], b"busy")
        elif p == "/always-503":
            self.send(503, [("Content-Length", "4")], b"busy")
        elif p == "/gzip-json":
            body = gzip.compress(b'{"zarr_format": 2}')
            self.send(200, [("Content-Encoding", "gzip"), ("Content-Length", str(len(body)))], body)
        elif p == "/br-json":
            self.send(200, [("Content-Encoding", "br"), ("Content-Length", "5")], b"\x0b\x02\x80{}")
        elif p == "/huge-error":
            self.send_response(500)
            self.send_header("Connection", "close")
            self.end_headers()
            self.endless(chunked=False)
        else:
            self.send(404, [("Content-Length", "0")])


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
