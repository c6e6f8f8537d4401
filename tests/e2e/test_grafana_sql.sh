#!/usr/bin/env bash
# test_grafana_sql.sh - the SQL of the MySQL and PostgreSQL Grafana dashboards
# (config/grafana/dashboards/powertest-{mysql,postgresql}.json) is valid and
# answers what the CSV says. Grafana is not a Debian package and no Grafana
# server can be installed for these tests, so tests/tools/grafana_sql.py does
# Grafana's part: it expands the dashboard variables and the SQL macros the
# way Grafana's MySQL and PostgreSQL data sources do, and runs every variable's and panel's rawSql against a real
# MariaDB and PostgreSQL (scripts/dblab.sh) as the read-only user the
# provisioning files describe, with the session the MySQL data source sets
# (jsonData.timezone). The servers' own time zones are set to +05:30, so a
# time that is not UTC on either side shows. Batch rows, plain report rows
# (task '') and an export go into both databases and into CSV; every panel's
# groups and sums must equal the CSV's (1e-6 relative), for All, for a
# selection of nodes and tasks, and for two time ranges. Two altered setups
# (a session not in UTC; a filter on the wrong column) must fail.
source "$(dirname "$0")/lib.sh"
TOOLS=$PT_SOURCE_DIR/tests/tools
GF=$PT_SOURCE_DIR/config/grafana

# Four nodes, four hours ending an hour ago.
now=$(date +%s)
t0=$(((now - 5 * 3600) / 600 * 600))
python3 "$TOOLS/history.py" lab 4 "$t0" 4 "$PT_TMP/spec.json" || fatal "generator"
python3 "$TOOLS/history.py" write "$PT_TMP/spec.json" "$PT_TMP/history.om" || fatal "generator"
lab_start --no-exporters --backfill "$PT_TMP/history.om" >/dev/null

db_start
MY_HOSTPORT=${PT_DB_MYSQL_URI#*@}
MY_HOSTPORT=${MY_HOSTPORT%%/*}

# Neither server's own time zone is UTC.
"${MY[@]}" -e "SET GLOBAL time_zone = '+05:30'"
"${PG[@]}" -d postgres -c "ALTER DATABASE powertest SET timezone TO 'Asia/Kolkata'" >/dev/null

# The read-only users, made with the statements of the provisioning files'
# comments, before powertest creates its tables (PostgreSQL's default
# privileges must cover tables made later).
RPW=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
for kind in mysql postgresql; do
	sed -n '/^#   [A-Z]/,/^# [A-Z]/p' "$GF/provisioning/datasources/powertest-$kind.yaml" | sed -n 's/^#   //p' |
		sed "s/'PASSWORD'/'$RPW'/; s/GRAFANA_HOST/127.0.0.1/g" | tr '\n' ' ' | sed 's/; */;\n/g' \
		>"$PT_TMP/reader-$kind.sql"
done
assert_eq 2 "$(grep -c . "$PT_TMP/reader-mysql.sql")" "the MySQL file's comment has its two statements"
assert_eq 5 "$(grep -c . "$PT_TMP/reader-postgresql.sql")" "the PostgreSQL file's comment has its five statements"
"${MY[@]}" <"$PT_TMP/reader-mysql.sql" || fail "the MySQL read-only user statements"
"${PG[@]}" -d powertest <"$PT_TMP/reader-postgresql.sql" >/dev/null || fail "the PostgreSQL read-only role statements"
(
	umask 077
	printf '[client]\npassword=%s\n' "$RPW" >"$PT_TMP/reader.cnf"
	printf '127.0.0.1:%s:powertest:powertest_reader:%s\n' "$PT_DB_PG_PORT" "$RPW" >"$PT_TMP/reader.pgpass"
)
export PGPASSFILE=$PT_TMP/reader.pgpass
MYR=(mariadb "--defaults-extra-file=$PT_TMP/reader.cnf" --default-character-set=utf8mb4
	-h "${MY_HOSTPORT%:*}" -P "${MY_HOSTPORT#*:}" -u powertest_reader powertest)
PGR=(psql -h 127.0.0.1 -p "$PT_DB_PG_PORT" -U powertest_reader -d powertest)
# The same, as the command line grafana_sql.py runs (no spaces in these words).
declare -A CLIENT=([mysql]="${MYR[*]}" [postgresql]="${PGR[*]}")
# What the MySQL data source sets for its sessions (jsonData.timezone).
TZ_MY=$(sed -n "s/^ *timezone: *'\{0,1\}\([^' #]*\)'\{0,1\}.*/\1/p" "$GF/provisioning/datasources/powertest-mysql.yaml")
assert_eq "+00:00" "$TZ_MY" "the MySQL data source keeps its sessions in UTC"

printf 'prometheus: {url: %s, retries: 0}\noutputs: {password_file: %s}\n' "$PT_URL" \
	"$PT_DB_PASSWORD_FILE" >"$PT_TMP/cfg.yaml"
CFG=$PT_TMP/cfg.yaml

# Fourteen jobs on some or all nodes; names with quotes, a comma, unicode, a formula.
python3 - "$t0" >"$PT_TMP/jobs.csv" <<'PY'
import csv, random, sys
t0 = int(sys.argv[1]); rnd = random.Random(13)
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["task", "start", "end", "nodes"])
names = ["it's \"quoted\", ok", "Ünïcødé ✓ 能量", "=SUM(A1)", "plain"]
for i in range(14):
    d = rnd.choice([600, 1800, 3600]) + rnd.random() * 30
    s = t0 + 60 + rnd.random() * (4 * 3600 - 120 - d)
    w.writerow(["%s %d" % (names[i % 4], i), "%.3f" % s, "%.3f" % (s + d),
                rnd.choice(["", "node0000", "node0001;node0003", "node0002"])])
PY
S=$((t0 + 600)) E=$((t0 + 4200))
assert_exit 0 pt -c "$CFG" batch "$PT_TMP/jobs.csv" -o "$PT_TMP/batch.csv"
assert_exit 0 pt -c "$CFG" report --start $((t0 + 1200)) --end $((t0 + 9000)) -o "$PT_TMP/report.csv"
assert_exit 0 pt -c "$CFG" export --start $S --end $E --step 1m -o "$PT_TMP/export.csv"
for uri in "$PT_DB_MYSQL_URI" "$PT_DB_PG_URI"; do
	assert_exit 0 pt -c "$CFG" batch "$PT_TMP/jobs.csv" -o "$uri"
	assert_exit 0 pt -c "$CFG" report --start $((t0 + 1200)) --end $((t0 + 9000)) -o "$uri"
	assert_exit 0 pt -c "$CFG" export --start $S --end $E --step 1m -o "$uri"
done
# The rows of powertest_report: the batch's and the report's.
{ cat "$PT_TMP/batch.csv"; tail -n +2 "$PT_TMP/report.csv"; } >"$PT_TMP/rows.csv"
nrows=$(($(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], encoding="utf-8"))))' "$PT_TMP/rows.csv") - 1))
if ((nrows >= 20)); then ok "$nrows report rows in CSV"; else fail "only $nrows report rows"; fi

# The read-only user reads and cannot write.
n=$("${MYR[@]}" -N -B -e "SELECT count(*) FROM powertest_report" 2>&1)
assert_eq "$nrows" "$n" "mysql: the read-only user reads every row"
n=$("${PGR[@]}" -X -t -A -c "SELECT count(*) FROM powertest_export" 2>&1)
assert_eq "$(($(wc -l <"$PT_TMP/export.csv") - 1))" "$n" "postgresql: the read-only role reads the table made after its grant"
assert_exit 1 "${MYR[@]}" -e "DELETE FROM powertest_report"
assert_match "$ERR" "denied" "mysql: the read-only user cannot delete"
assert_exit 1 "${PGR[@]}" -X -v ON_ERROR_STOP=1 -c "DELETE FROM powertest_report"
assert_match "$ERR" "permission denied" "postgresql: the read-only role cannot delete"

# check DIALECT NAME ARGS...: every query of the dialect's dashboard; one ok/FAIL per query.
check() {
	local dialect=$1 name=$2 line rc=0
	shift 2
	python3 "$TOOLS/grafana_sql.py" check "$dialect" "$GF/dashboards/powertest-$dialect.json" \
		--client "${CLIENT[$dialect]}" --timezone "$TZ_MY" --report "$PT_TMP/rows.csv" \
		--export "$PT_TMP/export.csv" "$@" >"$PT_TMP/check.out" 2>&1 || rc=$?
	while IFS= read -r line; do
		case $line in
		ok:*) ok "$name: ${line#ok: }" ;;
		*) fail "$name: ${line#FAIL: }" ;;
		esac
	done <"$PT_TMP/check.out"
	cat "$PT_TMP/check.out" >>"$PT_TMP/all-checks.out"
	return $rc
}

A_FROM=$((t0 + 1800)) A_TO=$((t0 + 3 * 3600 + 900))
# A task with a quote in its name that has rows on node0001 or node0003 in that range.
QTASK=$(python3 - "$PT_TMP/rows.csv" $A_FROM $A_TO <<'PY'
import csv, datetime, sys
lo, hi = float(sys.argv[2]), float(sys.argv[3])
for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")):
    end = datetime.datetime.fromisoformat(r["end"].replace("Z", "+00:00")).timestamp()
    if "'" in r["task"] and r["node"] in ("node0001", "node0003") and lo <= end <= hi:
        print(r["task"])
        break
PY
)
[[ -n $QTASK ]] || fatal "no quoted task on node0001 or node0003 in the range"
started=$SECONDS
for dialect in mysql postgresql; do
	check "$dialect" "part of the range, All" --from $A_FROM --to $A_TO --interval 10m || true
	check "$dialect" "two nodes, two tasks" --from $A_FROM --to $A_TO --interval 1h \
		--node node0001 --node node0003 --task "$QTASK" --task "" || true
	check "$dialect" "everything" --from $((t0 - 3600)) --to "$now" --interval 5m || true
done
checked=$(grep -c . "$PT_TMP/all-checks.out")
echo "# $checked query checks in $((SECONDS - started)) s"
# The panels the dashboards are for, in both dialects and all three cases,
# computing what their titles say.
declare -A WHAT=(
	["IT energy, selected nodes and tasks"]="CSV's sum(energy_wh) over"
	["CO2, selected nodes and tasks"]="CSV's sum(co2_g) over"
	["IT energy per node"]="CSV's sum(energy_wh) over"
	["Energy and CO2 per task"]="sum(energy_wh), sum(co2_g) over"
	["CO2 over time"]="CSV's sum(co2_g) over"
	["Power per node (powertest_export)"]="CSV's avg(power_w) over"
	["Latest rows"]="equal the CSV's, value for value"
)
for title in "${!WHAT[@]}"; do
	n=$(grep -F "ok: " "$PT_TMP/all-checks.out" | grep -F "panel '$title'" | grep -cF "${WHAT[$title]}" || true)
	assert_eq 6 "$n" "panel '$title': '${WHAT[$title]}' in 6 of 6 runs"
done
n=$(grep -c '^ok: .* variable \$\(node\|task\): ' "$PT_TMP/all-checks.out" || true)
assert_eq 12 "$n" "both variables offer the CSV's values in 6 of 6 runs"

# The check can fail: a MySQL session in the server's +05:30...
if python3 "$TOOLS/grafana_sql.py" check mysql "$GF/dashboards/powertest-mysql.json" \
	--client "${CLIENT[mysql]}" --report "$PT_TMP/rows.csv" --export "$PT_TMP/export.csv" \
	--from $A_FROM --to $A_TO --interval 10m >"$PT_TMP/neg.out" 2>&1; then
	fail "a session not in UTC passes"
else
	assert_match "$(cat "$PT_TMP/neg.out")" "FAIL: .*panel 'IT energy per node'" "a session not in UTC fails the per-node energy"
fi
# ... and a PostgreSQL dashboard that filters on start instead of end.
# shellcheck disable=SC2016 # the macros are text here
sed 's/\$__timeFilter(\\"end\\")/$__timeFilter(\\"start\\")/g' "$GF/dashboards/powertest-postgresql.json" \
	>"$PT_TMP/wrong.json"
assert_eq 0 "$(grep -c 'timeFilter(\\"end' "$PT_TMP/wrong.json" || true)" "the altered dashboard filters on start"
if python3 "$TOOLS/grafana_sql.py" check postgresql "$PT_TMP/wrong.json" \
	--client "${CLIENT[postgresql]}" --report "$PT_TMP/rows.csv" --export "$PT_TMP/export.csv" \
	--from $A_FROM --to $A_TO --interval 10m >"$PT_TMP/neg.out" 2>&1; then
	fail "a filter on start passes"
else
	assert_match "$(cat "$PT_TMP/neg.out")" "FAIL: .*panel 'CO2, selected nodes and tasks'" "a filter on start fails the CO2 total"
fi

# The expansions, as Grafana's macros.go writes them.
# shellcheck disable=SC2016 # the macros are text here
assert_exit 0 python3 "$TOOLS/grafana_sql.py" expand mysql 'SELECT $__timeGroupAlias(`end`, $__interval) WHERE $__timeFilter(`end`) AND n IN ($node)' \
	--from 1796000000 --to 1796003600 --interval 5m --var node=a --var "node=b'c"
assert_eq "SELECT UNIX_TIMESTAMP(\`end\`) DIV 300 * 300 AS \"time\" WHERE \`end\` BETWEEN FROM_UNIXTIME(1796000000) AND FROM_UNIXTIME(1796003600) AND n IN ('a','b''c')" "$OUT" "mysql expansion"
# shellcheck disable=SC2016
assert_exit 0 python3 "$TOOLS/grafana_sql.py" expand postgresql 'SELECT $__timeGroup("end", 1h), x WHERE $__timeFilter("end")' \
	--from 1796000000.25 --to 1796003600
assert_eq "SELECT floor(extract(epoch from \"end\")/3600)*3600 AS \"time\", x WHERE \"end\" BETWEEN '2026-11-30T00:53:20.25Z' AND '2026-11-30T01:53:20Z'" "$OUT" "postgresql expansion"
# shellcheck disable=SC2016
assert_exit 2 python3 "$TOOLS/grafana_sql.py" expand mysql 'SELECT user() FROM t' --from 0 --to 1
# An unknown macro is refused, not passed through.
# shellcheck disable=SC2016 # the macros are text here
assert_exit 2 python3 "$TOOLS/grafana_sql.py" expand mysql 'SELECT $__timeGroupAliasX(x, 1m)' --from 0 --to 1
# shellcheck disable=SC2016
assert_exit 2 python3 "$TOOLS/grafana_sql.py" expand postgresql 'SELECT $__unixEpochNanoFrom()' --from 0 --to 1

pass
