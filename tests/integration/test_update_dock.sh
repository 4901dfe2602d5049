#!/bin/sh
# test_update_dock.sh - firmware updates delivered at the dock (issue 17),
# end to end on 127.0.0.1 with real RAUC bundles: trustadm signs them,
# trust-server serves GET /v1/firmware?board=host, syncd fetches after the
# sync pass (the photos are up and receipted first), verifies with
# Debian's rauc against the pinned Trust CA and hands the bundle to
# `rauc install`.  Refused, each with a clear status line and an
# update.refused audit entry: a release older than the running one (not
# even downloaded), a bundle signed by another Trust's firmware signer,
# a bundle with a changed signature byte, and a bundle whose signed
# release is below the floor although the server's file name says
# otherwise.  A download cut short resumes from its last byte (Range).
# `trustadm devices` shows the release each device last said it runs.
# After a restart on the new release: update.booted and the keystore's
# firmware floor raised; on the old one: update.fell-back.
#
# RAUC's install is a test double here (it needs a RAUC service and real
# slots): the script below runs the real `rauc info` for every check and
# only records `install` calls.  tools/image/update-test installs for real
# in QEMU.
set -eu
T=$(cd "${TC_TEST_TMP:?}" && pwd)
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh
. tests/integration/sync_lib.sh

# The rauc double: the real rauc for everything but install, which is recorded.
cat > "$T/rauc" <<'DOUBLE'
#!/bin/sh
if [ "$1" = install ]; then
	cp "$2" "${0%/*}/out/installed.raucb" && echo "install $2" >> "${0%/*}/out/install.log"
	exit
fi
exec rauc "$@"
DOUBLE
chmod 755 "$T/rauc"
mkdir -m 777 "$T/out"	# the double runs as syncd's user
echo 3 > "$T/release" && chmod 644 "$T/release"
UPD="--rauc $T/rauc --release-file $T/release"

sync_setup trust-owned
ta firmware cert >/dev/null
mkdir -p "$T/img/rootfs/usr/lib"
echo 'IMAGE_VERSION=v1-test' > "$T/img/rootfs/usr/lib/os-release"
head -c 400000 /dev/urandom > "$T/img/root.part"
# sign N: the Trust signs release N for board host; the file in $TRUST/firmware.
sign() { tools/image/mkbundle host "$T/img" "$1" >/dev/null && ta firmware sign "$T/img/bundle" >/dev/null; }
FW=$TRUST/firmware
# dock_pass: one sync pass; SYNC: camctl sync's words, OUT: camctl status after it.
dock_pass() { sync_now; SYNC=$OUT; OUT=$(camctl status); }

start_syncd $UPD
dock
check "status shows the running release" has '^firmware release: 3$' "$(camctl status)"

# ---- older than what runs: refused from the server's answer, nothing fetched
sign 2
dock_pass
check "an older release is refused in the status" \
	has '^update: +refused release 2: older than release 3' "$OUT"
check "and not downloaded" test ! -e "$STATE/update/bundle.part"
check "update.refused is audited with the reason" \
	has ' syncd update.refused .*release 2: older than release 3' "$(audit_log)"

# ---- signed by another Trust's firmware signer
OTHER=$T/other
"$B/trustadm" -d "$OTHER" init --no-passphrase >/dev/null
"$B/trustadm" -d "$OTHER" firmware cert >/dev/null
tools/image/mkbundle host "$T/img" 5 >/dev/null
"$B/trustadm" -d "$OTHER" firmware sign "$T/img/bundle" >/dev/null
cp "$OTHER/firmware/host-5.raucb" "$FW/host-5.raucb"
dock_pass
check "a bundle of another signer is refused after the download" \
	has '^update: +refused release 5: signature verification failed' "$OUT"
check "its refusal is audited" has ' syncd update.refused .*release 5: signature verification failed' "$(audit_log)"
check "and it is gone from the device" test ! -e "$STATE/update/bundle.part"
check "nothing was installed" test ! -e "$T/out/install.log"
rm "$FW/host-5.raucb"

# ---- our signer, one byte of the signature changed
sign 6
size=$(stat -c %s "$FW/host-6.raucb")
flip_byte "$FW/host-6.raucb" $((size - 200))
dock_pass
check "a tampered bundle is refused, saying why" \
	has '^update: +refused release 6: (signature verification failed|Invalid bundle format)' "$OUT"
check "its refusal is audited" has ' syncd update.refused .*release 6: ' "$(audit_log)"
check "a refused release is not fetched again" \
	test "$(grep -c 'firmware host-6.raucb offered' "$SRVLOG")" -eq 1
dock_pass
check "(still one download of it after another dock)" \
	test "$(grep -c 'firmware host-6.raucb offered' "$SRVLOG")" -eq 1
rm "$FW/host-6.raucb"

# ---- a good release: photos first, then the update, resumed from a partial download
sign 7
camctl capture --count 2 >/dev/null
half=$(( $(stat -c %s "$FW/host-7.raucb") / 2 ))
as_device_user sh -c "head -c $half '$FW/host-7.raucb' > '$STATE/update/bundle.part' && echo 7 > '$STATE/update/part.release'" 2>/dev/null ||
	{ head -c "$half" "$FW/host-7.raucb" > "$STATE/update/bundle.part"; echo 7 > "$STATE/update/part.release"; }
dock_pass
check "the sync pass itself succeeded" has '^sync done: 2 photos uploaded' "$SYNC"
check "the photos are on the server" test "$(server_count)" -eq 2
check "the download resumed from the partial file" grep -q "firmware host-7.raucb offered from byte $half of" "$SRVLOG"
check "release 7 was handed to rauc install" grep -q "install $STATE/update/bundle.raucb" "$T/out/install.log"
check "what rauc got is the signed bundle, whole" cmp "$T/out/installed.raucb" "$FW/host-7.raucb"
check "the status says it runs after a restart" \
	has '^update: +release 7 \(v1-test\) installed: runs after a restart' "$OUT"
log=$(audit_log)
check "verified and installed are audited" has ' syncd update.installed .*release 7, version v1-test' "$log"
check "update.verified is audited" has ' syncd update.verified .*release 7' "$log"
last_receipt=$(printf '%s\n' "$log" | grep -n ' syncd sync.receipt ' | tail -1 | cut -d: -f1)
verified=$(printf '%s\n' "$log" | grep -n ' syncd update.verified ' | tail -1 | cut -d: -f1)
check "the photos' receipts come before the update" test "$last_receipt" -lt "$verified"
check "the bundle is not left on the data partition" test ! -e "$STATE/update/bundle.raucb"

# ---- restart on release 7: on trial until the board's boot check has
# confirmed it (photod, syncd and the kiosk run), then booted, floor raised
stop_syncd
echo 7 > "$T/release"
start_syncd $UPD --boot-confirmed "$T/boot-confirmed"
check "before the boot check, release 7 is on trial" \
	has '^update: +release 7 on trial: waiting for the boot check' "$(camctl status)"
dock_pass
check "a pass before the boot check leaves it on trial" \
	has '^update: +release 7 on trial' "$(camctl status)"
check_fails "and does not call it booted" has ' syncd update.booted ' "$(audit_log)"
check_fails "nor raise the firmware floor to it" test "$(cat "$STATE/keys/firmware-floor" 2>/dev/null)" = 7
: > "$T/boot-confirmed"
dock_pass
check "booted is audited at the first pass after the boot check" \
	has ' syncd update.booted .*release 7 runs' "$(audit_log)"
check "the status says installed and running" has '^update: +release 7 installed and running' "$(camctl status)"
check "the keystore's firmware floor is 7" test "$(cat "$STATE/keys/firmware-floor")" = 7

# ---- the server names release 9 but the signed manifest says 2: refused (anti-rollback)
cp "$FW/host-2.raucb" "$FW/host-9.raucb"
dock_pass
check "a bundle whose signed release is below the floor is refused" \
	has '^update: +refused release 9: its signed release 2 is not above 7' "$OUT"
rm "$FW/host-9.raucb"
check "trustadm devices shows what the device runs (release and version)" \
	has "^$DEVICE_ID .* r7 [0-9a-f]+(-dirty)? +test camera\$" "$(ta -S "$DATA" devices)"
# A ledger of the release before (schema 2, no firmware column), as a
# trustadm newer than the server meets it: a clear refusal, not SQLite's.
cp -a "$DATA" "$T/data-v2"
sqlite3 "$T/data-v2/ledger.db" 'PRAGMA user_version = 2'
check "trustadm refuses an older ledger and says to start the new trust-server" \
	has "ledger.db: schema version 2, older than this trustadm reads \(3\): start this release's trust-server once" \
	"$(ta -S "$T/data-v2" devices 2>&1)"

# ---- release 10 installed, but the device comes back on 7: fell back
sign 10
dock_pass
check "release 10 installed" has '^update: +release 10 .*installed' "$OUT"
stop_syncd
# A fall-back needs no boot check: the old slot runs.
rm "$T/boot-confirmed"
start_syncd $UPD --boot-confirmed "$T/boot-confirmed"
check "fell-back is audited" has ' syncd update.fell-back .*release 10 did not boot; release 7 runs again' "$(audit_log)"
check "the status says it fell back" has '^update: +fell back: release 10 did not boot, 7 runs' "$(camctl status)"
dock_pass
check "a release that fell back is not installed again at the next dock" \
	test "$(grep -c 'install ' "$T/out/install.log")" -eq 2
sync_finish
