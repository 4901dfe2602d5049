#!/bin/sh
# test_ui_refusals.sh - every refusal the kiosk can meet, against a real
# photod, says in plain words which rule and what to do: an unprovisioned
# device (no way in, whom to ask), wrong PINs up to the lockout (the
# count, then the countdown), an overdue dock (the status bar and the
# shutter's refusal), an expired policy (no way in, what to do).  Time
# moves through photod's clock offset file, never by sleeping.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh

setup_device "$T"
make_trust "$T/trust"
start_photod -m 1920x1080
. tests/integration/ui_lib.sh

run_script() {
	name=$1; shift
	printf '%s\n' "$@" > "$T/$name.script"
	kiosk_run "$T/$name.script" || true
	check "$name" test "$KIOSK_RC" -eq 0
}

# -- unprovisioned: no login button, what to do and whom to ask (R1)
run_script "unprovisioned: the locked screen says to ask IT, and there is no way in" \
	"wait locked" "expect Not set up yet" \
	"expect This camera cannot take photos until IT sets it up." \
	"expect Ask the school's IT team to provision it." \
	"reject Tap here to log in" "key shutter" "wait locked" "reject Who are you" \
	"shot refusal-unprovisioned" "quit"

provision_device trust-owned >/dev/null

# -- wrong PIN, five times: the count each time, then the lockout countdown (R10)
set -- "tap login" "wait staff" "press S042" "wait pin"
for i in 1 2 3 4; do
	set -- "$@" "digits 000000" "tap ok" "expect Wrong staff number or PIN (rule R10). Try again." \
		"expect ($i of 5"
done
run_script "wrong PINs: each says so with the count; the fifth starts the countdown" "$@" \
	"digits 000000" "tap ok" "expect login locked for 30 s" \
	"expect Too many wrong PINs. Try again in" "shot refusal-lockout" "quit"
expect_exit "photod holds the lock: the right PIN is refused too" 3 'login locked' \
	sh -c "printf '%s\n' '$PIN' | '$B/camctl' -r '$RUN' login S042"
run_script "during the lockout the kiosk shows the countdown at once" \
	"tap login" "wait staff" "press S042" "wait pin" "expect Try again in" "quit"

# -- after the lockout: the right PIN works; then an overdue dock blocks the shutter
clock_offset 31
run_script "after the lockout the right PIN logs in" \
	"tap login" "wait staff" "press S042" "wait pin" "digits $PIN" "tap ok" "wait events" \
	"tap logout" "wait locked" "quit"
clock_offset $((72 * 3600 + 60))
run_script "overdue dock: the status bar says blocked, the shutter's refusal says dock" \
	"tap login" "wait staff" "press S042" "wait pin" "digits $PIN" "tap ok" "wait events" \
	"tap event 0" "wait viewfinder" "expect Blocked" "key shutter" "wait viewfinder" \
	"expect Dock the camera to sync: the policy blocks photos until then." \
	"expect dock to sync" "shot refusal-dock" "tap logout" "wait locked" "quit"
check "nothing was captured while blocked" test "$(camctl list | grep -c captured || true)" -eq 0

# -- expired policy: no way in, what to do (R1)
clock_offset $((31 * 86400))
run_script "expired policy: the locked screen says to dock for a new one, and there is no way in" \
	"wait locked" "expect Its policy has expired: it cannot take photos." \
	"expect Dock the camera to get a new policy" "reject Tap here to log in" \
	"shot refusal-expired" "quit"

# -- photod not running: the kiosk says so and keeps running
stop_photod
run_script "no photod: the kiosk says the camera service is not running" \
	"wait locked" "expect The camera service is not running" \
	"expect Restart the camera. If this stays, ask the school's IT team." "quit"
finish
