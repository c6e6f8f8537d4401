#!/usr/bin/env python3
"""cutproxy.py - a TCP proxy to a database server that goes away mid-command.

    cutproxy.py TARGET_PORT AFTER_BYTES PORT_FILE

Listens on a free loopback port (written to PORT_FILE), forwards each
connection to 127.0.0.1:TARGET_PORT, and once AFTER_BYTES bytes have gone
from clients to the server, closes every connection and refuses new ones:
what a client sees when its server is stopped in the middle of its work.
"""
import os
import socket
import sys
import threading

target, after, port_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
sent = 0
cut = threading.Event()
lock = threading.Lock()
conns = []


def pump(src, dst, count):
    global sent
    try:
        while not cut.is_set():
            data = src.recv(65536)
            if not data:
                break
            if count:
                with lock:
                    sent += len(data)
                    if sent >= after:
                        cut.set()
                        break
            dst.sendall(data)
    except OSError:
        pass
    if cut.is_set():
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass
    else:
        for c in (src, dst):
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(16)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.getsockname()[1]))
os.replace(port_file + ".tmp", port_file)
while True:
    c, _ = srv.accept()
    if cut.is_set():
        c.close()
        continue
    s = socket.create_connection(("127.0.0.1", target))
    conns += [c, s]
    threading.Thread(target=pump, args=(c, s, True), daemon=True).start()
    threading.Thread(target=pump, args=(s, c, False), daemon=True).start()
