#!/bin/sh
# test_photod_camera.sh - the camera goes wrong: it vanishes mid-burst
# (injected in test builds: TC_FAULT=camera:N:ENODEV fails the Nth frame)
# or is missing when photod starts.  Either way the caller gets a clear
# error, the audit log records it, no partial object is left, the photos
# taken before stay intact, and photod keeps serving.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh

provisioned_device
stop_photod

# -- the camera vanishes at the third frame of a burst of five
TC_FAULT=camera:3:ENODEV
export TC_FAULT
start_photod -m 1920x1080
unset TC_FAULT
staff_session
set +e
out=$(camctl capture --count 5 2>&1); rc=$?
set -e
check "a camera that vanishes mid-burst fails the capture" test "$rc" -ne 0
check "the caller is told how far it got and why" \
	has 'capture failed after 2 photos: no camera available' "$out"
check "the two photos taken before are kept" test "$(count_lines ' captured$' "$(camctl list)")" -eq 2
check "status shows the camera gone" has '^camera: *unavailable' "$(camctl status)"
check "no partial object is left" no_temp_objects
check "photod keeps serving: the camera comes back on the next capture" camctl capture
check "and status shows it ready again" has '^camera: *synthetic:7 at 1920x1080' "$(camctl status)"
check "the failure is audited" has ' capture - -4498 photo 3 of 5 failed' "$(audit_log)"
check "every photo on the device opens with the Trust key" \
	"$TOOLS/tc_verify" "$TRUST/photo.key" "$STATE/store/objects"
stop_photod

# -- no such camera when photod starts: it serves, says why, refuses to capture
CAMERA=libcamera:/base/no/such/camera
start_photod -m 1920x1080
CAMERA=""
staff_session
check "photod starts without its camera" camctl status
check "status shows the camera unavailable" has '^camera: *unavailable' "$(camctl status)"
set +e
out=$(camctl capture 2>&1); rc=$?
set -e
check "capture without a camera is refused" test "$rc" -ne 0
check "with a clear error" has 'no camera available' "$out"
check "the missing camera is audited at start" has 'photod camera - -4498 camera unavailable' "$(audit_log)"
check "no partial object without a camera" no_temp_objects
finish
