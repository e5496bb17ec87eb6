#!/usr/bin/python3
"""Fault-injecting HTTP/1.1 proxy for the HTTP client tests (stdlib only).

Requests for /f/<KIND>-<N>[-<ARG>]/<TOKEN>/<PATH> are forwarded to the upstream as /<PATH>;
the first N requests of that exact URL get the fault KIND, later ones pass through untouched.
TOKEN only makes the counter unique per test. Any other path passes through as is.
Kinds:
  500, 503, 502 ...  answer with that status (no upstream request)
  429                429 with Retry-After: ARG (seconds, default 1)
  reset              headers + half the body, then a TCP reset
  short              headers (true Content-Length) + half the body, then close
  stall              headers + half the body, then nothing for ARG seconds (default 3600)
  stallhead          read the request, then send nothing for ARG seconds (default 3600)
  badrange           Range a-b is fetched as a+1-b+1 and answered with that (honest) Content-Range
  liarange           Content-Range says the requested range but the body is one byte short
GET /__stats answers a JSON object {"URL": requests seen}.
"""
import argparse
import asyncio
import json
import socket
import struct

COUNTS = {}


async def read_head(reader):
    data = await reader.readuntil(b"\r\n\r\n")
    lines = data.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        if line:
            k, v = line.split(":", 1)
            headers.append((k.strip(), v.strip()))
    return method, target, version, headers


def get(headers, name):
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


async def upstream_request(args, method, target, headers, body):
    reader, writer = await asyncio.open_connection(args.upstream_host, args.upstream_port)
    lines = [f"{method} {target} HTTP/1.1"]
    for k, v in headers:
        if k.lower() not in ("connection", "keep-alive", "proxy-connection"):
            lines.append(f"{k}: {v}")
    lines.append("Connection: close")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, payload = raw.partition(b"\r\n\r\n")
    hl = head.decode("latin-1").split("\r\n")
    status = int(hl[0].split(" ")[1])
    rheaders = []
    for line in hl[1:]:
        if line:
            k, v = line.split(":", 1)
            rheaders.append((k.strip(), v.strip()))
    if get(rheaders, "transfer-encoding"):
        raise RuntimeError("chunked upstream answers are not supported")
    return status, rheaders, payload


def render(status, headers, reason="X"):
    lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def set_header(headers, name, value):
    out = [(k, v) for k, v in headers if k.lower() != name.lower()]
    out.append((name, value))
    return out


async def handle(reader, writer, args):
    try:
        while True:
            try:
                method, target, _, headers = await read_head(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            length = int(get(headers, "content-length") or 0)
            body = await reader.readexactly(length) if length else b""
            if target == "/__stats":
                payload = json.dumps(COUNTS).encode()
                writer.write(render(200, [("Content-Length", str(len(payload)))]) + payload)
                await writer.drain()
                continue
            kind, arg, path = None, None, target
            if target.startswith("/f/"):
                parts = target.split("/", 4)  # '', 'f', spec, token, rest
                if len(parts) == 5:
                    spec = parts[2].split("-")
                    n = int(spec[1]) if len(spec) > 1 else 1
                    arg = spec[2] if len(spec) > 2 else None
                    path = "/" + parts[4]
                    seen = COUNTS.get(target, 0)
                    COUNTS[target] = seen + 1
                    if seen < n:
                        kind = spec[0]
            else:
                COUNTS[target] = COUNTS.get(target, 0) + 1
            if kind is None:
                status, rh, payload = await upstream_request(args, method, path, headers, body)
                writer.write(render(status, rh) + payload)
                await writer.drain()
                continue
            if kind.isdigit() or kind == "429":
                status = int(kind)
                rh = [("Content-Length", "0")]
                if status == 429:
                    rh.append(("Retry-After", arg or "1"))
                writer.write(render(status, rh))
                await writer.drain()
                continue
            if kind == "stallhead":
                await asyncio.sleep(float(arg or 3600))
                return
            rng = get(headers, "range")
            if kind == "badrange" and rng and rng.startswith("bytes=") and not rng.startswith("bytes=-"):
                a, _, b = rng[6:].partition("-")
                shifted = f"bytes={int(a) + 1}-" + (str(int(b) + 1) if b else "")
                headers = set_header(headers, "Range", shifted)
            status, rh, payload = await upstream_request(args, method, path, headers, body)
            if kind == "badrange":
                writer.write(render(status, rh) + payload)
                await writer.drain()
                continue
            if kind == "liarange":
                payload = payload[:-1]
                rh = set_header(rh, "Content-Length", str(len(payload)))
                writer.write(render(status, rh) + payload)
                await writer.drain()
                continue
            half = payload[: len(payload) // 2]
            writer.write(render(status, rh) + half)
            await writer.drain()
            if kind == "reset":
                sock = writer.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                writer.transport.abort()
                return
            if kind == "short":
                writer.close()
                return
            if kind == "stall":
                await asyncio.sleep(float(arg or 3600))
                return
            raise RuntimeError(f"unknown fault kind {kind}")
    except Exception as e:  # a broken test connection must not stop the proxy
        print("fault_proxy:", repr(e), flush=True)
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="127.0.0.1:18095")
    ap.add_argument("--upstream", default="127.0.0.1:18080")
    args = ap.parse_args()
    host, port = args.listen.rsplit(":", 1)
    args.upstream_host, up = args.upstream.rsplit(":", 1)
    args.upstream_port = int(up)
    server = await asyncio.start_server(lambda r, w: handle(r, w, args), host, int(port),
                                        reuse_address=True, backlog=512)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
