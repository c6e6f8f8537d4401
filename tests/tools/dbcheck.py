#!/usr/bin/env python3
"""dbcheck.py - compares rows a database holds with the CSV powertest wrote.

    dbcheck.py same CSV DUMP KEYCOLS     every CSV row is in DUMP, value for value
    dbcheck.py sums CSV DUMP             DUMP is "node,total": per-node sums of energy_wh

DUMP is CSV with a header (sqlite3 -csv -header, psql --csv, or mariadb -B
turned into CSV by the caller); NULL is an empty cell. Times compare as
instants (RFC 3339 'T'/'Z' or the database's 'YYYY-MM-DD HH:MM:SS.fff[+00]');
numbers compare exactly as floats (the database holds what the CSV shows);
text exactly. The CSV's formula guard (a leading ' before = + - @) is not in
the database. Prints the first differences; exit 1 when there are any.
"""
import csv
import datetime
import sys


def when(s):
    s = s.strip().replace(" ", "T")
    if s.endswith("+00"):
        s = s[:-3] + "+00:00"
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    if "+" not in s[10:]:
        s += "+00:00"
    return datetime.datetime.fromisoformat(s)


def unguard(s):
    return s[1:] if len(s) > 1 and s[0] == "'" and s[1] in "=+-@" else s


def value(col, s):
    if s == "" or s == "NULL":
        return None
    if col in ("start", "end", "time"):
        return when(s)
    try:
        return float(s)
    except ValueError:
        return unguard(s)


def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def same(csv_path, dump_path, keys):
    want, got = load(csv_path), load(dump_path)
    keys = keys.split(",")
    index = {}
    for r in got:
        index[tuple(value(k, r[k]) if k in ("start", "end", "time") else r[k] for k in keys)] = r
    bad = 0
    if len(want) != len(got):
        print(f"{len(want)} rows in the CSV, {len(got)} in the database")
        bad += 1
    for r in want:
        key = tuple(value(k, r[k]) if k in ("start", "end", "time") else unguard(r[k]) for k in keys)
        d = index.get(key)
        if d is None:
            print(f"not in the database: {key}")
            bad += 1
            continue
        for col, s in r.items():
            a, b = value(col, s), value(col, d.get(col, "<missing>"))
            if col not in d or a != b:
                print(f"{key} {col}: CSV {s!r}, database {d.get(col)!r}")
                bad += 1
        if bad > 20:
            break
    print(f"{len(want)} rows compared, {bad} differences")
    return 1 if bad else 0


def sums(csv_path, dump_path):
    want = {}
    for r in load(csv_path):
        if r["energy_wh"]:
            want[r["node"]] = want.get(r["node"], 0.0) + float(r["energy_wh"])
    got = {r["node"]: float(r["total"]) for r in load(dump_path)}
    bad = 0
    for node in sorted(set(want) | set(got)):
        a, b = want.get(node), got.get(node)
        if a is None or b is None or abs(a - b) > 1e-6 * max(1.0, abs(a)):
            print(f"{node}: CSV {a}, database {b}")
            bad += 1
    print(f"{len(want)} nodes compared, {bad} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "same":
        sys.exit(same(sys.argv[2], sys.argv[3], sys.argv[4]))
    if len(sys.argv) == 4 and sys.argv[1] == "sums":
        sys.exit(sums(sys.argv[2], sys.argv[3]))
    sys.exit(__doc__)
