# sync_lib.sh - helpers for syncd's integration tests, on top of lib.sh
# (photod, camctl, a throwaway Trust).  Sourced; expects T, B, TOOLS.
#
# trust-server runs with -b on a random loopback port (another is tried
# if it is taken) and holds a flock on its pid file, as does syncd, so
# starting returns once they serve and stopping waits without polling.
# The dock is a fake sysfs tree ($T/sysfs) that syncd watches with
# inotify: dock/undock write its files.

TRUST=$T/trust
DATA=$T/data
SRVLOG=$T/server.log
SYNCLOG=$T/syncd.log
SPIDF=$T/server.pid
PORT=
SERVER_PID=
SYNCD_PID=

# start_server [OPTIONS...]: returns once the server accepts connections.
# $SERVER_ENV: NAME=VALUE words for its environment only (TC_CRASH_AT).
start_server() {
	tries=0
	while :; do
		[ -n "$PORT" ] || PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000))
		# shellcheck disable=SC2086
		if env ${SERVER_ENV:-} "$B/trust-server" -d "$DATA" -t "$TRUST" -l "127.0.0.1:$PORT" -b -P "$SPIDF" \
			-L info "$@" 2>>"$SRVLOG"; then
			SERVER_PID=$(cat "$SPIDF")
			return 0
		fi
		tries=$((tries + 1))
		tail -1 "$SRVLOG" | grep -q "in use" && [ $tries -lt 8 ] || return 1
		PORT=
	done
}
# wait_server_exit: the server died by itself (a crash point): wait for it.
wait_server_exit() { wait_pidfile "$SPIDF"; SERVER_PID=; }
wait_pidfile() { { { flock 9; } 9<"$1"; } 2>/dev/null || true; }
stop_server() {
	[ -n "$SERVER_PID" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	wait_pidfile "$SPIDF"
	SERVER_PID=
}

# The fake dock: a Mains supply and an Ethernet link, both off.
make_sysfs() {
	mkdir -p "$T/sysfs/class/power_supply/AC" "$T/sysfs/class/power_supply/BAT0" \
		"$T/sysfs/class/net/eth0" "$T/sysfs/class/net/lo"
	echo Mains > "$T/sysfs/class/power_supply/AC/type"
	echo 0 > "$T/sysfs/class/power_supply/AC/online"
	echo Battery > "$T/sysfs/class/power_supply/BAT0/type"
	echo 1 > "$T/sysfs/class/power_supply/BAT0/online"
	echo down > "$T/sysfs/class/net/eth0/operstate"
	echo up > "$T/sysfs/class/net/lo/operstate"
	chmod -R a+rX "$T/sysfs"
}
dock() { echo 1 > "$T/sysfs/class/power_supply/AC/online"; echo up > "$T/sysfs/class/net/eth0/operstate"; }
undock() { echo 0 > "$T/sysfs/class/power_supply/AC/online"; echo down > "$T/sysfs/class/net/eth0/operstate"; }

# start_syncd: returns once syncd serves.  $SYNCD_ENV: NAME=VALUE words for
# its environment only (fault builds: TC_CRASH_AT, TC_SYNC_UNDOCK_AFTER).
start_syncd() {
	# shellcheck disable=SC2086
	env ${SYNCD_ENV:-} "$B/syncd" -d "$STATE" -r "$RUN" -S "$T/sysfs" $USER_OPT -b -P "$RUN/syncd.pid" -t 5000 \
		-l info "$@" 2>>"$SYNCLOG"
	SYNCD_PID=$(cat "$RUN/syncd.pid")
}
stop_syncd() {
	[ -n "$SYNCD_PID" ] || return 0
	kill -TERM "$SYNCD_PID" 2>/dev/null || true
	wait_pidfile "$RUN/syncd.pid"
	SYNCD_PID=
}
kill_syncd() {
	[ -n "$SYNCD_PID" ] || return 0
	kill -KILL "$SYNCD_PID" 2>/dev/null || true
	wait_pidfile "$RUN/syncd.pid"
	SYNCD_PID=
}
# wait_syncd_exit: syncd died by itself (a crash point): wait for it.
wait_syncd_exit() { wait_pidfile "$RUN/syncd.pid"; SYNCD_PID=; }

sync_finish() {
	stop_syncd 2>/dev/null || true
	stop_server 2>/dev/null || true
	if [ "$FAILS" -ne 0 ]; then
		echo "--- syncd log"; tail -30 "$SYNCLOG" 2>/dev/null || true
		echo "--- server log"; tail -20 "$SRVLOG" 2>/dev/null || true
	fi
	finish
}

# A device with a Trust, a server, photod provisioned (CLASS, extra policy
# options) and a staff session.  Sets PORT, DEVICE_ID.
sync_setup() {
	class=$1; shift
	setup_device "$T"
	trap 'stop_syncd 2>/dev/null || true; stop_server 2>/dev/null || true; stop_photod 2>/dev/null || true' EXIT
	make_trust "$TRUST"
	make_sysfs
	start_server
	start_photod -m 1920x1080
	provision_device "$class" --server-url "https://127.0.0.1:$PORT" "$@" >/dev/null
	staff_session
}

# Photos the server's ledger holds for this device (objects on disk).
server_count() { ls "$DATA/objects/$DEVICE_ID" 2>/dev/null | grep -c '\.tco$' || true; }
# Photos in the device store in state STATE (camctl list).
store_count() { camctl list | grep -c " $1\$" || true; }
# Photos still live on the device (captured, uploading or receipted).
live_count() { camctl list | grep -cE ' (captured|uploading|receipted)$' || true; }
# The server's ledger against its objects, each receipt checked with receipt.pub.
ledger_check() { "$TOOLS/tc_ledger_check" "$DATA" "$TRUST/receipt.pub" 2>&1 || true; }

# start_fake MODE [TRUST_DIR]: tc_fakesrv on $PORT; returns once it is bound.
start_fake() {
	rm -f "$T/fake.fifo"; mkfifo "$T/fake.fifo"
	"$TOOLS/tc_fakesrv" -l "127.0.0.1:$PORT" -T "${2:-$TRUST}" -m "$1" > "$T/fake.fifo" 2>>"$SRVLOG" &
	FAKE_PID=$!
	read -r _ready < "$T/fake.fifo"
}
stop_fake() {
	[ -n "${FAKE_PID:-}" ] || return 0
	kill -KILL "$FAKE_PID" 2>/dev/null || true
	wait "$FAKE_PID" 2>/dev/null || true
	FAKE_PID=
}
# sync_now: camctl sync --wait; OUT has its output, SYNC_RC its status.
sync_now() {
	set +e
	OUT=$(camctl sync --wait 2>&1); SYNC_RC=$?
	set -e
}

# wait_syncd_log LINE PATTERN: block until syncd's log, from line LINE on,
# has a line matching PATTERN; false after 60 s (tail -f follows the file
# with inotify: this waits for the event, it does not poll).
wait_syncd_log() {
	fifo=$T/wait_syncd.fifo
	rm -f "$fifo" && mkfifo "$fifo"
	timeout 60 tail -n "+$1" -f "$SYNCLOG" > "$fifo" &
	tailpid=$!
	grep -Eq -m1 -- "$2" < "$fifo" && found=0 || found=1
	kill "$tailpid" 2>/dev/null || true
	wait "$tailpid" 2>/dev/null || true
	rm -f "$fifo"
	return $found
}
# syncd_log_lines: the next line number of syncd's log (for wait_syncd_log).
syncd_log_lines() { echo $(( $(wc -l < "$SYNCLOG" 2>/dev/null || echo 0) + 1 )); }
