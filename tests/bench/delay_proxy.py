#!/usr/bin/python3
"""Latency-injecting TCP proxy for the benchmark (stdlib asyncio, any number of connections).

Every chunk read from one side is written to the other exactly DELAY ms after it was read, in
order, in both directions, so a request/response round trip costs 2*DELAY (the RTT). With
--connect-rtt a new connection waits one RTT before anything flows, like a TCP handshake.
Bytes pass through untouched (HTTP/1.1 keep-alive, TLS, HTTP/2 all work).
--workers N forks N processes sharing the port (SO_REUSEPORT), so one Python core is not the
bandwidth limit; each connection stays in one process.
Usage: delay_proxy.py --listen 127.0.0.1:18090 --upstream 127.0.0.1:18081 --delay-ms 25
"""
import argparse
import asyncio
import os
import signal
import socket


async def pump(reader, writer, delay, loop):
    queue = asyncio.Queue()

    async def forward():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                try:
                    if writer.can_write_eof():
                        writer.write_eof()
                except (OSError, RuntimeError):
                    pass
                return
            writer.write(data)
            # Back-pressure without adding latency: only wait when the kernel buffer is full.
            if writer.transport.get_write_buffer_size() > (8 << 20):
                await writer.drain()

    task = asyncio.ensure_future(forward())
    try:
        while True:
            data = await reader.read(1 << 20)
            await queue.put((loop.time() + delay, data if data else None))
            if not data:
                break
        await task
    except (ConnectionError, OSError):
        task.cancel()


async def handle(client_reader, client_writer, args):
    loop = asyncio.get_running_loop()
    delay = args.delay_ms / 1000.0
    sock = client_writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        if args.connect_rtt:
            await asyncio.sleep(2 * delay)
        up_reader, up_writer = await asyncio.open_connection(args.up_host, args.up_port)
        up_writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        client_writer.close()
        return
    try:
        await asyncio.gather(pump(client_reader, up_writer, delay, loop),
                             pump(up_reader, client_writer, delay, loop))
    finally:
        for w in (up_writer, client_writer):
            try:
                w.close()
            except Exception:
                pass


async def serve(args, sock):
    server = await asyncio.start_server(lambda r, w: handle(r, w, args), sock=sock)
    async with server:
        await server.serve_forever()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", default="127.0.0.1:18090")
    ap.add_argument("--upstream", default="127.0.0.1:18081")
    ap.add_argument("--delay-ms", type=float, default=25)
    ap.add_argument("--connect-rtt", action="store_true")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    host, port = args.listen.rsplit(":", 1)
    args.up_host, up = args.upstream.rsplit(":", 1)
    args.up_port = int(up)

    def listener():
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind((host, int(port)))
        s.listen(4096)
        s.setblocking(False)
        return s

    children = []
    for _ in range(max(0, args.workers - 1)):
        pid = os.fork()
        if pid == 0:
            asyncio.run(serve(args, listener()))
            os._exit(0)
        children.append(pid)

    def stop(*_):
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    asyncio.run(serve(args, listener()))


if __name__ == "__main__":
    main()
