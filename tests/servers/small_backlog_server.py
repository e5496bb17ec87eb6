#!/usr/bin/python3
"""Python's own http.server as `python3 -m http.server` runs it (ThreadingHTTPServer,
SimpleHTTPRequestHandler, HTTP/1.0: one connection per request), with a listen backlog of 5
(socketserver's default request_queue_size). A burst of parallel connects overflows its accept
queue; each dropped connection attempt costs the client a 1 s SYN retransmission.
Usage: small_backlog_server.py --listen 127.0.0.1:18097 --root DIR [--backlog 5]
"""
import argparse
import functools
import http.server


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="127.0.0.1:18097")
    ap.add_argument("--root", required=True)
    ap.add_argument("--backlog", type=int, default=5)
    args = ap.parse_args()
    host, port = args.listen.rsplit(":", 1)

    class Server(http.server.ThreadingHTTPServer):
        request_queue_size = args.backlog

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a):
            pass

    handler = functools.partial(Handler, directory=args.root)
    with Server((host, int(port)), handler) as httpd:
        httpd.serve_forever()


if __name__ == "__main__":
    main()
