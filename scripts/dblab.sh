#!/usr/bin/env bash
# dblab.sh - throwaway MariaDB and PostgreSQL servers for powertest's database
# outputs (-o mysql://... / postgresql://...): Debian's servers, on free
# loopback ports, with their data in a temporary directory, run as an
# unprivileged user (nobody when started by root). For the tests and for
# trying it out; `lab.sh db ...` calls this.
#
#   dblab.sh start [--dir DIR] [--only mariadb|postgresql] [--owner-pid PID]
#   dblab.sh stop  [--dir DIR]
#
# start writes DIR/env, a shell-sourceable description:
#   PT_DB_MYSQL_URI=mysql://powertest@127.0.0.1:PORT/powertest
#   PT_DB_PG_URI=postgresql://powertest@127.0.0.1:PORT/powertest
#   PT_DB_PASSWORD_FILE=DIR/password   (mode 600; for outputs.password_file)
#   PT_DB_MYSQL_SOCKET, PT_DB_PG_SOCKET_DIR, PT_DB_PG_PORT (admin access)
# and prints DIR as its last line. The password is random and only ever in
# that file: never on a command line. --owner-pid stops the servers once that
# process is gone. stop ends only the servers this directory started, by PID.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
CMD=${1:-}
[[ -n $CMD ]] && shift || true
DIR=${PT_DBLAB_DIR:-${TMPDIR:-/tmp}/powertest-dblab-$(id -u)}
ONLY="" OWNER=""
while (($#)); do
	case $1 in
	--dir) DIR=$2; shift ;;
	--only) ONLY=$2; shift ;;
	--owner-pid) OWNER=$2; shift ;;
	-h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) echo "dblab.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done

msg() { echo "dblab.sh: $*" >&2; }
die() { msg "$*"; exit 1; }

# A free loopback port: bind port 0 and read what the kernel chose.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# as_user CMD...: runs CMD as the unprivileged user the servers run as.
RUN_AS=()
if ((EUID == 0)); then
	RUN_AS=(runuser -u nobody --)
fi
as_user() { "${RUN_AS[@]}" "$@"; }

pg_bin() {
	local d
	for d in /usr/lib/postgresql/*/bin; do [[ -x $d/initdb ]] && { echo "$d"; return; }; done
	die "PostgreSQL's server is not installed (Debian package postgresql; scripts/setup.sh installs it)"
}

wait_for() { # wait_for SECONDS CMD...: until CMD succeeds
	local until=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		((SECONDS < until)) || return 1
		sleep 0.2
	done
}

start_mariadb() {
	local d=$DIR/mariadb port
	command -v mariadbd >/dev/null || [[ -x /usr/sbin/mariadbd ]] ||
		die "MariaDB's server is not installed (Debian package mariadb-server)"
	port=$(free_port)
	mkdir -p "$d/data" "$d/run"
	chmod 700 "$d"
	[[ ${#RUN_AS[@]} -eq 0 ]] || chown -R nobody "$d"
	as_user mariadb-install-db --no-defaults --datadir="$d/data" --auth-root-authentication-method=normal \
		--skip-test-db >"$d/install.log" 2>&1 || { cat "$d/install.log" >&2; die "mariadb-install-db failed"; }
	as_user /usr/sbin/mariadbd --no-defaults --datadir="$d/data" --socket="$d/run/mysqld.sock" \
		--pid-file="$d/run/mysqld.pid" --port="$port" --bind-address=127.0.0.1 \
		--skip-name-resolve --log-error="$d/error.log" --innodb-buffer-pool-size=32M \
		--innodb-log-file-size=16M --performance-schema=OFF >/dev/null 2>&1 &
	echo $! >"$d/pid"
	wait_for 60 mariadb-admin --no-defaults --socket="$d/run/mysqld.sock" -u root ping ||
		{ tail -20 "$d/error.log" >&2; die "MariaDB did not start"; }
	cp "$d/run/mysqld.pid" "$d/pid" # the server's own PID, not runuser's
	# SQL on stdin, so the password is on no command line.
	{
		echo "CREATE DATABASE IF NOT EXISTS powertest CHARACTER SET utf8mb4;"
		echo "CREATE USER IF NOT EXISTS 'powertest'@'127.0.0.1' IDENTIFIED BY '$(cat "$DIR/password")';"
		echo "GRANT ALL ON powertest.* TO 'powertest'@'127.0.0.1';"
	} | mariadb --no-defaults --socket="$d/run/mysqld.sock" -u root
	{
		echo "PT_DB_MYSQL_URI=mysql://powertest@127.0.0.1:$port/powertest"
		echo "PT_DB_MYSQL_SOCKET=$d/run/mysqld.sock"
		echo "PT_DB_MYSQL_PID=$(cat "$d/pid")"
	} >>"$DIR/env"
	msg "MariaDB on 127.0.0.1:$port"
}

start_postgresql() {
	local d=$DIR/postgresql port bin
	bin=$(pg_bin)
	port=$(free_port)
	mkdir -p "$d"
	chmod 700 "$d"
	cp "$DIR/password" "$d/pwfile"
	[[ ${#RUN_AS[@]} -eq 0 ]] || chown -R nobody "$d"
	# The socket (in d, mode 700) trusts its owner; TCP asks for the password.
	as_user "$bin/initdb" -D "$d/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
		--pwfile="$d/pwfile" -E UTF8 --no-locale >"$d/initdb.log" 2>&1 ||
		{ cat "$d/initdb.log" >&2; die "initdb failed"; }
	rm -f "$d/pwfile"
	as_user "$bin/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 60 \
		-o "-p $port -k $d -h 127.0.0.1 -c shared_buffers=16MB -c fsync=off" start >/dev/null ||
		{ tail -20 "$d/server.log" >&2; die "PostgreSQL did not start"; }
	head -1 "$d/data/postmaster.pid" >"$d/pid"
	{
		echo "CREATE ROLE powertest LOGIN PASSWORD '$(cat "$DIR/password")';"
		echo "CREATE DATABASE powertest OWNER powertest ENCODING 'UTF8';"
	} | as_user "$bin/psql" -q -h "$d" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 >/dev/null
	{
		echo "PT_DB_PG_URI=postgresql://powertest@127.0.0.1:$port/powertest"
		echo "PT_DB_PG_SOCKET_DIR=$d"
		echo "PT_DB_PG_PORT=$port"
		echo "PT_DB_PG_PID=$(cat "$d/pid")"
	} >>"$DIR/env"
	msg "PostgreSQL on 127.0.0.1:$port"
}

stop_one() { # stop_one DIR/NAME: TERM the server of that directory, wait for it to go
	local pidf=$1/pid pid n=0
	[[ -f $pidf ]] || return 0
	pid=$(cat "$pidf")
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		while kill -0 "$pid" 2>/dev/null && ((n++ < 150)); do sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$pidf"
}

case $CMD in
start)
	[[ ! -e $DIR/env ]] || die "$DIR holds servers already (dblab.sh stop --dir $DIR)"
	mkdir -p "$DIR"
	[[ ${#RUN_AS[@]} -eq 0 ]] || chmod 755 "$DIR"
	(umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(18))' >"$DIR/password")
	: >"$DIR/env"
	echo "PT_DB_PASSWORD_FILE=$DIR/password" >>"$DIR/env"
	[[ $ONLY == postgresql ]] || start_mariadb
	[[ $ONLY == mariadb ]] || start_postgresql
	if [[ -n $OWNER ]]; then
		# A watcher that stops the servers once the owner is gone.
		(
			while kill -0 "$OWNER" 2>/dev/null; do sleep 1; done
			bash "$ROOT/scripts/dblab.sh" stop --dir "$DIR" >/dev/null 2>&1
		) </dev/null >/dev/null 2>&1 &
		disown
	fi
	echo "$DIR"
	;;
-h | --help | help)
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
	;;
stop)
	stop_one "$DIR/mariadb"
	stop_one "$DIR/postgresql"
	rm -rf -- "$DIR"
	;;
*)
	echo "usage: dblab.sh start|stop [--dir DIR] [--only mariadb|postgresql] [--owner-pid PID]" >&2
	exit 2
	;;
esac
