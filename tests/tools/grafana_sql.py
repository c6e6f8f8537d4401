#!/usr/bin/env python3
"""grafana_sql.py - runs the SQL of powertest's Grafana dashboards without Grafana.

    grafana_sql.py expand DIALECT SQL --from S --to S [--interval I] [--var NAME=V]...
        prints SQL with its Grafana macros and variables expanded
    grafana_sql.py check DIALECT DASHBOARD --client CMD --report CSV [--export CSV]
                   --from S --to S --interval I [--node N]... [--task T]...
        runs every variable's and panel's rawSql of DASHBOARD against a server
        and compares each answer with the CSV powertest wrote for the same rows

DIALECT is mysql (MySQL, MariaDB) or postgresql. --from/--to are Unix seconds
(the dashboard's time range), --interval Grafana's $__interval (10m, 1h...).
--node/--task select variable values; without them a variable is All. CMD is
the client, run with the SQL appended: "mariadb --defaults-extra-file=F -h H
-P P DB" (gets -X -e SQL) or "psql -h H -p P -U U -d DB" (gets -X -q --csv
-c SQL). The MySQL session runs with the data source's
jsonData.timezone: give it with --timezone.

Expansion follows Grafana's SQL data sources (pkg/tsdb/mysql/macros.go,
pkg/tsdb/grafana-postgresql-datasource/macros.go, sqleng's Interpolate), in
their order: first the dashboard variables, then $__interval and
$__unixEpochFrom()/$__unixEpochTo(), then the macros. Only what these
dashboards use, and a query with anything else is an error:

    $node ${node}        each selected value in single quotes (a quote doubled),
                         joined by commas; All = every value the variable's own
                         query returned (no custom all value)
    $__interval          the --interval text; $__interval_ms its milliseconds
    $__unixEpochFrom()   Unix seconds; $__unixEpochTo() likewise
    $__timeFilter(c)     mysql: c BETWEEN FROM_UNIXTIME(from) AND FROM_UNIXTIME(to)
                         postgresql: c BETWEEN 'from' AND 'to' (RFC 3339, UTC)
    $__timeFrom()        mysql: FROM_UNIXTIME(from); postgresql: 'from'
    $__timeTo()          likewise
    $__timeGroup(c, I)   mysql: UNIX_TIMESTAMP(c) DIV n * n
                         postgresql: floor(extract(epoch from c)/n)*n  (n = I in s)
    $__timeGroupAlias(c, I)   $__timeGroup(c, I) AS "time"
    $__unixEpochFilter(c)     c >= from AND c <= to

and, like Grafana, a MySQL query with SHOW GRANTS, user(), current_user,
session_user() or system_user() is refused; in PostgreSQL a $__timeGroup
directly followed by a comma gets AS "time".

check reads what each panel computes from its SELECT list: key columns (node,
task, node AS metric, the $__timeGroupAlias bucket), aggregates (sum, avg,
min, max, count, count(DISTINCT ...) of a column, AS an alias), or plain
columns (a row listing, with ORDER BY ... DESC and LIMIT). It computes the
same from the CSV rows the panel is meant to cover (CONTRACT: report rows
whose end is in the range, of the selected nodes and tasks; export rows whose
time is, of the selected nodes), and requires: no error, at least
one row, the same groups, numbers within 1e-6 relative, equal times and text.
A variable must offer exactly the CSV's distinct values. One line per query;
exit 1 when any query fails.
"""
import argparse
import csv
import datetime
import json
import math
import os
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET

MACRO = re.compile(r"\$([_a-zA-Z0-9]+)\(([^)]*)\)")
# What Grafana's MySQL data source refuses to run (macros.go, restrictedRegExp).
MYSQL_REFUSED = re.compile(r"(?im)(\s*show\s+grants|[\s,]session_user\([^)]*\)|"
                           r"[\s,]current_user(\([^)]*\))?|[\s,]system_user\([^)]*\)|"
                           r"[\s,]user\([^)]*\))([\s,;]|$)")
TIME_COLS = ("start", "end", "time")
TEXT_COLS = ("task", "node", "device", "model", "tdp_source", "source", "cpu_source", "ram_source",
             "gpu_source", "power_source",
             "status")
# The rows a panel of each table covers: (time column in the range, $node
# applies, $task applies).
CONTRACT = {"powertest_report": ("end", True, True), "powertest_export": ("time", True, False)}
UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


# ---- expansion ----

def interval_seconds(text):
    m = re.fullmatch(r"(\d+)(ms|s|m|h|d|w|y)", text.strip().strip("'\""))
    if not m:
        raise ValueError("not a Grafana interval: %r" % text)
    return int(m.group(1)) * UNITS[m.group(2)]


def go_float(x):
    """Go's %v of a float64: 600 -> 600, 0.5 -> 0.5."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def rfc3339(seconds):
    """Go's time.RFC3339Nano in UTC: no trailing zeros in the fraction."""
    ms = round(seconds * 1000)
    t = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if ms % 1000:
        s += ("." + "%03d" % (ms % 1000)).rstrip("0")
    return s + "Z"


def quote(value):
    return "'" + value.replace("'", "''") + "'"


def expand(sql, dialect, t_from, t_to, interval="1m", variables=None):
    """sql with Grafana's variables and macros expanded for dialect."""
    variables = variables or {}

    def var(m):
        name = m.group(1) or m.group(2)
        if name.startswith("__"):
            return m.group(0)
        if name not in variables:
            raise ValueError("no value for the variable $%s" % name)
        values = variables[name]
        if not values:
            raise ValueError("the variable $%s has no value" % name)
        return ",".join(quote(v) for v in values)

    sql = re.sub(r"\$\{([_a-zA-Z0-9]+)\}|\$([_a-zA-Z0-9]+)(?!\()", var, sql)
    sql = sql.replace("$__interval_ms", str(int(interval_seconds(interval) * 1000)))
    sql = sql.replace("$__interval", interval)
    sql = sql.replace("$__unixEpochFrom()", str(int(t_from)))
    sql = sql.replace("$__unixEpochTo()", str(int(t_to)))
    my = dialect == "mysql"
    if my and MYSQL_REFUSED.search(sql):
        raise ValueError("Grafana's MySQL data source refuses SHOW GRANTS and user() here")

    def bound(t):
        return "FROM_UNIXTIME(%d)" % int(t) if my else "'%s'" % rfc3339(t)

    def macro(m):
        name, args = m.group(1), [a.strip() for a in m.group(2).split(",")]
        # PostgreSQL: a $__timeGroup followed by a comma is read as
        # $__timeGroupAlias (Grafana's rule for queries older than 5.3).
        if not my and name == "__timeGroup" and m.string[m.end():m.end() + 1] == ",":
            name = "__timeGroupAlias"
        if name == "__timeFilter":
            return "%s BETWEEN %s AND %s" % (args[0], bound(t_from), bound(t_to))
        if name == "__timeFrom":
            return bound(t_from)
        if name == "__timeTo":
            return bound(t_to)
        if name == "__unixEpochFilter":
            return "%s >= %d AND %s <= %d" % (args[0], int(t_from), args[0], int(t_to))
        if name in ("__timeGroup", "__timeGroupAlias"):
            if len(args) != 2:
                raise ValueError("$%s takes a column and an interval here" % name)
            n = interval_seconds(args[1])
            if my:
                g = "UNIX_TIMESTAMP(%s) DIV %.0f * %.0f" % (args[0], n, n)
            else:
                g = "floor(extract(epoch from %s)/%s)*%s" % (args[0], go_float(n), go_float(n))
            return g + (' AS "time"' if name == "__timeGroupAlias" else "")
        raise ValueError("macro $%s is not implemented here" % name)

    sql = MACRO.sub(macro, sql)
    if "$" in re.sub(r"'(?:[^']|'')*'", "''", sql):
        raise ValueError("something is left unexpanded: %s" % sql)
    return sql


# ---- the server ----

def run(client, dialect, sql):
    """Runs sql; returns (columns, rows as lists of str or None)."""
    cmd = shlex.split(client)
    if dialect == "mysql":
        cmd += ["-X", "-e", sql]
    else:
        cmd += ["-X", "-q", "--csv", "-v", "ON_ERROR_STOP=1", "-P", "null=\\N", "-c", sql]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if p.returncode != 0 or p.stderr.strip():
        raise RuntimeError((p.stderr.strip() or "exit %d" % p.returncode).splitlines()[0])
    if dialect == "mysql":
        if not p.stdout.strip():
            return [], []
        root = ET.fromstring(p.stdout)
        nil = "{http://www.w3.org/2001/XMLSchema-instance}nil"
        cols, rows = [], []
        for r in root.findall("row"):
            fields = r.findall("field")
            cols = [f.get("name") for f in fields]
            rows.append([None if f.get(nil) == "true" else (f.text or "") for f in fields])
        if not rows:
            return [], []
        return cols, rows
    lines = list(csv.reader(p.stdout.splitlines(True)))
    if not lines:
        return [], []
    return lines[0], [[None if c == "\\N" else c for c in r] for r in lines[1:]]


# ---- the CSV ----

def when_ms(s):
    """An instant in ms from RFC 3339 or a database's 'YYYY-MM-DD HH:MM:SS.fff[+00]'."""
    s = s.strip().replace(" ", "T")
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    elif re.search(r"[+-]\d\d$", s):
        s += ":00"
    elif not re.search(r"[+-]\d\d:\d\d$", s):
        s += "+00:00"
    return round(datetime.datetime.fromisoformat(s).timestamp() * 1000)


def unguard(s):
    return s[1:] if len(s) > 1 and s[0] == "'" and s[1] in "=+-@" else s


def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [{k: unguard(v) for k, v in r.items()} for r in csv.DictReader(f)]


def num(s):
    return None if s is None or s == "" else float(s)


# ---- what a query computes ----

def split_top(text, sep=","):
    out, depth, cur, quote_ch = [], 0, "", None
    for ch in text:
        if quote_ch:
            quote_ch = None if ch == quote_ch else quote_ch
        elif ch in "'\"`":
            quote_ch = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == sep and depth == 0:
            out.append(cur.strip())
            cur = ""
            continue
        cur += ch
    out.append(cur.strip())
    return out


def bare(name):
    return name.strip().strip("`\"")


def select_list(sql):
    m = re.search(r"^\s*SELECT\s+(.*?)\n?FROM\s+(\w+)", sql, re.S | re.I)
    if not m:
        raise ValueError("no SELECT ... FROM")
    items = []
    for item in split_top(m.group(1)):
        am = re.match(r"(.*?)\s+AS\s+(\w+)$", item, re.S | re.I)
        expr, alias = (am.group(1), am.group(2)) if am else (item, bare(item))
        g = re.fullmatch(r"\$__timeGroupAlias\(([^,]+),\s*([^)]+)\)", item.strip())
        if g:
            items.append(("bucket", "time", bare(g.group(1)), g.group(2)))
            continue
        a = re.fullmatch(r"(sum|avg|min|max|count)\((DISTINCT\s+)?([^()]+)\)", expr.strip(), re.I)
        if a:
            fn = a.group(1).lower() + ("_distinct" if a.group(2) else "")
            items.append(("agg", alias, bare(a.group(3)), fn))
        elif re.fullmatch(r"[`\"]?\w+[`\"]?", expr.strip()):
            items.append(("col", alias, bare(expr), None))
        else:
            items.append(("other", alias, expr, None))
    return m.group(2), items


def close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b)) or abs(a - b) < 1e-12


def aggregate(fn, col, rows):
    if fn == "count" and col == "*":
        return float(len(rows))
    vals = [r[col] for r in rows]
    if fn == "count_distinct":
        return float(len({v for v in vals if v is not None}))
    if fn == "count":
        return float(sum(1 for v in vals if v is not None))
    vals = [v for v in vals if v is not None and v != ""]
    if not vals:
        return None
    if col in TIME_COLS:
        vals = [when_ms(v) for v in vals]
        return {"min": min, "max": max}[fn](vals)
    vals = [float(v) for v in vals]
    if fn == "sum":
        return math.fsum(vals)
    if fn == "avg":
        return math.fsum(vals) / len(vals)
    return {"min": min, "max": max}[fn](vals)


def same_value(col, want, got):
    if col in TIME_COLS:
        return want == (None if got is None else when_ms(got))
    if isinstance(want, float) or want is None:
        return close(want, num(got))
    return want == got


def check_panel(title, sql, fmt, ctx):
    """Runs one panel query; returns (ok, message)."""
    table, items = select_list(sql)
    rows_all = ctx["tables"].get(table)
    if rows_all is None:
        return False, "no CSV for table %s" % table
    # Which rows a panel covers is the dashboards' contract, not the query's
    # say: report rows by their end, export rows by their time.
    tcol, by_node, by_task = CONTRACT[table]
    lo, hi = ctx["from"] * 1000, ctx["to"] * 1000
    rows = [r for r in rows_all
            if (tcol is None or lo <= when_ms(r[tcol]) <= hi)
            and (not by_node or r["node"] in ctx["vars"]["node"])
            and (not by_task or r["task"] in ctx["vars"]["task"])]
    cols, got = run(ctx["client"], ctx["dialect"], ctx["expand"](sql))
    if not got:
        return False, "no rows (the CSV has %d in the range)" % len(rows)
    names = [i[1] for i in items]
    if cols != names:
        return False, "columns %s, the SELECT list says %s" % (cols, names)
    got = [dict(zip(cols, g)) for g in got]
    aggs = [i for i in items if i[0] == "agg"]
    if any(i[0] == "other" for i in items):
        return False, "a column this check cannot compute: %s" % [i[2] for i in items if i[0] == "other"]
    if "time" in cols and fmt == "time_series":
        times = [float(g["time"]) for g in got]
        if times != sorted(times):
            return False, "a time series not sorted by time"
    if not aggs:
        return check_listing(sql, items, rows, got)
    keys = [i for i in items if i[0] in ("bucket", "col")]

    def key_of_csv(r):
        k = []
        for kind, alias, col, iv in keys:
            if kind == "bucket":
                n = interval_seconds(ctx["interval"] if "$__interval" in iv else iv)
                # By the contract's column, whatever the query buckets.
                k.append(float(math.floor(when_ms(r[tcol]) / 1000 / n) * n))
            else:
                k.append(r[col])
        return tuple(k)

    def key_of_db(g):
        return tuple(float(g[a]) if kind == "bucket" else g[a] for kind, a, _, _ in keys)

    groups = {}
    for r in rows:
        groups.setdefault(key_of_csv(r), []).append(r)
    if not keys and not groups:
        groups[()] = []
    dbk = {key_of_db(g): g for g in got}
    if len(dbk) != len(got):
        return False, "the same group twice"
    if set(dbk) != set(groups):
        miss = sorted(set(groups) - set(dbk), key=str)[:3]
        extra = sorted(set(dbk) - set(groups), key=str)[:3]
        return False, "groups differ: not in the answer %s, not in the CSV %s" % (miss, extra)
    bad = []
    for k, rs in groups.items():
        for _, alias, col, fn in aggs:
            want = aggregate(fn, col, rs)
            if not same_value(col if fn in ("min", "max") else alias, want, dbk[k][alias]):
                bad.append("%s %s: CSV %s, database %s" % (k, alias, want, dbk[k][alias]))
    if bad:
        return False, "; ".join(bad[:3])
    return True, "%d rows equal the CSV's %s over %d rows" % (
        len(got), ", ".join("%s(%s)" % (fn, col) for _, _, col, fn in aggs), len(rows))


def check_listing(sql, items, rows, got):
    """A row listing: every row as in the CSV; the top LIMIT by the ORDER BY column."""
    key = ("task", "node", "start", "end")
    if not all(k in [i[1] for i in items] for k in key):
        return False, "a listing without the key columns %s" % (key,)
    index = {(r["task"], r["node"], when_ms(r["start"]), when_ms(r["end"])): r for r in rows}
    seen = set()
    for g in got:
        k = (g["task"], g["node"], when_ms(g["start"]), when_ms(g["end"]))
        r = index.get(k)
        if r is None:
            return False, "a row not in the CSV (or outside the filter): %s" % (k,)
        seen.add(k)
        for _, alias, col, _ in items:
            want = r[col]
            if want == "" and g[alias] is None:
                ok = True
            elif col in TIME_COLS:
                ok = g[alias] is not None and when_ms(want) == when_ms(g[alias])
            elif col in TEXT_COLS:
                ok = want == g[alias]
            else:
                ok = close(num(want), num(g[alias]))
            if not ok:
                return False, "%s %s: CSV %r, database %r" % (k, alias, want, g[alias])
    lim = re.search(r"LIMIT\s+(\d+)", sql)
    n = min(len(rows), int(lim.group(1))) if lim else len(rows)
    if len(got) != n:
        return False, "%d rows, the CSV has %d to show" % (len(got), n)
    order = re.search(r"ORDER BY\s+[`\"]?(\w+)[`\"]?\s+DESC", sql)
    if order:
        col = order.group(1)
        seq = [when_ms(g[col]) for g in got]
        if seq != sorted(seq, reverse=True):
            return False, "not in descending %s" % col
    if order and lim:
        rest = [when_ms(r[col]) for k, r in index.items() if k not in seen]
        if rest and min(when_ms(g[col]) for g in got) < max(rest):
            return False, "not the rows with the latest %s" % col
    return True, "%d rows equal the CSV's, value for value" % len(got)


def check(args):
    dash = json.load(open(args.dashboard, encoding="utf-8"))
    tables = {"powertest_report": load(args.report)}
    if args.export:
        tables["powertest_export"] = load(args.export)
    client = args.client
    if args.dialect == "mysql" and args.timezone:
        client += " --init-command=" + shlex.quote("SET time_zone = '%s'" % args.timezone)
    ctx = {"client": client, "dialect": args.dialect, "tables": tables, "from": args.t_from,
           "to": args.t_to, "interval": args.interval, "vars": {}}
    failed = 0
    tag = "%s %s" % (args.dialect, os.path.basename(args.dashboard))

    def report(ok, what, msg):
        nonlocal failed
        failed += not ok
        print("%s: %s %s: %s" % ("ok" if ok else "FAIL", tag, what, msg))

    chosen = {"node": args.node, "task": args.task}
    for v in dash["templating"]["list"]:
        what = "variable $%s" % v["name"]
        try:
            sql = expand(v["query"], args.dialect, args.t_from, args.t_to, args.interval)
            cols, got = run(client, args.dialect, sql)
            vcol = cols.index("__value") if "__value" in cols else 0
            tcol = cols.index("__text") if "__text" in cols else vcol
            values = [g[vcol] for g in got]
            want = sorted({r[v["name"]] for r in tables["powertest_report"]})
            if not got:
                report(False, what, "no values")
            elif sorted(values) != want or len(values) != len(set(values)):
                report(False, what, "values %s, the CSV has %s" % (values[:5], want[:5]))
            elif any((g[tcol] == "(none)") != (g[vcol] == "") for g in got):
                report(False, what, "the empty value is not shown as (none)")
            else:
                report(True, what, "%d values, the CSV's" % len(values))
            sel = chosen.get(v["name"]) or values
            if set(sel) - set(values):
                report(False, what, "selected values it does not offer: %s" % (set(sel) - set(values)))
            ctx["vars"][v["name"]] = sel
        except (ValueError, RuntimeError) as e:
            report(False, what, str(e))
            return 1
    ctx["expand"] = lambda sql: expand(sql, args.dialect, args.t_from, args.t_to, args.interval,
                                       ctx["vars"])

    def panels(ps):
        for p in ps:
            yield p
            yield from panels(p.get("panels", []))

    for p in panels(dash["panels"]):
        for t in p.get("targets", []):
            what = "panel %r" % p["title"]
            try:
                ok, msg = check_panel(p["title"], t["rawSql"], t.get("format"), ctx)
            except (ValueError, RuntimeError, KeyError) as e:
                ok, msg = False, "%s: %s" % (type(e).__name__, e)
            report(ok, what, msg)
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cmd", choices=["expand", "check"])
    ap.add_argument("dialect", choices=["mysql", "postgresql"])
    ap.add_argument("what", help="SQL (expand) or DASHBOARD (check)")
    ap.add_argument("--from", dest="t_from", type=float, required=True)
    ap.add_argument("--to", dest="t_to", type=float, required=True)
    ap.add_argument("--interval", default="1m")
    ap.add_argument("--var", action="append", default=[])
    ap.add_argument("--client")
    ap.add_argument("--timezone")
    ap.add_argument("--report")
    ap.add_argument("--export")
    ap.add_argument("--node", action="append", default=[])
    ap.add_argument("--task", action="append", default=[])
    args = ap.parse_args()
    if args.cmd == "expand":
        variables = {}
        for v in args.var:
            name, _, value = v.partition("=")
            variables.setdefault(name, []).append(value)
        try:
            print(expand(args.what, args.dialect, args.t_from, args.t_to, args.interval,
                         variables))
        except ValueError as e:
            print("grafana_sql.py: %s" % e, file=sys.stderr)
            return 2
        return 0
    if not args.client or not args.report:
        ap.error("check needs --client and --report")
    args.dashboard = args.what
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
