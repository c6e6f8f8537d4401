#!/usr/bin/env bash
# test_targets.sh - `powertest targets` (doc/reference.md §1.2) against a real Prometheus:
# formats, --job filter, a target that refuses connections, Prometheus gone,
# a URL that is not Prometheus, usage errors.
source "$(dirname "$0")/lib.sh"

# Prints "ok" when FILE is CSV whose header has job, instance and health and
# whose rows hold exactly the (job, instance, health) triples given.
csv_check() {
	python3 - "$@" <<'PY'
import csv, sys
path, want = sys.argv[1], sys.argv[2:]
rows = list(csv.reader(open(path, newline="")))
if not rows:
    sys.exit("empty CSV")
head = [h.strip().lower() for h in rows[0]]
for col in ("job", "instance", "health"):
    if col not in head:
        sys.exit("header %r has no %r column" % (rows[0], col))
j, i, h = head.index("job"), head.index("instance"), head.index("health")
bad = [r for r in rows[1:] if len(r) != len(head)]
if bad:
    sys.exit("rows with %d cells instead of %d: %r" % (len(bad[0]), len(head), bad[0]))
got = sorted("%s %s %s" % (r[j], r[i], r[h]) for r in rows[1:])
exp = sorted(" ".join(want[k:k + 3]) for k in range(0, len(want), 3))
if got != exp:
    sys.exit("rows %r, expected %r" % (got, exp))
print("ok")
PY
}

# Prints "ok" when FILE is JSON holding, somewhere, an object for each
# (job, instance, health) triple given and no other target object.
json_check() {
	python3 - "$@" <<'PY'
import json, sys
path, want = sys.argv[1], sys.argv[2:]
doc = json.load(open(path))
found = []
def walk(x):
    if isinstance(x, dict):
        if "job" in x and "instance" in x and "health" in x:
            found.append("%s %s %s" % (x["job"], x["instance"], x["health"]))
        else:
            for v in x.values():
                walk(v)
    elif isinstance(x, list):
        for v in x:
            walk(v)
walk(doc)
exp = sorted(" ".join(want[k:k + 3]) for k in range(0, len(want), 3))
if sorted(found) != exp:
    sys.exit("targets %r, expected %r" % (sorted(found), exp))
print("ok")
PY
}

one_line_msg() { # stderr is exactly one line, "powertest: ..."
	local n
	n=$(wc -l <"$ERR_FILE")
	assert_eq 1 "$n" "$1: one line on stderr"
	assert_match "$ERR" '^powertest: ' "$1: stderr starts with 'powertest: '"
}

# ---- a healthy lab: node + gpu, both up ----
lab_start
NODE=$PT_LAB_NODE_INSTANCE GPU=$PT_LAB_GPU_INSTANCE NODE_URL=http://$PT_LAB_NODE_INSTANCE

assert_exit 0 pt -u "$PT_URL" targets
assert_contains "$OUT" "$NODE" "table lists the node target"
assert_contains "$OUT" "$GPU" "table lists the gpu target"
assert_match "$OUT" 'node' "table names job node"
assert_match "$OUT" 'gpu' "table names job gpu"
assert_contains "$OUT" "up" "table shows health up"

assert_exit 0 pt -u "$PT_URL" targets --format table
assert_contains "$OUT" "$NODE" "--format table lists the node target"

assert_exit 0 pt -u "$PT_URL" targets --format csv
assert_eq ok "$(csv_check "$OUT_FILE" node "$NODE" up gpu "$GPU" up 2>&1)" "CSV parses and has both targets up"

assert_exit 0 pt -u "$PT_URL" targets --format json
if python3 -m json.tool <"$OUT_FILE" >/dev/null 2>"$PT_TMP/json.err"; then
	ok "JSON output parses"
else
	fail "JSON output does not parse: $(cat "$PT_TMP/json.err")"
fi
assert_eq ok "$(json_check "$OUT_FILE" node "$NODE" up gpu "$GPU" up 2>&1)" "JSON has both targets up"

# The global -u also works in its long form; the config file is optional.
assert_exit 0 pt --url "$PT_URL" targets --format csv
assert_eq ok "$(csv_check "$OUT_FILE" node "$NODE" up gpu "$GPU" up 2>&1)" "--url works like -u"

# ---- --job filter ----
assert_exit 0 pt -u "$PT_URL" targets --job node --format csv
assert_eq ok "$(csv_check "$OUT_FILE" node "$NODE" up 2>&1)" "--job node lists only node"
assert_exit 0 pt -u "$PT_URL" targets --job node
assert_contains "$OUT" "$NODE" "--job node table lists node"
assert_not_contains "$OUT" "$GPU" "--job node table leaves out gpu"
assert_exit 0 pt -u "$PT_URL" targets --job node --job gpu --format csv
assert_eq ok "$(csv_check "$OUT_FILE" node "$NODE" up gpu "$GPU" up 2>&1)" "--job twice selects both"
assert_exit 1 pt -u "$PT_URL" targets --job nosuch
assert_exit 1 pt -u "$PT_URL" targets --job nosuch --format csv

# ---- usage errors ----
assert_exit 2 pt -u "$PT_URL" targets --no-such-flag
one_line_msg "unknown flag"
assert_exit 2 pt -u "$PT_URL" targets --format xml
assert_exit 2 pt -u "$PT_URL" targets --job
assert_exit 2 pt -u "$PT_URL" targets extra-argument

# ---- a URL that is not Prometheus: node_exporter answers HTML and text ----
assert_exit 3 pt -u "$NODE_URL" targets
one_line_msg "not Prometheus"
assert_exit 3 pt -u "$NODE_URL/metrics" targets --format csv

# ---- nothing listening ----
assert_exit 3 pt -u "http://127.0.0.1:$(free_port)" targets
one_line_msg "connection refused"

# ---- a target that refuses connections ----
DEAD=127.0.0.1:$(free_port)
lab_start --extra-target "$DEAD"
NODE=$PT_LAB_NODE_INSTANCE GPU=$PT_LAB_GPU_INSTANCE

assert_exit 1 pt -u "$PT_URL" targets
assert_contains "$OUT" "$DEAD" "table lists the refusing target"
assert_contains "$OUT" "down" "table shows it down"
assert_contains "$OUT" "connection refused" "table shows its last error"

assert_exit 1 pt -u "$PT_URL" targets --format csv
assert_eq ok "$(csv_check "$OUT_FILE" node "$NODE" up gpu "$GPU" up extra "$DEAD" down 2>&1)" "CSV: node and gpu up, extra down"
assert_contains "$OUT" "connection refused" "CSV has the last error"

assert_exit 1 pt -u "$PT_URL" targets --format json
assert_eq ok "$(json_check "$OUT_FILE" node "$NODE" up gpu "$GPU" up extra "$DEAD" down 2>&1)" "JSON: node and gpu up, extra down"
assert_contains "$OUT" "connection refused" "JSON has the last error"

assert_exit 0 pt -u "$PT_URL" targets --job node --job gpu
assert_not_contains "$OUT" "$DEAD" "a filter that leaves out the down target"
assert_exit 1 pt -u "$PT_URL" targets --job extra
# A target of the node that never answers makes its rows partial (a GPU
# exporter down all along must not make a GPU node look CPU-only and whole).
sleep 2
assert_exit 1 pt -u "$PT_URL" report --last 3s
assert_match "$OUT" $'\n,127.0.0.1,[^\n]*,partial: 33% of scrapes failed$' "report partial beside a never-up target"

# ---- Prometheus stopped ----
prom_kill
assert_exit 3 pt -u "$PT_URL" targets
one_line_msg "Prometheus stopped"
assert_exit 3 pt -u "$PT_URL" targets --format json

pass
