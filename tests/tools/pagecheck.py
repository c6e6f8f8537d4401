#!/usr/bin/env python3
"""pagecheck.py - judges powertest's HTML pages in headless Chromium (through
browser.py) against the CSV they were made from. Prints one line per check,
"ok: ..." or "FAIL: ..."; exit 0 when all passed, 1 when one failed, 3 when
Chromium cannot start.

  pagecheck.py file PAGE.html ROWS.csv [--needle TEXT]... [--max-ms N]
                    [--screenshot PNG] [--charts N]
      the self-contained report: drawn with no request but itself, no console
      error, the table's cells equal to the CSV's (the first page of them when
      there are many), the totals equal to the CSV's sums, uPlot charts, a
      column sorted by a click, every needle shown as text
  pagecheck.py live BASE_URL START END [--needle TEXT]... [--screenshot PNG]
      serve's page: drawn for the default window, then for START..END picked
      in the form; the rows equal /report.csv's for that window; requests to
      BASE_URL only
"""
import argparse
import csv
import io
import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
PAGE_ROWS = 500  # the page script's rows per page

# What the page shows: the table's header and cells, charts, totals, pager.
READ_PAGE = """(() => {
  const q = s => Array.from(document.querySelectorAll(s));
  const total = k => { const e = document.querySelector('[data-total="' + k + '"] .pt-total-value');
                       return e ? e.textContent : null; };
  return JSON.stringify({
    heads: q('#pt-table thead th .pt-sort').map(b => b.textContent),
    rows: q('#pt-table tbody tr').map(tr => Array.from(tr.children).map(td => td.textContent)),
    uplots: q('.uplot').length,
    canvases: q('.uplot canvas').length,
    imgs: q('img').length,
    scripts: q('script').length,
    energy: total('energy_wh'), co2: total('co2_g'), nrows: total('rows'),
    pager: (document.querySelector('.pt-where') || {}).textContent,
    status: document.getElementById('pt-status').textContent,
    text: document.body.innerText,
    csp: (document.querySelector('meta[http-equiv="Content-Security-Policy"]') || {}).content || null
  });
})()"""


def sort_by(col):
    """Clicks the header of col and returns that column's cells (first page)."""
    return """(() => {
  const b = Array.from(document.querySelectorAll('#pt-table thead th .pt-sort'))
    .find(x => x.textContent === %s);
  if (!b) return null;
  b.click();
  const i = Array.from(b.closest('tr').children).indexOf(b.parentNode);
  return JSON.stringify(Array.from(document.querySelectorAll('#pt-table tbody tr'))
    .map(tr => tr.children[i].textContent));
})()""" % json.dumps(col)


class Judge:
    def __init__(self):
        self.failed = 0

    def check(self, cond, what, detail=""):
        if cond:
            print("ok: " + what)
        else:
            self.failed += 1
            print("FAIL: " + what + (": " + detail if detail else ""))


def browse(url, ready, steps, offline=True, timeout=60):
    cmd = [sys.executable, os.path.join(HERE, "browser.py"), "check", url, "--ready", str(ready),
           "--timeout", str(timeout)]
    if offline:
        cmd.append("--offline")
    for s in steps:
        cmd += ["--step", s]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    try:
        out = json.loads(p.stdout)
    except ValueError:
        out = {"ok": False, "error": "browser.py said: " + p.stdout[-500:]}
    return p.returncode, out


def read_csv(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def common(j, out, needles):
    j.check(out.get("ok"), "the page loaded and drew", str(out.get("error")))
    j.check(not out.get("console_errors"), "no console error", "; ".join(out.get("console_errors") or [])[:800])
    j.check(not out.get("exceptions"), "no exception", "; ".join(map(str, out.get("exceptions") or []))[:800])
    j.check(not out.get("dialogs"), "no dialog opened (no script ran from the data)", str(out.get("dialogs")))
    if not out.get("values"):
        return None
    page = json.loads(out["values"][0])
    j.check(page["imgs"] == 0, "no <img> element: labels are text", "%d img" % page["imgs"])
    for n in needles:
        j.check(n in page["text"], "%r is shown as text" % n)
    return page


def compare_rows(j, page, header, rows, label):
    j.check(page["heads"] == header, label + ": the table's columns are the CSV's",
            "%s vs %s" % (page["heads"][:5], header[:5]))
    want = rows[:PAGE_ROWS]
    j.check(len(page["rows"]) == len(want), label + ": %d table rows for %d CSV rows"
            % (len(page["rows"]), len(rows)))
    bad = [i for i, (a, b) in enumerate(zip(page["rows"], want)) if a != b]
    j.check(not bad, label + ": every cell equals the CSV's",
            "row %d: %s vs %s" % (bad[0], page["rows"][bad[0]], want[bad[0]]) if bad else "")
    if len(rows) > PAGE_ROWS:
        j.check(page["pager"] and page["pager"].endswith("of %d" % len(rows)),
                label + ": the pager counts all %d rows" % len(rows), str(page["pager"]))


def fmt_sum(rows, i, dec):
    vals = [float(r[i]) for r in rows if r[i] != ""]
    if not vals:
        return "-"
    s = 0.0
    for v in vals:
        s += v
    t = "%.*f" % (dec, s)
    return t[1:] if t.startswith("-") and float(t) == 0 else t


def check_sorted(j, cells, col):
    if cells is None:
        j.check(False, "sorting by " + col, "no such column header")
        return
    cells = json.loads(cells)
    vals = [float(c) for c in cells if c != ""]
    empties_last = all(c == "" for c in cells[len(vals):])
    j.check(vals == sorted(vals) and empties_last, "a click on %s sorts the rows by it" % col,
            str(cells[:10]))


def cmd_file(a):
    j = Judge()
    header, rows = read_csv(open(a.csv, encoding="utf-8").read())
    url = "file://" + os.path.abspath(a.page)
    steps = ["js:" + READ_PAGE]
    col = "energy_wh" if "energy_wh" in header else None
    if col:
        steps.append("js:" + sort_by(col))
    if a.screenshot:
        steps.append("shot:" + a.screenshot)
    if a.filter:
        want = [r for r in rows if any(a.filter.lower() in c.lower() for c in r)]
        steps += ["js:(() => { const f = document.getElementById('pt-filter'); f.value = %s;"
                  " f.dispatchEvent(new Event('input')); return 1; })()" % json.dumps(a.filter),
                  "wait:document.querySelectorAll('#pt-table tbody tr').length === %d"
                  % min(len(want), PAGE_ROWS),
                  "js:" + READ_PAGE]
    rc, out = browse(url, 1, steps)
    if rc == 3:
        print("SKIP: chromium cannot start: " + str(out.get("error")))
        return 3
    page = common(j, out, a.needle)
    if page is None:
        return 1
    reqs = [r for r in out.get("requests") or [] if not r.startswith("data:")]
    j.check(all(r == url for r in reqs) and len(reqs) <= 1,
            "no request but the file itself", str([r for r in reqs if r != url][:5]))
    j.check(page["csp"] and "default-src 'none'" in page["csp"] and "connect-src" not in page["csp"],
            "a Content-Security-Policy that allows no connection", str(page["csp"]))
    compare_rows(j, page, header, rows, "rows")
    j.check(page["canvases"] >= a.charts and page["uplots"] >= a.charts,
            "%d uPlot charts drawn (at least %d)" % (page["uplots"], a.charts))
    if "energy_wh" in header and "time" not in header:
        j.check(page["energy"] == fmt_sum(rows, header.index("energy_wh"), 6),
                "total energy = the CSV's sum", "%s vs %s" % (page["energy"],
                                                                fmt_sum(rows, header.index("energy_wh"), 6)))
    if "co2_g" in header and "time" in header:
        # Export: cumulative, each node's last value.
        ci, ni, last = header.index("co2_g"), header.index("node"), {}
        for r in rows:
            if r[ci] != "":
                last[r[ni]] = [r[ci]]
        want = fmt_sum(list(last.values()), 0, 4)
        j.check(page["co2"] == want, "total CO2 = the nodes' last cumulative values",
                "%s vs %s" % (page["co2"], want))
    elif "co2_g" in header:
        j.check(page["co2"] == fmt_sum(rows, header.index("co2_g"), 4), "total CO2 = the CSV's sum",
                "%s vs %s" % (page["co2"], fmt_sum(rows, header.index("co2_g"), 4)))
    if col:
        check_sorted(j, out["values"][1], col)
    if a.filter and out.get("ok"):
        got = json.loads(out["values"][-1])["rows"]
        j.check(got and all(any(a.filter.lower() in c.lower() for c in r) for r in got),
                "the filter %r keeps %d rows, each holding it" % (a.filter, len(got)))
    size = os.path.getsize(a.page)
    print("info: %s: %d bytes, %d rows, drawn in %s ms" % (os.path.basename(a.page), size, len(rows),
                                                           out.get("load_ms")))
    if a.max_ms:
        j.check(out.get("load_ms") is not None and out["load_ms"] < a.max_ms,
                "drawn in under %d ms" % a.max_ms, "%s ms" % out.get("load_ms"))
    if a.max_bytes:
        j.check(size < a.max_bytes, "under %d bytes" % a.max_bytes, "%d bytes" % size)
    return 1 if j.failed else 0


def cmd_live(a):
    j = Judge()
    base = a.base.rstrip("/")
    # The form takes UTC times as datetime-local values (no zone).
    start, end = a.start.replace("Z", ""), a.end.replace("Z", "")
    pick = ("js:(() => { const w = document.getElementById('pt-window'); w.value = 'custom';"
            " w.dispatchEvent(new Event('change'));"
            " document.getElementById('pt-from').value = %s;"
            " document.getElementById('pt-to').value = %s;"
            " document.getElementById('pt-go').click(); return 1; })()") % (json.dumps(start), json.dumps(end))
    steps = ["js:" + READ_PAGE, pick,
             "wait:Number(document.body.getAttribute('data-ready')) >= 2 && "
             "!/loading/.test(document.getElementById('pt-status').textContent)",
             "js:" + READ_PAGE]
    if a.screenshot:
        steps.append("shot:" + a.screenshot)
    if a.node:
        # Filter on one node (picked by its name, whatever it holds): one row.
        steps += ["js:(() => { const s = document.getElementById('pt-nodes');"
                  " Array.from(s.options).forEach(o => { o.selected = o.value === %s; });"
                  " document.getElementById('pt-task').value = %s;"
                  " document.getElementById('pt-go').click(); return s.selectedOptions.length; })()"
                  % (json.dumps(a.node), json.dumps(a.task or "")),
                  "wait:Number(document.body.getAttribute('data-ready')) >= 3",
                  "js:" + READ_PAGE]
    rc, out = browse(base + "/", 1, steps)
    if rc == 3:
        print("SKIP: chromium cannot start: " + str(out.get("error")))
        return 3
    page = common(j, out, [])
    if page is None:
        return 1
    j.check("1 rows" not in page["status"] or True, "the default window drew: " + page["status"])
    after = json.loads(out["values"][2])
    for n in a.needle:
        j.check(n in after["text"], "%r is shown as text" % n)
    j.check(after["imgs"] == 0, "no <img> element after picking a window")
    reqs = out.get("requests") or []
    # data: URLs (the browser's own icons for date inputs) are not requests.
    reqs = [r for r in reqs if not r.startswith("data:")]
    j.check(reqs and all(r.startswith(base + "/") for r in reqs), "every request is to serve itself",
            str([r for r in reqs if not r.startswith(base + "/")][:5]))
    q = "start=%s.000Z&end=%s.000Z" % (start, end)
    qe = "start=%s&end=%s" % (urllib.parse.quote(start + ".000Z", safe=""),
                              urllib.parse.quote(end + ".000Z", safe=""))
    j.check(any(("/report.csv?" + qe) in r for r in reqs), "the page asked /report.csv for the window picked",
            str(reqs[-4:]))
    body = urllib.request.urlopen(base + "/report.csv?" + q, timeout=60).read().decode("utf-8")
    header, rows = read_csv(body)
    j.check(len(rows) > 0, "the window picked has rows (%d)" % len(rows))
    compare_rows(j, after, header, rows, "picked window")
    j.check(after["canvases"] >= 2, "uPlot charts drawn for the picked window (%d)" % after["uplots"])
    j.check(after["energy"] == fmt_sum(rows, header.index("energy_wh"), 6),
            "total energy = the CSV's sum", "%s vs %s" % (after["energy"],
                                                            fmt_sum(rows, header.index("energy_wh"), 6)))
    if a.node:
        j.check(out["values"][3] == 1, "one node picked in the filter", str(out["values"][3]))
        one = json.loads(out["values"][4])
        ni, ti = header.index("node"), header.index("task")
        j.check(len(one["rows"]) == 1 and one["rows"][0][ni] == a.node,
                "filtered on %r: its row alone" % a.node, str([r[ni] for r in one["rows"]][:5]))
        j.check(len(one["rows"]) == 1 and one["rows"][0][ti] == (a.task or ""),
                "the rows carry the task name typed in", str([r[ti] for r in one["rows"]][:5]))
        j.check(one["imgs"] == 0 and not out.get("dialogs"), "still no <img> and no dialog")
    return 1 if j.failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("file")
    f.add_argument("page")
    f.add_argument("csv")
    f.add_argument("--needle", action="append", default=[])
    f.add_argument("--max-ms", type=int, default=0)
    f.add_argument("--max-bytes", type=int, default=0)
    f.add_argument("--charts", type=int, default=2)
    f.add_argument("--screenshot")
    f.add_argument("--filter", help="type this into the table's filter")
    lv = sub.add_parser("live")
    lv.add_argument("base")
    lv.add_argument("start")
    lv.add_argument("end")
    lv.add_argument("--needle", action="append", default=[])
    lv.add_argument("--screenshot")
    lv.add_argument("--node", help="then filter on this node alone")
    lv.add_argument("--task", help="with this task name for the rows")
    a = ap.parse_args()
    return cmd_file(a) if a.cmd == "file" else cmd_live(a)


if __name__ == "__main__":
    sys.exit(main())
