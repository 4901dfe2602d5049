#!/bin/sh
# test_photod.sh - photod and camctl end to end in a temp dir, on a device
# provisioned by a throwaway Trust (trustadm) with a staff member logged
# in (test_provision.sh covers provisioning and the rules): status,
# cameras, capture, list, discard, export refusal and its audit entry,
# malformed socket messages, SIGTERM during a burst (the photo in flight
# finishes, photod exits 0) and kill -9 during a burst (after a restart
# every acknowledged photo opens intact and nothing partial is left).
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh

provisioned_device
staff_session

# status, cameras
out=$(camctl status)
check "status shows the warm camera" has 'camera: *synthetic:7 at 1920x1080' "$out"
check "status says capture is ready" has 'capture: *ready' "$out"
cams=$(camctl cameras)
check "cameras lists the synthetic sensor's 12 MP mode" has '^synthetic:.* 4056x3040' "$cams"
check "cameras lists the synthetic sensor's 1080p mode" has '^synthetic:.* 1920x1080' "$cams"

# capture and list
out=$(camctl capture --count 3)
check "capture --count 3 takes three photos" has 'captured 3 of 3' "$out"
first=$(echo "$out" | head -1 | cut -d' ' -f1)
check "list shows three captured photos" test "$(count_lines ' captured$' "$(camctl list)")" -eq 3
check "and counts them in words (3 photos)" has '^3 photos$' "$(camctl list)"

# discard
check "discard securely deletes a photo" camctl discard "$first"
check "the discarded photo is a tombstone" has "^$first .* discarded$" "$(camctl list)"
check_fails "discard twice is refused" camctl discard "$first"

# export is refused, exit 3, citing R3
set +e
msg=$(camctl export "$first" 2>&1); rc=$?
set -e
check "export exits 3" test "$rc" -eq 3
check "export cites rule R3" has 'rule R3' "$msg"

# usage errors
check_fails "capture --count 0 is a usage error" camctl capture --count 0
check_fails "capture --count 101 is a usage error" camctl capture --count 101
check_fails "an unknown command is a usage error" camctl frobnicate

# malformed messages: short, long, unknown type, wrong version; photod keeps serving
/usr/bin/python3 tests/integration/rawsock.py "$RUN/photod.sock"
check "photod still serves after malformed messages" camctl status

# SIGTERM during a burst: the photo in flight completes, photod exits 0
burst_then_signal TERM
check "photod exits 0 on SIGTERM" test "$PHOTOD_STATUS" -eq 0
check "the burst stopped early" test "$BURST_DONE" -lt 20
start_photod -m 1920x1080
check "every acknowledged photo is in the list after SIGTERM" all_acknowledged_listed
check "a restart keeps the provisioning" has 'capture: *blocked \(R10\)' "$(camctl status)"
stop_photod

# kill -9 during a burst: every acknowledged photo intact, nothing partial
start_photod -m 1920x1080
staff_session
burst_then_signal KILL
start_photod -m 1920x1080
check "every acknowledged photo is in the list after kill -9" all_acknowledged_listed
check "no partial object is left after kill -9" no_temp_objects
stop_photod

# An unsupported mode: photod refuses to start, says why, audits it.
set +e
# shellcheck disable=SC2086
msg=$("$B/photod" -d "$STATE" -r "$RUN" -c synthetic:7 $USER_OPT -b -m 1234x568 2>&1); rc=$?
set -e
check "photod refuses a mode the camera lacks" test "$rc" -ne 0
check "and says which mode" has 'no 1234x568 mode' "$msg"

check "every photo on the device opens with the Trust key" \
	"$TOOLS/tc_verify" "$TRUST/photo.key" "$STATE/store/objects"
check "every photo names the staff member and the event" \
	test "$("$TOOLS/tc_verify" "$TRUST/photo.key" "$STATE/store/objects" |
		grep -c 'staff=S042 event=EV-SPORTS')" -eq "$(ls "$STATE/store/objects" | grep -c '\.tco$')"

# the audit log verifies and holds the refusals
audit=$(as_device_user "$TOOLS/tc_audit_dump" "$STATE/keys/audit.key" "$STATE/audit")
check "the export refusal is audited with R3" has 'refuse.export .* R3' "$audit"
check "each malformed message is audited" test "$(count_lines ' ipc.reject ' "$audit")" -eq 4
check "the discard is audited" has "discard $first" "$audit"
check "every acknowledged capture is audited" \
	test "$(count_lines ' capture [0-9a-f]{32} 0 ' "$audit")" -ge "$(wc -l < "$T/acked")"
check "the unsupported mode is audited" has ' camera - -?[0-9]+ unsupported mode' "$audit"

# A full disk (real ENOSPC, a 4 MiB tmpfs): the capture that does not fit
# fails with a clear error and an audit entry, leaves no partial object,
# and photod keeps serving.  Mounting needs root, which CI has.
if [ "$(id -u)" -eq 0 ]; then
	SMALL=$T/small
	mkdir -p "$SMALL"
	mount -t tmpfs -o size=4m,mode=0711 tmpfs "$SMALL"
	trap 'stop_photod 2>/dev/null || true; umount "$SMALL" 2>/dev/null || true' EXIT
	# The same device (keys and provisioning) with an empty store on the small disk.
	cp -a "$STATE/keys" "$STATE/provision" "$T/"
	STATE=$SMALL/state
	RUN=$SMALL/run
	mkdir -p "$STATE" && chmod 700 "$STATE" && cp -a "$T/keys" "$T/provision" "$STATE/"
	start_photod -m 1920x1080
	staff_session
	set +e
	full=$(camctl capture --count 20 2>&1); rc=$?
	set -e
	check "a capture on a full disk fails" test "$rc" -ne 0
	check "with a clear error" has 'No space left on device|store full' "$full"
	check "some photos fitted first" has 'captured [1-9][0-9]* of 20' "$full"
	check "photod keeps serving on a full disk" camctl status
	check "no partial object on a full disk" no_temp_objects
	stop_photod
	start_photod -m 1920x1080
	check "every photo that fitted opens intact" \
		"$TOOLS/tc_verify" "$TRUST/photo.key" "$STATE/store/objects"
	stop_photod
	audit=$(as_device_user "$TOOLS/tc_audit_dump" "$STATE/keys/audit.key" "$STATE/audit")
	check "the failed capture is audited" has ' capture - -28 ' "$audit"
	umount "$SMALL"
else
	echo "ok - # the full-disk case needs root to mount a tmpfs: not run"
fi
finish
