#!/usr/bin/env python3
"""delayproxy.py - an HTTP proxy to Prometheus that answers each request DELAY_MS later.

    delayproxy.py PORT_FILE TARGET_URL DELAY_MS [COUNT_FILE]

Listens on a free loopback port (written to PORT_FILE) and forwards every
request (any method, path and body) to TARGET_URL (http://HOST:PORT), waiting
DELAY_MS milliseconds before it answers: a Prometheus that is DELAY_MS further
away, as a remote one is. HTTP/1.1 with keep-alive; each client connection has
its own thread, and connections to the target are kept and reused (a pool),
so concurrent requests are delayed side by side, not one after another, and
the proxy adds little besides the delay. With COUNT_FILE, the number
of requests answered so far is written there after each one.
"""
import http.client
import http.server
import os
import sys
import threading
import time
import urllib.parse

port_file, target, delay = sys.argv[1], urllib.parse.urlsplit(sys.argv[2]), float(sys.argv[3]) / 1000.0
count_file = sys.argv[4] if len(sys.argv) > 4 else None
HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
       "te", "trailer", "transfer-encoding", "upgrade", "content-length", "host"}
lock = threading.Lock()
answered = 0
idle = []  # connections to the target that no request is using


def borrow():
    with lock:
        if idle:
            return idle.pop()
    return http.client.HTTPConnection(target.hostname, target.port or 80, timeout=600)


class Delay(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    def upstream(self, method, body, headers):
        """The target's answer (status, headers, body), on a pooled connection;
        one the target closed meanwhile is replaced by a new one, once."""
        for attempt in (0, 1):
            conn = borrow() if attempt == 0 else http.client.HTTPConnection(
                target.hostname, target.port or 80, timeout=600)
            try:
                conn.request(method, self.path, body, headers)
                resp = conn.getresponse()
                out = resp.status, resp.reason, resp.getheaders(), resp.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                if attempt:
                    raise
                continue
            with lock:
                idle.append(conn)
            return out
        raise AssertionError("unreachable")

    def handle_any(self):
        global answered
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
        if body is not None:
            headers["Content-Length"] = str(len(body))
        try:
            status, reason, rheaders, data = self.upstream(self.command, body, headers)
        except (http.client.HTTPException, OSError) as e:
            status, reason, rheaders, data = 502, "Bad Gateway", [], ("proxy: %s\n" % e).encode()
        # The delay comes on top of the target's own time, as a longer way would.
        time.sleep(delay)
        self.send_response(status, reason)
        for k, v in rheaders:
            if k.lower() not in HOP and k.lower() not in ("date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        if count_file:
            with lock:
                answered += 1
                with open(count_file + ".tmp", "w") as f:
                    f.write("%d\n" % answered)
                os.replace(count_file + ".tmp", count_file)

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = handle_any


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


srv = Server(("127.0.0.1", 0), Delay)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.replace(port_file + ".tmp", port_file)
srv.serve_forever()
