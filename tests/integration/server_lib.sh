# server_lib.sh - helpers for trust-server's integration tests.
# Sourced; expects T (test dir), B (built programs), TOOLS (test tools).
#
# A Trust is made with trustadm (make_trust), devices enrol the way IT
# enrols them (new_device: tc_mkcsr then trustadm enrol), and the server
# runs with -b, so it is serving when start_server returns, and holds a
# flock on its pid file for its whole life, so stop_server and
# kill_server wait for it to be gone without polling.  Each server gets a
# random loopback port (another is tried if that one is taken) and keeps
# it across restarts.  Test ports are drawn from 20000-31999, below the
# kernel's ephemeral range (32768-60999), so that the client connections
# of the tests running beside it never hold the port a server wants.

FAILS=0
check() {
	what=$1; shift
	if "$@" >/dev/null 2>&1; then echo "ok - $what"; else echo "not ok - $what"; FAILS=$((FAILS + 1)); fi
}
check_fails() {
	what=$1; shift
	if "$@" >/dev/null 2>&1; then echo "not ok - $what"; FAILS=$((FAILS + 1)); else echo "ok - $what"; fi
}
# expect WHAT STATUS PATTERN CMD...: CMD exits STATUS and prints a line matching PATTERN.
expect() {
	what=$1; want=$2; pat=$3; shift 3
	set +e
	OUT=$("$@" 2>&1); rc=$?
	set -e
	if [ "$rc" -eq "$want" ] && printf '%s\n' "$OUT" | grep -Eq -- "$pat"; then
		echo "ok - $what"
	else
		echo "not ok - $what (exit $rc, wanted $want /$pat/: $(printf '%s' "$OUT" | tr '\n' '|'))"
		FAILS=$((FAILS + 1))
	fi
}
has() { printf '%s\n' "$2" | grep -Eq -- "$1"; }
finish() {
	stop_server 2>/dev/null || true
	if [ "$FAILS" -ne 0 ]; then echo "--- server log"; tail -40 "$SRVLOG" 2>/dev/null || true; fi
	echo "$(basename "$0"): $FAILS failure(s)"
	[ "$FAILS" -eq 0 ]
}

TRUST=$T/trust
DATA=$T/data
SRVLOG=$T/server.log
PIDF=$T/server.pid
PORT=
SERVER_PID=
ta() { "$B/trustadm" -d "$TRUST" "$@"; }

make_trust() { "$B/trustadm" init "$TRUST" --no-passphrase >/dev/null; }

# new_device NAME: a device key and CSR (tc_mkcsr), enrolled by trustadm;
# leaves $T/NAME.key, $T/NAME.crt and $T/NAME.id.
new_device() {
	"$TOOLS/tc_mkcsr" "$T/$1.key" "$T/$1.csr" > "$T/$1.id"
	ta enrol --csr "$T/$1.csr" --class trust-owned --label "$1" >/dev/null
	cp "$TRUST/devices/$(cat "$T/$1.id").crt" "$T/$1.crt"
}
dev_id() { cat "$T/$1.id"; }

# The review tests' start: review_trust ROSTER makes a Trust with the
# device cam and imports ROSTER (a consent CSV's text, printf escapes
# allowed) and makes $T/objs for tc_mkphoto; upload_objs sends what is
# in $T/objs through a server started for it; rv runs trustadm review on
# the server's data.
review_trust() {
	make_trust
	new_device cam
	printf "$1" > "$T/c.csv"
	ta consent import "$T/c.csv" >/dev/null
	mkdir -m 700 "$T/objs"
}
upload_objs() {
	start_server
	check "the photos upload" cl cam upload "$T"/objs/*.tco
	stop_server
}
rv() { ta -S "$DATA" review "$@"; }

# cl NAME ARGS...: tc_client as device NAME, checking receipts with receipt.pub.
cl() {
	d=$1; shift
	"$TOOLS/tc_client" -a "127.0.0.1:$PORT" -C "$TRUST/ca.crt" -c "$T/$d.crt" -k "$T/$d.key" \
		-R "$TRUST/receipt.pub" -t 20000 "$@"
}
hostile() {
	d=$1; shift
	"$TOOLS/tc_hostile" -a "127.0.0.1:$PORT" -C "$TRUST/ca.crt" -c "$T/$d.crt" -k "$T/$d.key" \
		-t 20000 "$@"
}

# start_server [OPTIONS...]: returns once the server accepts connections.
start_server() {
	tries=0
	while :; do
		[ -n "$PORT" ] || PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000))
		if "$B/trust-server" -d "$DATA" -t "$TRUST" -l "127.0.0.1:$PORT" -b -P "$PIDF" \
			-L info "$@" 2>>"$SRVLOG"; then
			SERVER_PID=$(cat "$PIDF")
			return 0
		fi
		tries=$((tries + 1))
		tail -1 "$SRVLOG" | grep -q "in use" && [ $tries -lt 8 ] || return 1
		PORT=
	done
}

# Block until the server is gone: it holds a flock on its pid file for its whole life.
wait_server() { sh -c 'exec 9<"$1" && flock 9' _ "$PIDF" 2>/dev/null || true; }

# stop_server: SIGTERM, wait; SERVER_STATUS is 0 for a clean exit (pid file removed).
stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	wait_server
	SERVER_STATUS=0
	[ -e "$PIDF" ] && SERVER_STATUS=1
	SERVER_PID=
}

kill_server() {
	[ -n "$SERVER_PID" ] || return 0
	kill -KILL "$SERVER_PID" 2>/dev/null || true
	wait_server
	SERVER_PID=
}

# log_has PATTERN: the server log has a matching line.
log_has() { grep -Eq -- "$1" "$SRVLOG"; }
# wait_log LINE PATTERN: block until the server log, from line LINE on,
# has a line matching PATTERN; false after 60 s.  tail -f follows the
# file (inotify), so this waits for the event rather than polling.
wait_log() {
	fifo=$T/wait_log.fifo
	rm -f "$fifo" && mkfifo "$fifo"
	timeout 60 tail -n "+$1" -f "$SRVLOG" > "$fifo" &
	tailpid=$!
	grep -Eq -m1 -- "$2" < "$fifo" && found=0 || found=1
	kill "$tailpid" 2>/dev/null || true
	wait "$tailpid" 2>/dev/null || true
	rm -f "$fifo"
	return $found
}
log_count() { grep -Ec -- "$1" "$SRVLOG" || true; }

# ids_of DIR: the photo ids of the .tco files in DIR, in order.
first_obj() { ls "$1"/*.tco | head -1; }
obj_id() { basename "$1" .tco; }
