#!/bin/sh
# test_photod_background.sh - `photod -b` returns once photod serves,
# whatever the clock says, and the daemon keeps no descriptor it
# inherited: whoever started it (a shell's $(...), faketime's wrapper and
# its pipe) waits for those to close, so a daemon holding them made
# `faketime ... photod -b` hang until photod stopped.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh

provisioned_device
stop_photod

# fds PID: where each of the process's descriptors leads, one a line.
fds() { for f in /proc/"$1"/fd/*; do readlink "$f" || true; done 2>/dev/null; }

: > "$T/inherited"
# A day behind the policy's issue time, then past its expiry: both start.
for off in -86400 $((400 * 86400)); do
	clock_offset "$off"
	exec 8>>"$T/inherited"
	start_photod -m 1920x1080
	exec 8>&-
	check "clock $off s: photod -b returned and photod serves" camctl status
	check "clock $off s: capture is refused, not hung (R1)" \
		has 'capture: *blocked \(R1\): policy: ' "$(camctl status)"
	open=$(fds "$PHOTOD_PID")
	check "clock $off s: photod read its descriptors" test -n "$open"
	check_fails "clock $off s: photod keeps no descriptor it inherited" \
		has "$T/inherited" "$open"
	check "clock $off s: photod's stdout is /dev/null" \
		test "$(readlink "/proc/$PHOTOD_PID/fd/1")" = /dev/null
	stop_photod
done
clock_offset 0

# A pipe photod inherits is closed by it: the reader sees its end while
# photod still runs, as faketime's wrapper waits for its own.  (With the
# bug the read would wait for photod to stop: timeout bounds the failure,
# it synchronises nothing.)
rm -f "$T/pipe"
mkfifo "$T/pipe"
start_photod -m 1920x1080 9>"$T/pipe" &
starter=$!
set +e
timeout 60 cat "$T/pipe" > /dev/null
eof=$?
set -e
wait "$starter"
PHOTOD_PID=$(cat "$RUN/photod.pid")
check "the end of an inherited pipe came while photod runs" test "$eof" -eq 0
check "photod is still running then" kill -0 "$PHOTOD_PID"
check "and photod serves" camctl status
stop_photod
finish
