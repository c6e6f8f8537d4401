#!/usr/bin/env bash
# test_db.sh - rows into real databases: SQLite, and a MariaDB and a
# PostgreSQL server started here (scripts/dblab.sh, unprivileged, loopback).
# batch rows equal the CSV's value for value; a second run adds no row;
# columns are typed; a server gone mid-batch leaves no row and --resume
# completes; names with quotes and unicode round-trip; the password is in no
# output, argv or server log; a Grafana-style sum equals the CSV's.
source "$(dirname "$0")/lib.sh"
TOOLS=$PT_SOURCE_DIR/tests/tools

# Four nodes, four hours ending an hour ago.
now=$(date +%s)
t0=$(((now - 5 * 3600) / 600 * 600))
python3 "$TOOLS/history.py" lab 4 "$t0" 4 "$PT_TMP/spec.json" || fatal "generator"
python3 "$TOOLS/history.py" write "$PT_TMP/spec.json" "$PT_TMP/history.om" || fatal "generator"
lab_start --no-exporters --backfill "$PT_TMP/history.om" >/dev/null

db_start
PASSWORD=$(cat "$PT_DB_PASSWORD_FILE")

printf 'prometheus: {url: %s, retries: 0}\noutputs: {password_file: %s}\n' "$PT_URL" \
	"$PT_DB_PASSWORD_FILE" >"$PT_TMP/cfg.yaml"
CFG=$PT_TMP/cfg.yaml

# Twelve windows; task names with quotes, a comma, unicode and a formula.
python3 - "$t0" >"$PT_TMP/jobs.csv" <<'PY'
import csv, random, sys
t0 = int(sys.argv[1]); rnd = random.Random(5)
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(["task", "start", "end", "nodes"])
names = ["it's \"quoted\", ok", "Ünïcødé ✓ 能量", "=SUM(A1)", "plain"]
for i in range(12):
    d = rnd.choice([600, 1800, 3600]) + rnd.random() * 30
    s = t0 + 60 + rnd.random() * (4 * 3600 - 120 - d)
    w.writerow(["%s %d" % (names[i % 4], i), "%.3f" % s, "%.3f" % (s + d),
                rnd.choice(["", "node0000", "node0001;node0003", "node0002"])])
PY
assert_exit 0 pt -c "$CFG" batch "$PT_TMP/jobs.csv" -o "$PT_TMP/ref.csv"
REF_ROWS=$(($(python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1]))))' "$PT_TMP/ref.csv") - 1))
((REF_ROWS >= 12)) && ok "the CSV has $REF_ROWS rows" || fail "the CSV has $REF_ROWS rows"

KEYS=task,node,start,end
sqlite_dump() { sqlite3 -csv -header "$PT_TMP/t.db" "SELECT * FROM powertest_report"; }
mysql_dump() { # mariadb -B to CSV (tab-separated, NULL written as NULL, escapes)
	"${MY[@]}" -B "${1:-powertest}" -e "SELECT * FROM powertest_report" | python3 -c '
import csv, sys
w = csv.writer(sys.stdout, lineterminator="\n")
for line in sys.stdin.read().split("\n")[:-1]:
    w.writerow([c.replace("\\t", "\t").replace("\\n", "\n").replace("\\\\", "\\") for c in line.split("\t")])'
}
pg_dump_rows() { "${PG[@]}" -d "${1:-powertest}" --csv -c "SELECT * FROM powertest_report"; }
count() { # count KIND [DB]
	case $1 in
	sqlite) sqlite3 "$PT_TMP/t.db" "SELECT count(*) FROM powertest_report" ;;
	mysql) "${MY[@]}" -N -B "${2:-powertest}" -e "SELECT count(*) FROM powertest_report" ;;
	pg) "${PG[@]}" -d "${2:-powertest}" -t -A -c "SELECT count(*) FROM powertest_report" ;;
	esac
}

declare -A URI=([sqlite]="sqlite:$PT_TMP/t.db" [mysql]="$PT_DB_MYSQL_URI" [pg]="$PT_DB_PG_URI")
for kind in sqlite mysql pg; do
	assert_exit 0 pt -c "$CFG" batch "$PT_TMP/jobs.csv" -o "${URI[$kind]}"
	assert_eq "" "$ERR" "$kind: batch says nothing"
	assert_not_contains "$OUT$ERR" "$PASSWORD" "$kind: the password is in no output"
	case $kind in
	sqlite) sqlite_dump >"$PT_TMP/$kind.csv" ;;
	mysql) mysql_dump >"$PT_TMP/$kind.csv" ;;
	pg) pg_dump_rows >"$PT_TMP/$kind.csv" ;;
	esac
	if python3 "$TOOLS/dbcheck.py" same "$PT_TMP/ref.csv" "$PT_TMP/$kind.csv" "$KEYS" >"$PT_TMP/cmp.out"; then
		ok "$kind: batch rows equal the CSV's, value for value ($(tail -1 "$PT_TMP/cmp.out"))"
	else
		fail "$kind: rows differ from the CSV: $(head -5 "$PT_TMP/cmp.out" | tr '\n' ' ')"
	fi
	assert_exit 0 pt -c "$CFG" batch "$PT_TMP/jobs.csv" -o "${URI[$kind]}"
	assert_eq "$REF_ROWS" "$(count $kind)" "$kind: a second run leaves the row count"
done

# A job listed twice: the same rows twice in one command (PostgreSQL refuses
# one statement that touches a row twice; the rows are sent apart).
{ cat "$PT_TMP/jobs.csv"; tail -n +2 "$PT_TMP/jobs.csv"; } >"$PT_TMP/twice.csv"
for kind in sqlite mysql pg; do
	assert_exit 0 pt -c "$CFG" batch "$PT_TMP/twice.csv" -o "${URI[$kind]}"
	assert_eq "$REF_ROWS" "$(count $kind)" "$kind: every job twice in one batch: the rows once"
done

# Typed columns: times as timestamps, numbers as numbers.
assert_eq "text|real|integer|text" "$(sqlite3 "$PT_TMP/t.db" "SELECT typeof(start), typeof(energy_wh), typeof(energy_uj), typeof(status) FROM powertest_report LIMIT 1")" "sqlite: column types"
assert_eq "datetime double bigint varchar" "$("${MY[@]}" -N -B -e "SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='powertest' AND TABLE_NAME='powertest_report' AND COLUMN_NAME IN ('start','energy_wh','energy_uj','node') ORDER BY FIELD(COLUMN_NAME,'start','energy_wh','energy_uj','node')" | tr '\n' ' ' | sed 's/ $//')" "mysql: column types"
assert_eq "timestamp with time zone|double precision|bigint|text" "$("${PG[@]}" -d powertest -t -A -c "SELECT string_agg(data_type, '|' ORDER BY array_position(ARRAY['start','energy_wh','energy_uj','node']::text[], column_name::text)) FROM information_schema.columns WHERE table_name='powertest_report' AND column_name IN ('start','energy_wh','energy_uj','node')")" "pg: column types"

# What a Grafana panel asks: energy per node over a time range.
from=$(date -u -d "@$((t0 + 1800))" '+%Y-%m-%d %H:%M:%S')
to=$(date -u -d "@$((t0 + 3 * 3600))" '+%Y-%m-%d %H:%M:%S')
python3 - "$PT_TMP/ref.csv" "$t0" >"$PT_TMP/ref_range.csv" <<'PY'
import csv, datetime, sys
t0 = int(sys.argv[2]); lo, hi = t0 + 1800, t0 + 3 * 3600
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
w = csv.DictWriter(sys.stdout, fieldnames=rows[0].keys(), lineterminator="\n")
w.writeheader()
ts = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
for r in rows:
    if ts(r["start"]) >= lo and ts(r["end"]) <= hi:
        w.writerow(r)
PY
"${PG[@]}" -d powertest --csv -c "SELECT node, sum(energy_wh) AS total FROM powertest_report WHERE start >= '$from+00' AND \"end\" <= '$to+00' GROUP BY node ORDER BY node" >"$PT_TMP/pg_sums.csv"
"${MY[@]}" -B powertest -e "SELECT node, sum(energy_wh) AS total FROM powertest_report WHERE start >= '$from' AND \`end\` <= '$to' GROUP BY node ORDER BY node" | tr '\t' , >"$PT_TMP/my_sums.csv"
for k in pg my; do
	if python3 "$TOOLS/dbcheck.py" sums "$PT_TMP/ref_range.csv" "$PT_TMP/${k}_sums.csv" >"$PT_TMP/sums.out"; then
		ok "$k: a Grafana-style sum per node equals the CSV's ($(tail -1 "$PT_TMP/sums.out"))"
	else
		fail "$k: sums differ: $(tr '\n' ' ' <"$PT_TMP/sums.out")"
	fi
done

# A table written by an earlier version (without the CSV v2 columns) gains
# them; its rows stay, the new ones are upserted beside them.
V2COLS=(other_power_w other_energy_wh ram_source power_source)
"${MY[@]}" -e "CREATE DATABASE old CHARACTER SET utf8mb4; GRANT ALL ON old.* TO 'powertest'@'127.0.0.1'"
"${PG[@]}" -d postgres -c "CREATE DATABASE old OWNER powertest"
declare -A OLD=([sqlite]="sqlite:$PT_TMP/old.db" [mysql]="${URI[mysql]%/*}/old" [pg]="${URI[pg]%/*}/old")
for kind in sqlite mysql pg; do
	half=$(head -7 "$PT_TMP/jobs.csv")
	printf '%s\n' "$half" >"$PT_TMP/half-old.csv"
	assert_exit 0 pt -c "$CFG" batch "$PT_TMP/half-old.csv" -o "${OLD[$kind]}"
	drop=""
	for c in "${V2COLS[@]}"; do drop+="ALTER TABLE powertest_report DROP COLUMN $c; "; done
	case $kind in
	sqlite) sqlite3 "$PT_TMP/old.db" "$drop"; n=$(sqlite3 "$PT_TMP/old.db" "SELECT count(*) FROM powertest_report") ;;
	mysql) "${MY[@]}" old -e "$drop"; n=$(count mysql old) ;;
	pg) "${PG[@]}" -d old -c "$drop" >/dev/null; "${PG[@]}" -d old -c "ALTER TABLE powertest_report OWNER TO powertest" >/dev/null; n=$(count pg old) ;;
	esac
	assert_exit 0 pt -c "$CFG" batch "$PT_TMP/jobs.csv" -o "${OLD[$kind]}"
	case $kind in
	sqlite) cols=$(sqlite3 "$PT_TMP/old.db" "SELECT group_concat(name) FROM pragma_table_info('powertest_report')"); m=$(sqlite3 "$PT_TMP/old.db" "SELECT count(*) FROM powertest_report") ;;
	mysql) cols=$("${MY[@]}" -N -B old -e "SELECT group_concat(column_name) FROM information_schema.columns WHERE table_schema = 'old' AND table_name = 'powertest_report'"); m=$(count mysql old) ;;
	pg) cols=$("${PG[@]}" -d old -t -A -c "SELECT string_agg(column_name, ',') FROM information_schema.columns WHERE table_name = 'powertest_report'"); m=$(count pg old) ;;
	esac
	missing=""
	for c in "${V2COLS[@]}"; do [[ ,$cols, == *,$c,* ]] || missing+=" $c"; done
	assert_eq "" "$missing" "$kind: an earlier version's table gains the v2 columns"
	((n > 0)) && assert_eq "$REF_ROWS" "$m" "$kind: its $n rows kept, the others added" || fail "$kind: no rows before the upgrade"
done

# A server gone mid-batch: nothing of the command stays; --resume completes.
"${MY[@]}" -e "CREATE DATABASE cut CHARACTER SET utf8mb4; GRANT ALL ON cut.* TO 'powertest'@'127.0.0.1'"
"${PG[@]}" -d postgres -c "CREATE DATABASE cut OWNER powertest"
for kind in mysql pg; do
	if [[ $kind == mysql ]]; then target=${PT_DB_MYSQL_URI##*:}; else target=${PT_DB_PG_URI##*:}; fi
	target=${target%%/*}
	# The cut falls after the table is made and some rows are sent.
	python3 "$TOOLS/cutproxy.py" "$target" 6000 "$PT_TMP/cut.$kind.port" &
	cleanup_pid $!
	wait_until 10 test -s "$PT_TMP/cut.$kind.port" || fatal "cutproxy did not start"
	via="${URI[$kind]%@*}@127.0.0.1:$(cat "$PT_TMP/cut.$kind.port")/cut"
	assert_exit 4 pt -c "$CFG" batch "$PT_TMP/jobs.csv" -o "$via"
	assert_match "$ERR" "^powertest: database .*cut" "$kind: the lost connection is named"
	assert_eq 1 "$(wc -l <<<"$ERR")" "$kind: in one line"
	direct="${URI[$kind]%/*}/cut"
	n=$(count $kind cut 2>/dev/null || echo none)
	assert_eq 0 "$n" "$kind: no row of the failed batch is kept"
	assert_exit 0 pt -c "$CFG" -v batch "$PT_TMP/jobs.csv" -o "$direct" --resume
	assert_eq "$REF_ROWS" "$(count $kind cut)" "$kind: --resume completes"
done

# --resume skips what the database has: half the jobs first, then all.
head -7 "$PT_TMP/jobs.csv" >"$PT_TMP/half.csv"
assert_exit 0 pt -c "$CFG" batch "$PT_TMP/half.csv" -o "sqlite:$PT_TMP/r.db"
half=$(sqlite3 "$PT_TMP/r.db" "SELECT count(*) FROM powertest_report")
assert_exit 0 pt -c "$CFG" -v batch "$PT_TMP/jobs.csv" -o "sqlite:$PT_TMP/r.db" --resume
assert_match "$ERR" "powertest: [1-9][0-9]* of the jobs' rows .* are in sqlite:" "--resume says what it skips"
sqlite3 -csv -header "$PT_TMP/r.db" "SELECT * FROM powertest_report" >"$PT_TMP/r.csv"
if python3 "$TOOLS/dbcheck.py" same "$PT_TMP/ref.csv" "$PT_TMP/r.csv" "$KEYS" >"$PT_TMP/cmp.out"; then
	ok "--resume from $half rows completes the table to the CSV's rows"
else
	fail "--resume: $(head -5 "$PT_TMP/cmp.out" | tr '\n' ' ')"
fi

# Device rows and time series go to their own tables.
S=$((t0 + 600)) E=$((t0 + 4200))
assert_exit 0 pt -c "$CFG" report --start $S --end $E --by device -o "$PT_TMP/dev.csv"
assert_exit 0 pt -c "$CFG" report --start $S --end $E --by device -o "$PT_DB_PG_URI"
"${PG[@]}" -d powertest --csv -c "SELECT * FROM powertest_device" >"$PT_TMP/pgdev.csv"
python3 "$TOOLS/dbcheck.py" same "$PT_TMP/dev.csv" "$PT_TMP/pgdev.csv" task,node,device,start,end >"$PT_TMP/cmp.out" &&
	ok "device rows into powertest_device equal the CSV's" || fail "device rows: $(head -3 "$PT_TMP/cmp.out" | tr '\n' ' ')"
assert_exit 0 pt -c "$CFG" export --start $S --end $E --step 1m -o "$PT_TMP/exp.csv"
assert_exit 0 pt -c "$CFG" export --start $S --end $E --step 1m -o "$PT_DB_MYSQL_URI"
mysql_exp() { "${MY[@]}" -B powertest -e "SELECT * FROM powertest_export" | tr '\t' , | sed 's/NULL//g'; }
mysql_exp >"$PT_TMP/myexp.csv"
python3 "$TOOLS/dbcheck.py" same "$PT_TMP/exp.csv" "$PT_TMP/myexp.csv" time,node >"$PT_TMP/cmp.out" &&
	ok "export rows into powertest_export equal the CSV's" || fail "export rows: $(head -3 "$PT_TMP/cmp.out" | tr '\n' ' ')"

# The password: in no argv, no server log; never in a URI.
pt -c "$CFG" batch "$PT_TMP/jobs.csv" -o "$PT_DB_PG_URI" >/dev/null 2>&1 &
bpid=$!
argv=$(tr '\0' ' ' <"/proc/$bpid/cmdline" 2>/dev/null || true)
wait "$bpid" || true
assert_not_contains "$argv" "$PASSWORD" "the password is not in powertest's argv"
logs=$(cat "$DBDIR"/mariadb/error.log "$DBDIR"/postgresql/server.log 2>/dev/null)
assert_not_contains "$logs" "$PASSWORD" "nor in the servers' logs"
assert_exit 2 pt -c "$CFG" batch "$PT_TMP/jobs.csv" -o "mysql://powertest:Uri-Secret-42@127.0.0.1/powertest"
assert_not_contains "$ERR" "Uri-Secret-42" "a password in the URI is refused without being shown"
assert_match "$ERR" "password_file" "and the message says where it goes"

# A password file others may read: a warning, as ssh gives for keys.
cp "$PT_DB_PASSWORD_FILE" "$PT_TMP/loose"
chmod 644 "$PT_TMP/loose"
printf 'prometheus: {url: %s}\noutputs: {password_file: %s}\n' "$PT_URL" "$PT_TMP/loose" >"$PT_TMP/loose.yaml"
assert_exit 0 pt -c "$PT_TMP/loose.yaml" report --start $S --end $E -o "$PT_DB_PG_URI"
assert_match "$ERR" "^powertest: warning: secret file .*loose is readable by" "a loose password file is warned about"
assert_not_contains "$ERR" "$PASSWORD" "without showing it"

# Bad outputs: unreachable, wrong password, format, malformed URI.
assert_exit 4 pt -c "$CFG" report --start $S --end $E -o "postgresql://powertest@127.0.0.1:$(free_port)/powertest"
assert_match "$ERR" "^powertest: database postgresql://.*(refused|failed)" "an unreachable server is exit 4, named"
printf 'wrong\n' >"$PT_TMP/wrongpw"
chmod 600 "$PT_TMP/wrongpw"
printf 'prometheus: {url: %s}\noutputs: {password_file: %s}\n' "$PT_URL" "$PT_TMP/wrongpw" >"$PT_TMP/wrong.yaml"
assert_exit 4 pt -c "$PT_TMP/wrong.yaml" report --start $S --end $E -o "$PT_DB_MYSQL_URI"
assert_match "$ERR" "Access denied" "a wrong password: the server's own message"
# TLS where the URI asks for it: these servers have none, so it is refused,
# not silently skipped.
assert_exit 4 pt -c "$CFG" report --start $S --end $E -o "$PT_DB_MYSQL_URI?ssl=true"
assert_match "$ERR" "^powertest: database mysql://.*(SSL|TLS)" "mysql ?ssl=true: no TLS, no rows"
assert_exit 4 pt -c "$CFG" report --start $S --end $E -o "$PT_DB_PG_URI?sslmode=require"
assert_match "$ERR" "^powertest: database postgresql://.*SSL" "postgresql ?sslmode=require: no TLS, no rows"
assert_exit 4 pt -c "$CFG" report --start $S --end $E -o "$PT_DB_PG_URI?ssl=true"
assert_match "$ERR" "^powertest: database postgresql://.*SSL" "postgresql ?ssl=true: verified TLS or nothing"
assert_exit 2 pt -c "$CFG" report --start $S --end $E -o "$PT_DB_PG_URI?sslmode=maybe"
assert_exit 2 pt -c "$CFG" report --start $S --end $E --format table -o "sqlite:$PT_TMP/x.db"
assert_exit 2 pt -c "$CFG" batch "$PT_TMP/jobs.csv" --format html -o "sqlite:$PT_TMP/x.db"
assert_exit 2 pt -c "$CFG" export --start $S --end $E --format html -o "sqlite:$PT_TMP/x.db"
[[ ! -e $PT_TMP/x.db ]] && ok "a format with a database: refused before anything is written" ||
	fail "a refused database output was created"
assert_exit 2 pt -c "$CFG" report --start $S --end $E -o "postgresql://powertest@127.0.0.1:99999/x"
assert_exit 2 pt -c "$CFG" report --start $S --end $E -o "mysql://127.0.0.1/x"

pass
