#!/usr/bin/env python3
"""delayproxy.py - an HTTP proxy to Prometheus that answers each request DELAY_MS later.

    delayproxy.py PORT_FILE TARGET_URL DELAY_MS [COUNT_FILE]

Listens on a free loopback port (written to PORT_FILE) and forwards every
request (any method, path and body) to TARGET_URL (http://HOST:PORT), waiting
DELAY_MS milliseconds (measured, not just asked of the event loop's timer)
after the target's answer before passing it on: a
Prometheus that is DELAY_MS further away, as a remote one is. HTTP/1.1 with
keep-alive; any number of client connections are served side by side (one
event loop), so concurrent requests are delayed together, not one after
another. Connections to the target are kept and reused, and messages are
passed on as they are (only their framing is read), so the proxy adds little
besides the delay. With COUNT_FILE, the number of requests answered so far is
written there after each one.
"""
import asyncio
import os
import sys
import urllib.parse

port_file, target, delay = sys.argv[1], urllib.parse.urlsplit(sys.argv[2]), float(sys.argv[3]) / 1000.0
count_file = sys.argv[4] if len(sys.argv) > 4 else None
LIMIT = 1 << 20  # longest header line or head
idle = []  # (reader, writer) to the target that no request is using
answered = 0
late = 0.0  # how much longer than asked the event loop's sleeps last, on average


async def wait(secs):
    """Sleeps secs, asking the event loop for less by what its timer usually
    adds (it wakes on whole milliseconds), so the delay is the one given."""
    global late
    loop = asyncio.get_running_loop()
    ask = max(0.0, secs - late)
    t = loop.time()
    await asyncio.sleep(ask)
    late = 0.9 * late + 0.1 * (loop.time() - t - ask)


def header(head, name):
    """The value of header name (lower case bytes) in a message head, or None."""
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == name:
            return v.strip()
    return None


async def body(reader, head, request, no_body=False):
    """The raw body that follows head (its framing kept), and whether the
    connection ends with it (a body delimited by the connection's end)."""
    if no_body:
        return b"", False
    length = header(head, b"content-length")
    if (header(head, b"transfer-encoding") or b"").lower().endswith(b"chunked"):
        parts = []
        while True:
            line = await reader.readuntil(b"\r\n")
            parts.append(line)
            if int(line.split(b";")[0], 16) == 0:
                while True:  # trailers, up to an empty line
                    line = await reader.readuntil(b"\r\n")
                    parts.append(line)
                    if line == b"\r\n":
                        return b"".join(parts), False
            parts.append(await reader.readexactly(int(line.split(b";")[0], 16) + 2))
    if length is not None:
        return await reader.readexactly(int(length)), False
    if request:
        return b"", False
    return await reader.read(), True


async def upstream():
    if idle:
        return idle.pop()
    return await asyncio.open_connection(target.hostname, target.port or 80, limit=LIMIT)


async def exchange(head, data, method):
    """The target's answer to one request: (head, body, reusable); a kept
    connection that the target closed meanwhile is replaced once."""
    for attempt in (0, 1):
        r, w = await upstream() if attempt == 0 else await asyncio.open_connection(
            target.hostname, target.port or 80, limit=LIMIT)
        try:
            w.write(head + data)
            await w.drain()
            while True:
                rhead = await r.readuntil(b"\r\n\r\n")
                status = int(rhead.split(b" ", 2)[1])
                if status >= 200 or status == 101:
                    break
            rdata, ended = await body(r, rhead, False,
                                      method == b"HEAD" or status in (204, 304) or 100 <= status < 200)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError):
            w.close()
            if attempt:
                raise
            continue
        close = ended or (header(rhead, b"connection") or b"").lower() == b"close" or \
            (header(head, b"connection") or b"").lower() == b"close"
        if close:
            w.close()
        else:
            idle.append((r, w))
        return rhead, rdata, not ended
    raise AssertionError("unreachable")


async def serve(reader, writer):
    global answered
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            method = head.split(b" ", 1)[0]
            data, _ = await body(reader, head, True)
            try:
                rhead, rdata, keep = await exchange(head, data, method)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError) as e:
                msg = ("proxy: %s\n" % e).encode()
                rhead = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(msg)
                rdata, keep = msg, False
            # The delay comes on top of the target's own time, as a longer way would.
            await wait(delay)
            writer.write(rhead + rdata)
            await writer.drain()
            if count_file:
                answered += 1
                with open(count_file + ".tmp", "w") as f:
                    f.write("%d\n" % answered)
                os.replace(count_file + ".tmp", count_file)
            if not keep or (header(head, b"connection") or b"").lower() == b"close" or \
                    (header(rhead, b"connection") or b"").lower() == b"close" or head.split(b"\r\n")[0].endswith(b"HTTP/1.0"):
                break
    except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
        pass
    writer.close()


async def main():
    srv = await asyncio.start_server(serve, "127.0.0.1", 0, limit=LIMIT, backlog=256)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(srv.sockets[0].getsockname()[1]))
    os.replace(port_file + ".tmp", port_file)
    async with srv:
        await srv.serve_forever()


asyncio.run(main())
