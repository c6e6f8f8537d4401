#!/usr/bin/env bash
# test_hardening_secrets.sh - credentials never reach stderr, whatever a URL's
# password holds (a space, a quote, '/', '#', '@'), from -u or prometheus.url;
# a token or password file that its group or others can read gets a warning.
source "$(dirname "$0")/lib.sh"

port=$(free_port) # nothing listens there: the errors that name the URL

# no_secret WHAT PASSWORD: no piece of the password (3 characters or more,
# between the characters that end a URL in a message) is on stderr, which is
# one 'powertest: ' line.
no_secret() {
	local piece leaked=""
	for piece in $(tr -c 'A-Za-z0-9_\n' ' ' <<<"$2"); do
		((${#piece} >= 3)) || continue
		[[ $ERR != *"$piece"* ]] || leaked+=" $piece"
	done
	if [[ -z $leaked ]]; then ok "$1: no part of the password on stderr"; else fail "$1: stderr shows$leaked: $ERR"; fi
	if [[ $(wc -l <"$ERR_FILE") -eq 1 && $ERR == "powertest: "* ]]; then ok "$1: one line"; else fail "$1: stderr is: $ERR"; fi
}

# Pieces with odd case and digits: no word of a message can match them.
long=$(printf 'vEryLong%.0s' {1..30})
passwords=("pAss wOrd" "sP1 aCe@tW2 oX" 'qU0"tEd' "aP0'sTr" "sL4/sH3" "hA5#sH3" "qU6?rY3" "tA7	bB3" \
	"$long wIth sPaCe" "zZ9sEcret")
for pw in "${passwords[@]}"; do
	url="http://alice:$pw@127.0.0.1:$port"
	for cmd in "report --last 5m" "targets" "check"; do
		RC=0
		# shellcheck disable=SC2086 # word splitting wanted
		"$PT_BIN" -u "$url" $cmd >"$OUT_FILE" 2>"$ERR_FILE" </dev/null || RC=$?
		ERR=$(cat "$ERR_FILE")
		if [[ $RC == 2 || $RC == 3 ]]; then ok "-u, '$pw', $cmd: exit $RC"; else fail "-u, '$pw', $cmd: exit $RC"; fi
		no_secret "-u, '$pw', $cmd" "$pw"
	done
	# The same URL from the configuration file (YAML double-quoted: \" and \t escaped).
	esc=${pw//\\/\\\\}
	esc=${esc//\"/\\\"}
	esc=${esc//$'\t'/\\t}
	printf 'prometheus:\n  url: "%s"\n' "http://alice:$esc@127.0.0.1:$port" >"$PT_TMP/url.yaml"
	RC=0
	"$PT_BIN" -c "$PT_TMP/url.yaml" report --last 5m >"$OUT_FILE" 2>"$ERR_FILE" </dev/null || RC=$?
	ERR=$(cat "$ERR_FILE")
	if [[ $RC == 2 || $RC == 3 ]]; then ok "prometheus.url, '$pw': exit $RC"; else fail "prometheus.url, '$pw': exit $RC"; fi
	no_secret "prometheus.url, '$pw'" "$pw"
done
# A URL without its scheme still hides what is before its '@'.
assert_exit 2 pt -u "alice:pAss wOrd@127.0.0.1:$port" targets
no_secret "no scheme" "pAss wOrd"
# What is not a secret stays: the host and port name the server.
assert_exit 2 pt -u "http://alice:pAss wOrd@127.0.0.1:$port" targets
assert_contains "$ERR" "http://***@127.0.0.1:$port" "the host is still named"

# Secret files: a warning when its group or others can read it, as ssh does.
printf 's3cr3t-token\n' >"$PT_TMP/token"
printf 'pw-in-file\n' >"$PT_TMP/password"
printf 'prometheus:\n  url: http://127.0.0.1:%s\n  bearer_token_file: %s\n' "$port" "$PT_TMP/token" >"$PT_TMP/bearer.yaml"
printf 'prometheus:\n  url: http://127.0.0.1:%s\n  basic_auth:\n    username: u\n    password_file: %s\n' \
	"$port" "$PT_TMP/password" >"$PT_TMP/basic.yaml"
for kind in bearer:token basic:password; do
	yaml=$PT_TMP/${kind%%:*}.yaml file=$PT_TMP/${kind#*:}
	for mode in 644 640 604 600 400; do
		chmod "$mode" "$file"
		assert_exit 0 pt -c "$yaml" check --offline
		warnings=$(grep -c '^powertest: warning: ' "$ERR_FILE" || true)
		if [[ $mode == 600 || $mode == 400 ]]; then
			assert_eq 0 "$warnings" "$kind mode $mode: no warning"
		else
			assert_eq 1 "$warnings" "$kind mode $mode: one warning"
			assert_contains "$ERR" "secret file $file is readable by" "$kind mode $mode: the file is named"
			assert_contains "$ERR" "(mode 0$mode)" "$kind mode $mode: its mode is shown"
		fi
		assert_not_contains "$ERR" "s3cr3t" "$kind mode $mode: the token is not shown"
		assert_not_contains "$ERR" "pw-in-file" "$kind mode $mode: the password is not shown"
	done
	# With a request (exit 3, unreachable): the warning line, then the error.
	chmod 644 "$file"
	assert_exit 3 pt -c "$yaml" report --last 5m
	assert_match "$ERR" "^powertest: warning: secret file [^"$'\n'"]+"$'\n'"powertest: cannot reach " "$kind: warning, then the one error line"
	# -q: only errors.
	assert_exit 0 pt -q -c "$yaml" check --offline
	assert_eq "" "$ERR" "$kind: -q has no warning"
done

pass
