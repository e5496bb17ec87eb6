#!/usr/bin/env python3
"""An S3 bucket in another region, as AWS answers it: requests signed (SigV4) for any region but
REGION get 301 PermanentRedirect with x-amz-bucket-region (as AWS does for a bucket addressed in
the wrong region); requests signed for REGION are forwarded unchanged to the S3 server behind
(s3rver, which checks the signature but knows no regions). Listens on 127.0.0.1, a free port,
printed as "READY port". Usage: s3_region_proxy.py REGION UPSTREAM_PORT"""
import http.client
import http.server
import re
import sys

REGION, UPSTREAM = sys.argv[1], int(sys.argv[2])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def handle_any(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        m = re.search(r'Credential=[^/]+/\d{8}/([^/]+)/s3/', self.headers.get('Authorization', ''))
        if m and m.group(1) != REGION:
            xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PermanentRedirect</Code>'
                   '<Message>The bucket you are attempting to access must be addressed using the '
                   'specified endpoint.</Message><Endpoint>s3.%s.amazonaws.com</Endpoint>'
                   '<Region>%s</Region></Error>' % (REGION, REGION)).encode()
            self.send_response(301)
            self.send_header('x-amz-bucket-region', REGION)
            self.send_header('Content-Type', 'application/xml')
            self.send_header('Content-Length', '0' if self.command == 'HEAD' else str(len(xml)))
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(xml)
            return
        conn = http.client.HTTPConnection('127.0.0.1', UPSTREAM, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() != 'connection'}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ('connection', 'transfer-encoding', 'content-length'):
                self.send_header(k, v)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(data)
        conn.close()

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = handle_any


server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
print('READY', server.server_address[1], flush=True)
server.serve_forever()
