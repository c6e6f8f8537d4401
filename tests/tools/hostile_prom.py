#!/usr/bin/env python3
"""hostile_prom.py - a server that answers like a broken, hostile or overloaded
Prometheus, for tests/e2e/test_bad_input.sh.

    hostile_prom.py PORTFILE

Listens on a free loopback port (written to PORTFILE) until killed. The
first path segment picks the behaviour, so a client given the base URL
http://127.0.0.1:PORT/MODE sends every API call (/MODE/api/v1/query,
/MODE/api/v1/targets...) to that mode. Unknown modes answer 404 JSON.
Every answer is bounded in size and time; the server stops by itself after
ten minutes.
"""
import json
import socket
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

T = 1795255200.0


def vec(metric, t, v):
    return {"metric": metric, "value": [t, v]}


def ok(result, rtype="vector"):
    return json.dumps({"status": "success", "data": {"resultType": rtype, "result": result}})


TARGET = {"discoveredLabels": {}, "labels": {"instance": "n1:9100", "job": "node"},
          "scrapePool": "node", "scrapeUrl": "http://n1:9100/metrics", "globalUrl": "",
          "lastError": "", "lastScrape": "2026-11-21T10:00:00Z", "lastScrapeDuration": 0.01,
          "health": "up", "scrapeInterval": "15s", "scrapeTimeout": "10s"}


def targets(items):
    return json.dumps({"status": "success", "data": {"activeTargets": items, "droppedTargets": []}})


def odd_target(**kw):
    t = json.loads(json.dumps(TARGET))
    t.update(kw)
    return t


# mode -> (status, content type, body) or a callable(handler) that answers itself
BODIES = {
    "html200": (200, "text/html", "<html><body>Welcome to nginx!</body></html>"),
    "html404": (404, "text/html", "<html><body>404 Not Found</body></html>"),
    "html502": (502, "text/html", "<html><body>Bad Gateway</body></html>"),
    "empty200": (200, "application/json", ""),
    "truncated": (200, "application/json", ok([vec({"instance": "n1"}, T, "1")])[:40]),
    "notjson": (200, "application/json", "status=success"),
    "toplist": (200, "application/json", "[1,2,3]"),
    "topstring": (200, "application/json", "\"success\""),
    "nodata": (200, "application/json", "{\"status\":\"success\"}"),
    "dataarray": (200, "application/json", "{\"status\":\"success\",\"data\":[]}"),
    "resultstring": (200, "application/json",
                     "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":\"x\"}}"),
    "resulttype": (200, "application/json",
                   "{\"status\":\"success\",\"data\":{\"resultType\":\"banana\",\"result\":[]}}"),
    "valuenotarray": (200, "application/json", ok([{"metric": {}, "value": "1"}])),
    "valueshort": (200, "application/json", ok([{"metric": {}, "value": [T]}])),
    "valuenumber": (200, "application/json", ok([{"metric": {}, "value": [T, 1]}])),
    "valuetext": (200, "application/json", ok([{"metric": {}, "value": [T, "lots"]}])),
    "timetext": (200, "application/json", ok([{"metric": {}, "value": ["noon", "1"]}])),
    "timehuge": (200, "application/json", ok([{"metric": {}, "value": [1e300, "1"]}])),
    "metricarray": (200, "application/json", ok([{"metric": [], "value": [T, "1"]}])),
    "labelnumber": (200, "application/json", ok([{"metric": {"instance": 5}, "value": [T, "1"]}])),
    "statuserror200": (200, "application/json",
                       "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"}"),
    "statusweird": (200, "application/json", "{\"status\":\"maybe\",\"data\":{}}"),
    "deep": (200, "application/json", "[" * 5000 + "]" * 5000),
    "nul": (200, "application/json", "{\"status\":\"succ\0ess\"}"),
    "badutf8": (200, "application/json", b"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"instance\":\"\xff\"},\"value\":[1,\"1\"]}]}}"),
    "e401": (401, "text/plain", "Unauthorized"),
    "e403": (403, "application/json", "{\"status\":\"error\",\"errorType\":\"forbidden\",\"error\":\"no\"}"),
    "e404json": (404, "application/json", "{\"status\":\"error\",\"errorType\":\"not_found\",\"error\":\"no such path\"}"),
    "e422": (422, "application/json",
             "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"query timed out\"}"),
    "e400": (400, "application/json",
             "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"1:1: parse error: unexpected\\nnewline\"}"),
    "e429": (429, "text/plain", "Too Many Requests"),
    "e500": (500, "text/plain", "Internal Server Error"),
    "e503": (503, "text/plain", "Service Unavailable"),
    "e504html": (504, "text/html", "<html>Gateway Timeout</html>"),
    "e418": (418, "text/plain", "I'm a teapot"),
    "targetshtml": (200, "text/html", "<html>targets</html>"),
    "targetsstring": (200, "application/json", "{\"status\":\"success\",\"data\":{\"activeTargets\":\"x\"}}"),
}

# Targets answers: odd labels. Queries in these modes answer an empty vector.
TARGETS = {
    "tnolabels": targets([odd_target(labels={})]),
    "tnewline": targets([odd_target(labels={"instance": "n1\nevil", "job": "node\r\n"})]),
    "tescape": targets([odd_target(labels={"instance": "\u001b[31mred", "job": "node"})]),
    "tlong": targets([odd_target(labels={"instance": "n" * 5000, "job": "j" * 5000})]),
    "thealth": targets([odd_target(health=5, lastScrape="yesterday", scrapeInterval="forever")]),
    "tnull": targets([None, 5, "x", odd_target()]),
    "tmany": targets([odd_target(labels={"instance": "n%d:9100" % i, "job": "node"}) for i in range(3000)]),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, ctype, body, extra=None):
        if isinstance(body, str):
            body = body.encode("utf-8", "surrogateescape")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1 << 20))
        parts = self.path.split("/")
        mode = parts[1] if len(parts) > 1 else ""
        is_targets = self.path.split("?")[0].endswith("/api/v1/targets")
        if mode in BODIES:
            self.send(*BODIES[mode])
        elif mode in TARGETS:
            if is_targets:
                self.send(200, "application/json", TARGETS[mode])
            else:
                self.send(200, "application/json", ok([]))
        elif mode == "slow":
            time.sleep(5)
            self.send(200, "application/json", ok([]))
        elif mode == "trickle":
            # Headers at once, then one byte a second: a timeout, not a hang.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(6):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(1)
        elif mode == "huge":
            # Far past any answer powertest expects: aborted at its cap.
            chunk = b"[" + b"0," * 524288
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(chunk) * 300))
            self.end_headers()
            try:
                for _ in range(300):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif mode == "shortlength":
            body = ok([vec({"instance": "n1"}, T, "1")]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) + 100))
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True
        elif mode == "close":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif mode == "garbage":
            self.wfile.write(b"\x00\x01\x02 not http at all\r\n\r\n")
            self.close_connection = True
        elif mode == "gzipbad":
            self.send(200, "application/json", b"\x1f\x8b\x08\x00garbage", {"Content-Encoding": "gzip"})
        elif mode == "deflate":
            self.send(200, "application/json", zlib.compress(b"{\"status\":\"success\"}"),
                      {"Content-Encoding": "br"})
        elif mode == "redirect":
            self.send(302, "text/plain", "moved", {"Location": "/html200" + self.path[len("/redirect"):]})
        elif mode == "redirectloop":
            self.send(301, "text/plain", "moved", {"Location": self.path})
        elif mode == "redirectaway":
            self.send(307, "text/plain", "moved", {"Location": "http://127.0.0.1:1/api/v1/query"})
        elif mode == "chunkedbad":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"zz\r\nnot a chunk\r\n")
            self.close_connection = True
        else:
            self.send(404, "application/json",
                      "{\"status\":\"error\",\"errorType\":\"not_found\",\"error\":\"unknown mode\"}")

    do_GET = answer
    do_POST = answer


class Server(ThreadingHTTPServer):
    # powertest sends its queries at once: a backlog of 5 drops SYNs (1 s each).
    request_queue_size = 128
    daemon_threads = True


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    threading.Timer(600, srv.shutdown).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()
