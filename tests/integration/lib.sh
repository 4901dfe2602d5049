# lib.sh - helpers for integration tests that drive photod and camctl.
# Sourced; expects T (test dir), B (built programs), TOOLS.

FAILS=0
check() {
	what=$1; shift
	if "$@" >/dev/null 2>&1; then echo "ok - $what"; else echo "not ok - $what"; FAILS=$((FAILS + 1)); fi
}
check_fails() {
	what=$1; shift
	if "$@" >/dev/null 2>&1; then echo "not ok - $what"; FAILS=$((FAILS + 1)); else echo "ok - $what"; fi
}
finish() {
	stop_photod 2>/dev/null || true
	echo "$(basename "$0"): $FAILS failure(s)"
	[ "$FAILS" -eq 0 ]
}
# has PATTERN TEXT: TEXT has a line matching PATTERN (grep -E).
has() { printf '%s\n' "$2" | grep -Eq -- "$1"; }
# count_lines PATTERN TEXT: how many lines of TEXT match.
count_lines() { printf '%s\n' "$2" | grep -Ec -- "$1" || true; }
camctl() { "$B/camctl" -r "$RUN" "$@"; }

# A device state dir with a throwaway Trust photo key.  Running as root,
# photod drops to the system user trustcam (created if missing); the test
# dir must then be traversable (0711) by that user.
setup_device() {
	STATE=$1/state
	RUN=$1/run
	mkdir -p "$STATE/trust" && chmod 700 "$STATE"
	"$TOOLS/tc_keygen" "$1/trust.priv" "$STATE/trust/photo.pub"
	USER_OPT=""
	if [ "$(id -u)" -eq 0 ]; then
		id trustcam >/dev/null 2>&1 ||
			useradd --system --no-create-home --shell /usr/sbin/nologin trustcam
		USER_OPT="-u trustcam"
		chmod 711 "$1" "$(dirname "$1")"
	fi
	trap 'stop_photod 2>/dev/null || true' EXIT
}

# Run a command as the user that owns the device state (photod's user).
as_device_user() {
	if [ -n "$USER_OPT" ]; then runuser -u trustcam -- "$@"; else "$@"; fi
}

# photod -b returns once it serves, so no polling is needed.
start_photod() {
	# shellcheck disable=SC2086
	"$B/photod" -d "$STATE" -r "$RUN" -c synthetic:7 $USER_OPT -b -P "$RUN/photod.pid" \
		-l warn "$@"
	PHOTOD_PID=$(cat "$RUN/photod.pid")
}

stop_photod() {
	[ -n "${PHOTOD_PID:-}" ] || return 0
	kill -TERM "$PHOTOD_PID" 2>/dev/null || true
	wait_for_exit
	PHOTOD_PID=""
}

# Block until photod is gone, without polling: it holds a flock on its pid
# file for its whole life.
wait_for_exit() {
	# Open read-only: flock(1) given a name would create a missing file.
	{ flock 9; } 9<"$RUN/photod.pid" 2>/dev/null || true
}

# Start a burst of 20, wait until the first photo is acknowledged, then
# send SIG to photod.  Sets BURST_DONE (photos acknowledged),
# PHOTOD_STATUS (photod's exit status; 137 for KILL) and appends the
# acknowledged ids to $T/acked.
burst_then_signal() {
	sig=$1
	fifo=$T/burst.fifo
	rm -f "$fifo"; mkfifo "$fifo"
	"$B/camctl" -r "$RUN" capture --count 20 > "$fifo" 2>/dev/null &
	client=$!
	BURST_DONE=0
	signalled=0
	while IFS= read -r line; do
		case "$line" in
		[0-9a-f]*" captured")
			echo "$line" | cut -d' ' -f1 >> "$T/acked"
			BURST_DONE=$((BURST_DONE + 1))
			if [ $signalled -eq 0 ]; then
				kill -"$sig" "$PHOTOD_PID"
				signalled=1
			fi ;;
		esac
	done < "$fifo"
	wait "$client" || true
	wait_for_exit
	# A clean exit (status 0) removes the pid file; a crash or kill leaves it.
	PHOTOD_STATUS=0
	[ -e "$RUN/photod.pid" ] && PHOTOD_STATUS=1
	[ "$sig" = KILL ] && PHOTOD_STATUS=137
	PHOTOD_PID=""
}

all_acknowledged_listed() {
	list=$("$B/camctl" -r "$RUN" list)
	while IFS= read -r id; do
		echo "$list" | grep -q "^$id " || return 1
	done < "$T/acked"
}

no_temp_objects() {
	! ls -a "$STATE/store/objects" | grep -q '^\.tmp'
}
