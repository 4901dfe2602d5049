#!/bin/sh
# test_photod_dirs.sh - photod's state and run directories, as IT meets
# them: a refused directory is named with its path, mode, owner and what
# it must be; `-u USER` hands both to USER with the modes photod needs
# (state 0700, run 0710) instead of only the owner; then the run
# directory and the socket give its group (the kiosk's) exactly what
# photod(8) promises: traverse the directory, read and write the socket.
set -eu
T=$(cd "${TC_TEST_TMP:?}" && pwd)
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh

# -u and other users' views need root, as the units do.
[ "$(id -u)" -eq 0 ] || { echo "not ok - test_photod_dirs.sh must run as root (it hands directories to users)"; exit 1; }
setup_device "$T"

# A state directory others may read is refused, in words.
install -d -m 0755 "$T/open-state"
expect_exit "a 0755 state directory is refused with path, mode, owner and the mode wanted" 1 \
	"state directory $T/open-state is 0755 owned by root, must be 0700 owned by root" \
	"$B/photod" -d "$T/open-state" -r "$T/r1" -c synthetic:7 -b -P "$T/p1.pid" -l warn
ln -s "$T/open-state" "$T/link-state"
expect_exit "a symlinked state directory is refused as such" 1 \
	"state directory $T/link-state is a symlink, must be a directory" \
	"$B/photod" -d "$T/link-state" -r "$T/r2" -c synthetic:7 -b -P "$T/p2.pid" -l warn
check "and was left alone (not chowned or chmodded through the link)" \
	test "$(stat -c '%a %U' "$T/open-state")" = "755 root"

# -u sets owner and modes, whatever they were.
chmod 0755 "$STATE" && install -d -m 0777 "$RUN"
start_photod
check "-u made the state directory 0700 trustcam" test "$(stat -c '%a %U' "$STATE")" = "700 trustcam"
check "-u made the run directory 0710 trustcam" test "$(stat -c '%a %U' "$RUN")" = "710 trustcam"
check "the socket is 0660, group trustcam (photod(8))" \
	test "$(stat -c '%a %G' "$RUN/photod.sock")" = "660 trustcam"
id trustcam-gtest >/dev/null 2>&1 ||
	useradd --system --no-create-home --shell /usr/sbin/nologin -g trustcam trustcam-gtest ||
	id trustcam-gtest >/dev/null	# made meanwhile by a test running beside this one
check "a member of photod's group reaches photod through the socket" \
	runuser -u trustcam-gtest -- "$B/camctl" -r "$RUN" status
check_fails "but cannot list the run directory" runuser -u trustcam-gtest -- ls "$RUN"
check_fails "nor enter the state directory" runuser -u trustcam-gtest -- ls "$STATE"
stop_photod
finish
