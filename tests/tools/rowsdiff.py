#!/usr/bin/env python3
"""rowsdiff.py - whether two powertest CSVs hold the same rows within a tolerance.

    rowsdiff.py A.csv B.csv TOLERANCE [COLUMN...]

Rows are matched by (task, node, start, end) when both files have those
columns, else by their order. Each numeric column given (default: power_w,
energy_wh, co2_g) must agree within TOLERANCE (0.01 = 1%) of the larger
value; the status and the text columns must be equal. Prints the largest
relative difference found (and each row that is off) and exits 1 when any
row is off or a row is missing on either side.
"""
import csv
import sys

a_path, b_path, tol = sys.argv[1], sys.argv[2], float(sys.argv[3])
cols = sys.argv[4:] or ["power_w", "energy_wh", "co2_g"]


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def key(r, i):
    if all(k in r for k in ("task", "node", "start", "end")):
        return (r["task"], r["node"], r["start"], r["end"])
    return i


a = {key(r, i): r for i, r in enumerate(rows(a_path))}
b = {key(r, i): r for i, r in enumerate(rows(b_path))}
bad = 0
worst, where = 0.0, ""
if not a:
    print("no rows in", a_path)
    bad += 1
for k in sorted(set(a) | set(b), key=str):
    if k not in a or k not in b:
        print("row only in", a_path if k in a else b_path, k)
        bad += 1
        continue
    ra, rb = a[k], b[k]
    if ra.get("status") != rb.get("status"):
        print("status differs", k, repr(ra.get("status")), repr(rb.get("status")))
        bad += 1
    for c in cols:
        va, vb = ra[c], rb[c]
        if va == "" or vb == "":
            if va != vb:
                print("%s: %r vs %r at %s" % (c, va, vb, k))
                bad += 1
            continue
        x, y = float(va), float(vb)
        d = abs(x - y) / max(abs(x), abs(y)) if max(abs(x), abs(y)) > 0 else 0.0
        if d > worst:
            worst, where = d, "%s of %s" % (c, k[1] if isinstance(k, tuple) else k)
        if d > tol:
            print("%s: %s vs %s (%.3f%%) at %s" % (c, va, vb, d * 100, k))
            bad += 1
print("%d rows, largest difference %.4f%% (%s)" % (len(a), worst * 100, where or "-"))
sys.exit(1 if bad else 0)
