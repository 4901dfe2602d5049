#!/bin/sh
# test_staff_dock.sh - a change to the staff reaches the device at its
# next dock, with nobody running `trustadm policy issue` (issue 12, item 6).
# `trustadm staff remove` issues a fresh policy for every active device;
# trust-server hands it out at the dock; photod installs it, ends the
# removed member's session and refuses their PIN.  `staff pin` does the
# same for a new PIN: the old one stops working at the next dock.  Before
# the dock the device still has the old policy (it has no network): the
# test shows it is the dock, not a restart or the clock, that applies it.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh
. tests/integration/sync_lib.sh

login() { printf '%s\n' "$2" | camctl login "$1"; }

sync_setup trust-owned
camctl logout >/dev/null
start_syncd
check "the device runs policy v1" has "^policy: *v1," "$(camctl status)"

# -- a member removed at the Trust
expect_exit "staff remove issues a new policy for the device" 0 \
	"policy v2 issued for $DEVICE_ID \\(staff removed\\)" ta staff remove S043
check "trust-server has it to hand out" test -s "$TRUST/policies/$DEVICE_ID-v2.bundle"
expect_exit "until the dock the removed member still logs in (old policy)" 0 'S043 logged in' \
	login S043 "$PIN2"
dock
sync_now
check "the dock's sync succeeds" test "$SYNC_RC" -eq 0
check "the device now runs policy v2" has "^policy: *v2," "$(camctl status)"
check "the removed member's session ended" has '^staff: *nobody' "$(camctl status)"
check "and that is audited" has 'staff:S043 logout - 0 no longer in the policy' "$(audit_log)"
expect_exit "the removed member can no longer log in" 3 'wrong staff id or PIN' login S043 "$PIN2"
expect_exit "the others still can" 0 'S042 logged in' login S042 "$PIN"
camctl logout >/dev/null
undock

# -- a new PIN at the Trust
NEWPIN=318274
printf '%s\n' "$NEWPIN" | ta staff pin S042 --pin-stdin > "$T/pin.out"
check "staff pin issues policy v3" has "policy v3 issued for $DEVICE_ID \\(staff PIN changed\\)" \
	"$(cat "$T/pin.out")"
dock
sync_now
check "the device runs policy v3 after the dock" has "^policy: *v3," "$(camctl status)"
expect_exit "the old PIN is refused" 3 'wrong staff id or PIN' login S042 "$PIN"
expect_exit "the new PIN logs in" 0 'S042 logged in' login S042 "$NEWPIN"
camctl logout >/dev/null
undock

# -- a consent import and a revoked device do the same, for active devices only
printf 'pupil,platforms\nP-0001,website\n' > "$T/roster.csv"
expect_exit "a consent import issues policy v4" 0 "policy v4 issued for $DEVICE_ID" \
	ta consent import "$T/roster.csv"
OTHER=$("$TOOLS/tc_mkcsr" "$T/other.key" "$T/other.csr")
ta enrol --csr "$T/other.csr" --class trust-owned --label "other camera" >/dev/null
ta policy issue "$OTHER" -o "$T/other.bundle" --server-url "https://127.0.0.1:$PORT" >/dev/null
expect_exit "revoking the other device issues policy v5 for this one" 0 \
	"policy v5 issued for $DEVICE_ID \\(device revoked\\)" ta revoke "$OTHER"
check_fails "and none for the revoked device" test -e "$TRUST/policies/$OTHER-v2.bundle"
check_fails "no PIN hash is in any bundle trust-server serves" \
	grep -q -a 'argon2' "$TRUST"/policies/*.bundle
sync_finish
