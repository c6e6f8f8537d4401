#!/usr/bin/env python3
"""browser.py - loads a page in headless Chromium through the DevTools protocol
and reports what happened: console errors, exceptions, JavaScript dialogs,
every request, the time until the page said it was drawn, and the values of
the steps asked for. Standard library only (a small WebSocket client).

    browser.py check URL [--ready N] [--timeout S] [--step STEP]... [--offline]

--ready N waits until <body data-ready> is at least N (the page script counts
its drawings). Steps run in order after that:
    js:EXPR      evaluate EXPR, its value goes to "values"
    wait:EXPR    evaluate EXPR every 50 ms until it is truthy (else fail)
    shot:PATH    a PNG screenshot of the whole page to PATH
--offline maps every host name to nothing (the machine's network is not
reached even by mistake).

Prints one JSON object: {"ok", "load_ms", "console_errors", "exceptions",
"dialogs", "requests", "values", "error"}. Exit 0 when the run itself worked
(the caller judges the contents), 3 when Chromium cannot start, 1 otherwise.
"""
import argparse
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: text frames, masked
    from the client, fragments joined, pings answered."""

    def __init__(self, url, timeout):
        assert url.startswith("ws://")
        hostport, _, path = url[5:].partition("/")
        host, _, port = hostport.partition(":")
        self.sock = socket.create_connection((host, int(port or 80)), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n") % (path, hostport, key)
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise OSError("websocket handshake: connection closed")
            head += chunk
        head, _, self.buf = head.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise OSError("websocket handshake refused: %r" % head[:100])

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise OSError("websocket closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _send(self, opcode, payload):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i & 3] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send(self, text):
        self._send(1, text.encode())

    def recv(self):
        data = b""
        while True:
            b0, b1 = self._read(2)
            opcode, n = b0 & 15, b1 & 127
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            if b1 & 0x80:
                mask = self._read(4)
                payload = bytes(b ^ mask[i & 3] for i, b in enumerate(self._read(n)))
            else:
                payload = self._read(n)
            if opcode == 9:
                self._send(10, payload)
                continue
            if opcode == 8:
                raise OSError("websocket closed by the browser")
            data += payload
            if b0 & 0x80:
                return data.decode("utf-8", "replace")


class Page:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.events = []

    def call(self, method, params=None, timeout=30):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params or {}}))
        deadline = time.time() + timeout
        while time.time() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            if "method" in msg:
                self.on_event(msg)
        raise TimeoutError(method)

    def on_event(self, msg):
        self.events.append(msg)
        if msg["method"] == "Page.javascriptDialogOpening":
            # An alert() from an injected script must not stall the page.
            self.ws.send(json.dumps({"id": 0, "method": "Page.handleJavaScriptDialog",
                                     "params": {"accept": False}}))

    def evaluate(self, expr):
        r = self.call("Runtime.evaluate", {"expression": expr, "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError("evaluating %s: %s" % (expr, r["exceptionDetails"].get("text")))
        return r["result"].get("value")

    def wait(self, expr, timeout):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.evaluate(expr):
                return True
            time.sleep(0.05)
        return False


def start_chromium(tmp, offline):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        return None, "no chromium on PATH"
    args = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-default-apps", "--disable-extensions", "--mute-audio",
            "--window-size=1280,1000", "--user-data-dir=" + tmp, "--remote-debugging-port=0",
            "--remote-allow-origins=*"]
    if offline:
        args.append("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")
    args.append("about:blank")
    log = open(os.path.join(tmp, "chromium.log"), "wb")
    proc = subprocess.Popen(args, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    port_file = os.path.join(tmp, "DevToolsActivePort")
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            with open(os.path.join(tmp, "chromium.log"), "rb") as f:
                return None, "chromium exited: " + f.read()[-400:].decode("utf-8", "replace")
        if os.path.exists(port_file):
            lines = open(port_file).read().split("\n")
            if len(lines) >= 2 and lines[0].strip():
                return (proc, int(lines[0])), None
        time.sleep(0.05)
    proc.kill()
    return None, "chromium did not open its DevTools port in 30 s"


def check(args):
    out = {"ok": False, "load_ms": None, "console_errors": [], "exceptions": [], "dialogs": [],
           "requests": [], "values": [], "error": None}
    tmp = tempfile.mkdtemp(prefix="pt-browser-")
    started, why = start_chromium(tmp, args.offline)
    if started is None:
        shutil.rmtree(tmp, ignore_errors=True)
        out["error"] = why
        print(json.dumps(out))
        return 3
    proc, port = started
    try:
        targets = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=10))
        page_t = next(t for t in targets if t.get("type") == "page")
        page = Page(WebSocket(page_t["webSocketDebuggerUrl"], args.timeout))
        for m in ("Runtime.enable", "Log.enable", "Network.enable", "Page.enable"):
            page.call(m)
        t0 = time.time()
        page.call("Page.navigate", {"url": args.url})
        if not page.wait("document.readyState === 'complete'", args.timeout):
            raise RuntimeError("the page did not finish loading in %s s" % args.timeout)
        if args.ready and not page.wait("Number(document.body && document.body.getAttribute"
                                        "('data-ready') || 0) >= %d" % args.ready, args.timeout):
            raise RuntimeError("the page did not draw (data-ready < %d) in %s s"
                               % (args.ready, args.timeout))
        out["load_ms"] = round((time.time() - t0) * 1000)
        for step in args.step:
            kind, _, arg = step.partition(":")
            if kind == "js":
                out["values"].append(page.evaluate(arg))
            elif kind == "wait":
                if not page.wait(arg, args.timeout):
                    raise RuntimeError("timed out waiting for: " + arg)
            elif kind == "shot":
                metrics = page.call("Page.getLayoutMetrics")
                size = metrics.get("cssContentSize") or metrics["contentSize"]
                shot = page.call("Page.captureScreenshot", {
                    "format": "png", "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": min(size["width"], 1600),
                             "height": min(size["height"], 6000), "scale": 1}}, timeout=60)
                with open(arg, "wb") as f:
                    f.write(base64.b64decode(shot["data"]))
            else:
                raise RuntimeError("unknown step " + step)
        page.evaluate("1")  # collect the events still queued
        out["ok"] = True
    except Exception as e:  # noqa: BLE001 - reported to the caller
        out["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    for ev in page.events if "page" in locals() else []:
        m, p = ev["method"], ev.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            out["console_errors"].append(" ".join(str(a.get("value", a.get("description", "")))
                                                  for a in p.get("args", [])))
        elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
            out["console_errors"].append(p["entry"].get("text", ""))
        elif m == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            out["exceptions"].append(d.get("exception", {}).get("description") or d.get("text"))
        elif m == "Page.javascriptDialogOpening":
            out["dialogs"].append(p.get("message"))
        elif m == "Network.requestWillBeSent":
            out["requests"].append(p["request"]["url"])
    print(json.dumps(out))
    return 0 if out["ok"] else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("url")
    c.add_argument("--ready", type=int, default=0)
    c.add_argument("--timeout", type=float, default=30)
    c.add_argument("--step", action="append", default=[])
    c.add_argument("--offline", action="store_true")
    args = ap.parse_args()
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
