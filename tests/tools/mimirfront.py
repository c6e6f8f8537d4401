#!/usr/bin/env python3
"""mimirfront.py - a front that answers like Grafana Mimir's query API, from a real Prometheus.

    mimirfront.py PROMETHEUS_URL TENANT PORT_FILE LOG_FILE WARN_FILE [MIMIR_FILE]

Listens on a free loopback port (written to PORT_FILE) and behaves as Mimir
does for a query client:
  - the API is under /prometheus (/prometheus/api/v1/query...); any other
    path is 404;
  - every request needs the header X-Scope-OrgID: TENANT, else 401 "no org id"
    (another tenant: 401 too, as a tenant without data would be useless here);
  - there is no targets API: /prometheus/api/v1/targets is 404, as in Mimir;
  - queries are answered by PROMETHEUS_URL; while WARN_FILE exists and is not
    empty, its text is added to the "warnings" of every query and
    query_range answer (what Mimir, Thanos and VictoriaMetrics send with a
    partial answer); the text "isPartial" sets "isPartial": true instead,
    as VictoriaMetrics' cluster does.
  - while MIMIR_FILE exists, /api/v1/status/buildinfo answers as Mimir's
    does (its application's name and its own version, 2.17.1), else as
    PROMETHEUS_URL's.
Each request is logged to LOG_FILE as one line: METHOD PATH?QUERY [FORM].
"""
import http.server
import json
import os
import sys
import threading
import urllib.error
import urllib.request

prom, tenant, port_file, log_file, warn_file = sys.argv[1:6]
mimir_file = sys.argv[6] if len(sys.argv) > 6 else None
lock = threading.Lock()
PREFIX = "/prometheus"


class Front(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body, ctype="text/plain; charset=utf-8"):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = self.rfile.read(length) if length else b""
        with lock, open(log_file, "a") as f:
            f.write("%s %s %s\n" % (self.command, self.path, form.decode(errors="replace")))
        path, _, query = self.path.partition("?")
        if not path.startswith(PREFIX + "/"):
            return self.reply(404, "404 page not found\n")
        if self.headers.get("X-Scope-OrgID") != tenant:
            return self.reply(401, "no org id\n")
        path = path[len(PREFIX):]
        if path.startswith("/api/v1/targets"):
            return self.reply(404, "404 page not found\n")
        if path == "/api/v1/status/buildinfo" and mimir_file and os.path.exists(mimir_file):
            return self.reply(200, json.dumps({"status": "success", "data": {
                "application": "Grafana Mimir", "version": "2.17.1", "revision": "0",
                "branch": "HEAD", "goVersion": "go1.23"}}), "application/json")
        url = prom + path + ("?" + query if query else "")
        req = urllib.request.Request(url, data=form if self.command == "POST" else None,
                                     method=self.command)
        if form:
            req.add_header("Content-Type", self.headers.get("Content-Type",
                                                            "application/x-www-form-urlencoded"))
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                status, body, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
        except urllib.error.HTTPError as e:
            status, body, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
        warning = ""
        try:
            with open(warn_file) as f:
                warning = f.read().strip()
        except OSError:
            pass
        if warning and path in ("/api/v1/query", "/api/v1/query_range") and status == 200:
            doc = json.loads(body)
            if warning == "isPartial":
                doc["isPartial"] = True
            else:
                doc.setdefault("warnings", []).append(warning)
            body = json.dumps(doc).encode()
        self.reply(status, body, ctype or "application/json")

    do_GET = do_POST = do_HEAD = handle_any


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Front)
server.daemon_threads = True
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
