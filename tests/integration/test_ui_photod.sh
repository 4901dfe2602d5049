#!/bin/sh
# test_ui_photod.sh - the kiosk against a real photod with the synthetic
# sensor, driven by scripted taps, keys and evdev events replayed from a
# file: log in, choose the event, tag two pupils (the screen says where
# the photo may go before the shot), watch the preview photod streams
# through shared memory, press the shutter (the evdev KEY_CAMERA), and see
# "sealed"; the photo is the frame that was on screen, give or take one.  Then, on the Trust side, the photo
# exists, opens with the Trust's key and carries exactly those tags.
# The kiosk's user cannot open the store or any key.  The roster has
# display labels: the tagging screen shows them, photod refuses the
# roster (and so its labels) before login and after logout, and no label
# reaches the photo's metadata, the catalog, the audit log or any other
# file of the device.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh

# provisioned_device, with photod logging everything it logs to a file
# the label scan below reads.
setup_device "$T"
ROSTER_LABELS=1 make_trust "$T/trust"
start_photod -m 1920x1080 -l debug 2>"$T/photod.log"
provision_device trust-owned >/dev/null
. tests/integration/ui_lib.sh

# roster_probe: a roster request on a fresh connection; prints photod's
# answer ("error CODE" or "pupil LABEL", ...).  tc_ipc.h: ROSTER_REQ 33,
# ERROR 1, PUPIL 34, TC_IPC_VERSION 5; struct tc_msg_pupil's label follows ref, row,
# n_platforms and 16 platforms.
roster_probe() {
	/usr/bin/python3 - "$RUN/photod.sock" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.settimeout(30)
s.connect(sys.argv[1])
s.send(struct.pack("=HHIII", 33, 5, 8, 0, 16))
while True:
    m = s.recv(4096)
    t = struct.unpack_from("=H", m)[0]
    if t == 1:
        print("error", struct.unpack_from("=i", m, 8)[0])
        break
    if t != 34:
        print("end")
        break
    print("pupil", m[8 + 64 + 8 + 16 * 64:].split(b"\0")[0].decode())
PY
}
check "before login photod refuses the roster, and so its labels (R10)" \
	test "$(roster_probe)" = "error -4618"	# TC_E_NOT_LOGGED_IN
staff_session
check "after login the roster carries each pupil's label, row for row (P-0004 none)" \
	test "$(roster_probe | tr '\n' '|')" = "pupil 7B Amelia|pupil 7B Oliver|pupil 5C Zoë|pupil |end|"
camctl logout >/dev/null

KEY_CAMERA=212
KEY_VOLUMEUP=115	# not configured: must do nothing
evdev_file "$T/shutter.ev" $KEY_VOLUMEUP $KEY_CAMERA

cat > "$T/shoot.script" <<EOS
wait locked
expect Set up for the Trust
expect 0 photos waiting to sync
tap login
wait staff
press S042
wait pin
digits $PIN
tap ok
wait events
expect Sports day
tap event 0
wait viewfinder
expect S042 - EV-SPORTS
frames 5
reject Preview off
tap tags
wait tags
expect P-0004
press 7B Amelia
press 7B Oliver
expect Tagged: 2. Allowed on: website, newsletter
press 5C Zoë
expect Internal only
press 5C Zoë
expect Allowed on: website, newsletter
tap done
wait viewfinder
frames 3
evdev $T/shutter.ev
wait confirm
expect Sealed: 1 of 1 photos
stats
wait viewfinder
expect 1 to sync
tap logout
wait locked
quit
EOS
kiosk_run "$T/shoot.script" || true
check "the kiosk logs in, tags two pupils and takes a photo with the evdev shutter" \
	test "$KIOSK_RC" -eq 0
check "the status bar counted it before logout" has 'ok expect 1 to sync' "$KIOSK_OUT"

meta=$("$TOOLS/tc_verify" -m "$TRUST/photo.key" "$STATE/store/objects" || true)
printf '%s\n' "$meta" | sed 's/^/  trust side: /'
check "exactly one photo was taken (the unconfigured key took none)" \
	test "$(count_lines '^ok ' "$meta")" -eq 1
check "the Trust opens it: staff S042, event EV-SPORTS" has 'staff=S042 event=EV-SPORTS' "$meta"
check "it carries the two tags and their shared platforms" \
	has 'refs=P-0001,P-0002 platforms=(website,newsletter|newsletter,website)$' "$meta"
# The photo is the frame on screen at the press, give or take one.
shown=$(printf '%s\n' "$KIOSK_OUT" | sed -n 's/.*shutter_frame=\([0-9]*\).*/\1/p')
taken=$(printf '%s\n' "$meta" | sed -n 's/^ok .* frame=\([0-9]*\) .*/\1/p')
echo "  frame on screen at the press: ${shown:-?}, frame in the photo: ${taken:-?}"
check "the preview streamed frames through the shared-memory ring" \
	has 'frames_shown=([5-9]|[1-9][0-9]+) ' "$KIOSK_OUT"
check "no preview frame was torn" has 'frames_torn=0 ' "$KIOSK_OUT"
check "the photo is the frame on screen at the press, +-1" \
	test -n "$shown" -a -n "$taken" -a "$taken" -ge "$shown" -a "$taken" -le $((shown + 1))
check "photod says nobody is logged in after the kiosk's logout" \
	has 'nobody logged in' "$(status_field staff)"

if [ -n "$KIOSK_USER_OPT" ]; then
	check_fails "the kiosk's user cannot list the store" runuser -u trustcam-ui -- ls "$STATE/store"
	check_fails "the kiosk's user cannot read the keystore" runuser -u trustcam-ui -- ls "$STATE/keys"
	check_fails "the kiosk's user cannot read provisioning" runuser -u trustcam-ui -- ls "$STATE/provision"
	check_fails "the kiosk's user cannot read the state directory" runuser -u trustcam-ui -- ls "$STATE"
	check "the kiosk's user can reach the socket" runuser -u trustcam-ui -- test -S "$RUN/photod.sock"
	check_fails "the kiosk's user cannot wipe (not photod's admin)" \
		runuser -u trustcam-ui -- "$B/camctl" -r "$RUN" wipe --force
	expect_exit "the kiosk refuses to run as root without -u" 1 'refusing to run as root' \
		"$B/kiosk" -r "$RUN" -s /dev/null
fi
audit=$(audit_log)
check "the kiosk's login and capture are audited" has 'capture .* 2 pupil\(s\), 2 platform\(s\)' "$audit"
check "no pupil ref reaches the audit log" test "$(count_lines 'P-000' "$audit")" -eq 0

# Labels: only on the tagging screen, only during a session.
check "after logout photod refuses the roster again" \
	test "$(roster_probe)" = "error -4618"	# TC_E_NOT_LOGGED_IN
check "no label in the photo's sealed metadata" test "$(count_lines 'Amelia|Oliver|Zo' "$meta")" -eq 0
check "no label in the audit log" test "$(count_lines 'Amelia|Oliver|Zo' "$audit")" -eq 0
leaks=$(grep -rlaE 'Amelia|Oliver|Zoë' "$STATE" "$RUN" "$T/photod.log" 2>/dev/null || true)
check "no label in any device file (objects, catalog, audit, provisioning, run dir) or photod's debug log (${leaks:-none})" \
	test -z "$leaks"
check "the log scan reads a real log" test -s "$T/photod.log"
finish
