#!/bin/sh
# test_notify.sh - photod and syncd speak systemd's notify protocol
# (Type=notify, WatchdogSec= in their units): READY=1 once they serve, then
# WATCHDOG=1 kicks at half the interval while idle.  notify_listen.py stands
# in for systemd's notify socket.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh
. tests/integration/sync_lib.sh

# listen NAME KICKS: a listener on $T/NAME.sock; returns once it is bound.
listen() {
	rm -f "$T/$1.fifo" && mkfifo "$T/$1.fifo"
	/usr/bin/python3 tests/integration/notify_listen.py "$T/$1.sock" "$2" > "$T/$1.fifo" &
	LPID=$!
	exec 8<"$T/$1.fifo"
	read -r bound <&8
}
# collect NAME: wait for the listener; its output in $T/NAME.out.
collect() { cat <&8 > "$T/$1.out"; exec 8<&-; wait "$LPID"; }

setup_device "$T"
A=$(cd "$T" && pwd)	# NOTIFY_SOCKET must be absolute
trap 'stop_syncd 2>/dev/null || true; stop_photod 2>/dev/null || true' EXIT
make_sysfs

listen photod 2
export NOTIFY_SOCKET="$A/photod.sock" WATCHDOG_USEC=400000
start_photod
unset NOTIFY_SOCKET WATCHDOG_USEC
check "photod's notify messages arrived (READY=1 and two kicks)" collect photod
check "photod said READY=1" grep -qx 'READY=1' "$T/photod.out"
check "photod said it is serving" grep -qx 'STATUS=serving' "$T/photod.out"
check "photod kicked the watchdog twice while idle" test "$(grep -cx 'WATCHDOG=1' "$T/photod.out")" -ge 2

listen syncd 2
export NOTIFY_SOCKET="$A/syncd.sock" WATCHDOG_USEC=400000
start_syncd
unset NOTIFY_SOCKET WATCHDOG_USEC
check "syncd's notify messages arrived (READY=1 and two kicks)" collect syncd
check "syncd said READY=1" grep -qx 'READY=1' "$T/syncd.out"
check "syncd kicked the watchdog twice while idle" test "$(grep -cx 'WATCHDOG=1' "$T/syncd.out")" -ge 2
sync_finish
