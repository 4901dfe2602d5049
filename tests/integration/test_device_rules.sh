#!/bin/sh
# test_device_rules.sh - photod's rules on a provisioned device, each with
# a test that it refuses and one that it allows: staff login (R10) with
# the wrong-PIN lockout and its growing back-off (kept across a restart),
# idle logout, a new PIN from the Trust taking over with the next policy; the event the policy requires; the unsynced-photo limit and
# the time since the last sync ("dock to sync"); a full store; consent
# (R5): the platforms sealed with each photo are the intersection of the
# tagged pupils' consents, empty for an unknown ref or a pupil without
# consent, and an untagged photo carries none.  Time moves through
# photod's clock offset file, never by sleeping.  The audit log records
# every attempt and refusal and never a PIN or a pupil ref.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh

provisioned_device

login() { printf '%s\n' "$2" | camctl login "$1"; }
OFF=0
advance() { OFF=$((OFF + $1)); clock_offset "$OFF"; }

# -- R10: nobody logged in
expect_exit "capture with nobody logged in is refused (R10)" 3 'rule R10: nobody is logged in' \
	camctl capture
expect_exit "a wrong PIN is refused" 3 'rule R10: wrong staff id or PIN \(1 of 5' login S042 111111
expect_exit "an unknown staff id is refused the same way" 3 'wrong staff id or PIN \(2 of 5' \
	login S999 "$PIN"
expect_exit "a malformed PIN is refused before photod sees it" 2 'a PIN is 4 to 12 digits' \
	login S042 12ab
expect_exit "the right PIN logs in" 0 'S042 logged in' login S042 "$PIN"
check "status names the staff member" has '^staff: *S042$' "$(camctl status)"
expect_exit "logout" 0 'S042 logged out' camctl logout
expect_exit "capture after logout is refused (R10)" 3 'rule R10' camctl capture

# -- lockout after five wrong PINs, growing back-off, kept across a restart
for i in 1 2 3 4; do
	expect_exit "wrong PIN $i of 5" 3 "wrong staff id or PIN \\($i of 5" login S042 000000
done
expect_exit "the fifth wrong PIN locks login for 30 s" 3 'login locked for 30 s' login S042 000000
expect_exit "while locked even the right PIN is refused" 3 'rule R10: login locked after 5 wrong PINs' \
	login S042 "$PIN"
check "status shows the lock" has '^login: *locked until' "$(camctl status)"
stop_photod
start_photod -m 1920x1080
expect_exit "the lock survives a restart of photod" 3 'login locked after 5 wrong PINs' \
	login S042 "$PIN"
advance 31
expect_exit "after 30 s a sixth wrong PIN locks for 60 s" 3 'login locked for 60 s' login S042 000000
advance 30
expect_exit "still locked before 60 s are up" 3 'login locked' login S042 "$PIN"
advance 31
expect_exit "a seventh wrong PIN locks for 120 s" 3 'login locked for 120 s' login S042 000000
advance 121
expect_exit "after the back-off the right PIN logs in" 0 'S042 logged in' login S042 "$PIN"
check "a success clears the lock" test -z "$(status_field login)"
expect_exit "the counter starts again from 1" 3 '\(1 of 5' login S043 000000
expect_exit "another staff member logs in" 0 'S043 logged in' login S043 "$PIN2"
audit=$(audit_log)
check "every login attempt is audited" test "$(count_lines ' login - ' "$audit")" -eq 16
check "wrong PINs are audited as such" has 'staff:S042 login - -4616 wrong PIN 1 of 5' "$audit"
check "locked attempts are audited" has 'staff:S042 login - -4617 locked: 5 wrong PINs' "$audit"
check "an unknown id is not named in the log" has 'staff:\(unknown\) login - -4616' "$audit"
check "no PIN ever reaches the audit log" test "$(count_lines "$PIN|$PIN2|000000|111111" "$audit")" -eq 0

# -- idle logout after CONFIG_LOGIN_IDLE_MINUTES (10 by default).  The
# "before" check keeps a wide margin: real seconds pass too (PIN checks,
# a loaded CI machine), and only ever push the clock forward.
advance 540
check "still logged in well before the idle timeout" has '^staff: *S043$' "$(camctl status)"
advance 61
check "logged out after 10 idle minutes" has '^staff: *nobody' "$(camctl status)"
check "the idle logout is audited" has 'staff:S043 logout - 0 idle for 10 min' "$(audit_log)"

# -- a new PIN from the Trust (trustadm staff pin) takes effect with the next policy
NEWPIN=975318
printf '%s\n' "$NEWPIN" | ta staff pin S043 --pin-stdin >/dev/null
expect_exit "until the next policy the old PIN still logs in" 0 'S043 logged in' login S043 "$PIN2"
camctl logout >/dev/null
ta policy issue "$DEVICE_ID" -o "$T/pin.bundle" >/dev/null
camctl policy install "$T/pin.bundle" >/dev/null
expect_exit "with the next policy the old PIN is refused" 3 'wrong staff id or PIN' \
	login S043 "$PIN2"
expect_exit "and the new one logs in" 0 'S043 logged in' login S043 "$NEWPIN"
camctl logout >/dev/null
check_fails "the new PIN never reaches the audit log" has "$NEWPIN" "$(audit_log)"

# -- the event the policy requires
login S042 "$PIN" >/dev/null
expect_exit "capture without an event is refused when the policy requires one" 3 \
	'refused by the policy: the policy requires an event' camctl capture
expect_exit "an event the policy lacks is refused" 1 'the policy has no event EV-NOPE' \
	camctl event set EV-NOPE
expect_exit "event set" 0 'event EV-SPORTS \(Sports day, 2026-11-25\) chosen' camctl event set EV-SPORTS
check "event list marks the chosen event" has '^\* EV-SPORTS' "$(camctl event list)"
check "event list counts them in words (2 events)" has '^2 events$' "$(camctl event list)"
check "capture with the event chosen is allowed" camctl capture
camctl event clear >/dev/null
expect_exit "after event clear capture is refused again" 3 'requires an event' camctl capture
ta policy issue "$DEVICE_ID" --no-require-event --max-unsynced 4 -o "$T/v2.bundle" >/dev/null
camctl policy install "$T/v2.bundle" >/dev/null
check "a policy that requires no event allows capture without one" camctl capture

# -- too many unsynced photos: dock to sync (2 held, the limit is 4)
check "capture up to the unsynced limit is allowed" camctl capture --count 2
expect_exit "capture at the unsynced limit is refused" 3 \
	'refused by the policy: 4 unsynced photos, the policy allows 4: dock to sync' camctl capture
check "status says why" has 'capture: *blocked \(policy\): 4 unsynced' "$(camctl status)"
first=$(camctl list | grep ' captured$' | head -1 | cut -d' ' -f1)
camctl discard "$first" >/dev/null
check "below the limit again, capture is allowed" camctl capture
ta policy issue "$DEVICE_ID" --no-require-event -o "$T/v3.bundle" >/dev/null
camctl policy install "$T/v3.bundle" >/dev/null

# -- too long since the last sync (72 h by default; before any sync, since provisioning)
login S042 "$PIN" >/dev/null
advance $((72 * 3600))
login S042 "$PIN" >/dev/null
expect_exit "72 h after provisioning with no sync, capture is refused" 3 \
	'refused by the policy: never synced, provisioned 72 h ago, the policy allows 72 h: dock to sync' camctl capture
check "before any sync, status says so (not the provisioning time)" has '^last sync: +never$' "$(camctl status)"
now=$(( $(date +%s) + OFF ))
as_device_user sh -c "echo $((now - 3600)) > '$STATE/provision/last-sync'"
check "after a sync an hour ago, capture is allowed" camctl capture
check "status shows the last sync" has '^last sync: .*\(1 h ago\)' "$(camctl status)"
as_device_user sh -c "echo garbage > '$STATE/provision/last-sync'"
expect_exit "an unreadable last-sync time is refused" 3 'time of the last sync is unreadable' camctl capture
as_device_user sh -c "echo $((now - 60)) > '$STATE/provision/last-sync'"

# -- a full store (test builds lower the photo quota through the environment)
held=$(status_field 'photos held' | cut -d' ' -f1)
stop_photod
TC_STORE_QUOTA_PHOTOS=$((held + 1))
export TC_STORE_QUOTA_PHOTOS
start_photod -m 1920x1080
unset TC_STORE_QUOTA_PHOTOS
login S042 "$PIN" >/dev/null
check "capture into the last free place is allowed" camctl capture
expect_exit "capture into a full store is refused" 1 'store full \(' camctl capture
check "the refusal is audited" has 'refuse.capture - -4296 store full' "$(audit_log)"
stop_photod
start_photod -m 1920x1080
login S042 "$PIN" >/dev/null

# -- R5 consent: the intersection of the tagged pupils' platforms, sealed
shot() { camctl capture "$@" | head -1 | cut -d' ' -f1; }
A=$(shot --pupils P-0001,P-0002)
Bq=$(shot --pupils P-0001,P-0003)
C=$(shot --pupils P-0001,P-9999)
D=$(shot --pupils P-0004)
E=$(shot --pupils P-0003)
F=$(shot)
expect_exit "an untagged capture says it is tagged at review" 0 'untagged: pupils are tagged at review' \
	camctl capture
expect_exit "17 pupils are a usage error" 2 'at most 16' camctl capture \
	--pupils P1,P2,P3,P4,P5,P6,P7,P8,P9,P10,P11,P12,P13,P14,P15,P16,P17
expect_exit "a pupil listed twice is refused" 1 'listed twice' camctl capture --pupils P-0001,P-0001
meta=$("$TOOLS/tc_verify" -m "$TRUST/photo.key" "$STATE/store/objects")
line() { printf '%s\n' "$meta" | grep "^ok   $1.tco "; }
check "P-0001+P-0002: website and newsletter, not facebook" \
	sh -c "echo '$(line "$A")' | grep -Eq 'refs=P-0001,P-0002 platforms=(website,newsletter|newsletter,website)$'"
check "P-0001+P-0003 share no platform: none" has 'refs=P-0001,P-0003 platforms=-$' "$(line "$Bq")"
check "an unknown ref makes the set empty" has 'refs=P-0001,P-9999 platforms=-$' "$(line "$C")"
check "a pupil with no consent makes the set empty" has 'refs=P-0004 platforms=-$' "$(line "$D")"
check "one pupil: exactly their platforms" has 'refs=P-0003 platforms=instagram$' "$(line "$E")"
check "an untagged photo has no refs and no platforms" has 'pupils=0 .*refs=- platforms=-$' "$(line "$F")"
check "each photo names its staff member" has 'staff=S042 event=-' "$(line "$A")"
audit=$(audit_log)
check "captures are audited with counts only" has "capture $A 0 [0-9]+ bytes sealed; event -; 2 pupil\(s\), 2 platform\(s\)" "$audit"
check "no pupil ref ever reaches the audit log" test "$(count_lines 'P-000|P-9999' "$audit")" -eq 0
finish
