#!/bin/sh
# test_review.sh - review (R7) and subject access (R9) in trustadm, end
# to end the realistic way: a Trust made by trustadm, a device enrolled,
# photos sealed to the Trust's photo key with chosen metadata
# (tc_mkphoto) and uploaded to a running trust-server (tc_client), audit
# segments sent on the same link; then trustadm reads the server's data
# directory (-S).  Covers: review list (pupils, platforms, an untagged
# photo flagged), review open (0600 files in a 0700 directory; a
# non-empty directory and a symlink refused), approve within the consent,
# approvals refused for a platform the sealed consent does not permit,
# for one the current roster withdrew, and for an untagged photo, reject;
# SAR (the manifest lists exactly that pupil's photos, hashes match,
# review history included); devices with last sync and the overdue flag;
# audit verify ok and with a gap; every action in the Trust's audit log,
# which never names a pupil; no plaintext in the Trust or server dirs.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/server_lib.sh

make_trust
new_device cam
new_device idle
CAM=$(dev_id cam)
IDLE=$(dev_id idle)
printf 'pupil,platforms\nP-ALICE,website;newsletter\nP-BOB,website\nP-CAROL,\n' > "$T/c1.csv"
ta consent import "$T/c1.csv" >/dev/null
ta policy issue "$CAM" -o "$T/cam.bundle" --max-hours 1 >/dev/null
ta policy issue "$IDLE" -o "$T/idle.bundle" --max-hours 1 >/dev/null

# Photos as photod seals them: platforms = the consent intersection at capture.
mkdir -m 700 "$T/objs"
mk() { "$TOOLS/tc_mkphoto" "$TRUST/photo.pub" "$T/objs" "$@"; }
PA=$(mk S-1 E-SPORTS P-ALICE,P-BOB website)
PB=$(mk S-1 E-SPORTS P-ALICE website,newsletter)
PC=$(mk S-2 E-SPORTS "" "")
PD=$(mk S-2 E-PLAY P-BOB website)
start_server
check "the photos upload to trust-server" cl cam upload "$T"/objs/*.tco
A=$T/alog
"$TOOLS/tc_auditseg" "$A" append 5
"$TOOLS/tc_auditseg" "$A" export 1 "$T/s1"
"$TOOLS/tc_auditseg" "$A" append 4
"$TOOLS/tc_auditseg" "$A" export 6 "$T/s2"
"$TOOLS/tc_auditseg" "$A" append 3
"$TOOLS/tc_auditseg" "$A" export 10 "$T/s3"
for s in s1 s2 s3; do check "audit segment $s is acknowledged" cl cam audit "$T/$s"; done

# ---------------------------------------------------------------- list (server running)
expect "review needs the server's data directory" 2 "-S DIR" ta review list
expect "review list shows a photo's device, staff, event, pupils and platforms" 0 \
	"^$PA  $CAM  [0-9T:-]+Z  staff S-1  event E-SPORTS  pupils P-ALICE,P-BOB  platforms website\$" rv list
has "^$PB .* pupils P-ALICE  platforms website,newsletter\$" "$OUT" && echo "ok - and the second" ||
	{ echo "not ok - and the second"; FAILS=$((FAILS + 1)); }
check "an untagged photo is flagged" has "^$PC .*pupils -  platforms -  NEEDS TAGGING\$" "$OUT"
check "four photos are pending" test "$(printf '%s\n' "$OUT" | grep -c '^[0-9a-f]\{32\} ')" = 4
export TRUSTADM_SERVER_DATA=$DATA
expect "TRUSTADM_SERVER_DATA names the data directory" 0 "^$PD " ta review list
unset TRUSTADM_SERVER_DATA

# ---------------------------------------------------------------- open
expect "review open writes the JPEG and its metadata" 0 "$PA.jpg" rv open "$PA" -o "$T/rev1"
check "the export directory is 0700" test "$(stat -c %a "$T/rev1")" = 700
check "the JPEG is 0600" test "$(stat -c %a "$T/rev1/$PA.jpg")" = 600
check "the metadata is 0600" test "$(stat -c %a "$T/rev1/$PA.json")" = 600
check "the JPEG is the photo's plaintext" test "$(od -An -tx1 -N4 "$T/rev1/$PA.jpg" | tr -d ' ')" = ffd8ffe0
check "the JPEG is whole" test "$(stat -c %s "$T/rev1/$PA.jpg")" = 4096
M=$(cat "$T/rev1/$PA.json")
check "the metadata names staff, event and pupils" has '"staff": "S-1"' "$M"
check "and the state" has '"state": "pending_review"' "$M"
check "and the pupils" has '"P-BOB"' "$M"
expect "a non-empty output directory is refused" 1 "not empty" rv open "$PA" -o "$T/rev1"
ln -s "$T/rev1" "$T/link"
expect "a symlink output directory is refused" 1 "symlink" rv open "$PA" -o "$T/link"
expect "an unknown photo id" 1 "no photo" rv open 0123456789abcdef0123456789abcdef -o "$T/rev2"
expect "a malformed photo id" 2 "not a photo id" rv open "../x" -o "$T/rev2"

# ---------------------------------------------------------------- approve / reject
expect "approval for a platform the sealed consent does not permit is refused" 1 \
	"refused: platform 'newsletter' is not permitted: the consent of the pupils" \
	rv approve "$PA" --platforms website,newsletter
printf 'pupil,platforms,label\nP-ALICE,website,Year 3 Alice\nP-BOB,website,\nP-CAROL,,\n' > "$T/c2.csv"
ta consent import "$T/c2.csv" >/dev/null
expect "approval for a platform whose consent was withdrawn since is refused" 1 \
	"platform 'newsletter' is not permitted: the current consent roster" \
	rv approve "$PB" --platforms newsletter
expect "an untagged photo cannot go to a platform" 1 "needs tagging" \
	rv approve "$PC" --platforms website
expect "a bad platform list is a usage error" 2 "not a platform name" \
	rv approve "$PB" --platforms 'Web Site'
expect "approve without --platforms takes what the consent permits now" 0 \
	"approved for website\$" rv approve "$PB"
expect "approve within the consent" 0 "approved for website\$" rv approve "$PA" --platforms website
expect "reject" 0 "rejected" rv reject "$PC"
expect "a decision can be revised (consent withdrawn after approval)" 0 "rejected" rv reject "$PB"
expect "list shows only what is still pending" 0 "^$PD " rv list
check "decided photos are no longer listed" sh -c "! printf '%s\n' \"\$1\" | grep -q -e '$PA' -e '$PB' -e '$PC'" _ "$OUT"

# ---------------------------------------------------------------- subject access
expect "sar exports the pupil's photos" 0 "^2 photos exported" ta -S "$DATA" sar P-ALICE -o "$T/sar1"
MF=$T/sar1/manifest.json
check "the manifest lists exactly the pupil's photos" test \
	"$(jq -r '.photos[].photo_id' "$MF" | sort | tr '\n' ' ')" = "$(printf '%s\n' "$PA" "$PB" | sort | tr '\n' ' ')"
check "with the device" test "$(jq -r '[.photos[].device] | unique | .[]' "$MF")" = "$CAM"
check "and four files" test "$(jq '[.photos[].files[]] | length' "$MF")" = 4
check "every hash matches its file" sh -c 'cd "$1" && jq -r ".photos[].files[] | \"\(.sha256)  \(.name)\"" manifest.json | sha256sum -c --quiet' _ "$T/sar1"
check "nothing else was exported" test "$(ls "$T/sar1" | wc -l)" = 5
check "the review history is in the photo's metadata" test \
	"$(jq -r '.review_history | map(.decision) | join(",")' "$T/sar1/$PB.json")" = "approved,rejected"
check "the manifest carries the pupil's roster row: label" \
	test "$(jq -r '.roster.label' "$MF")" = "Year 3 Alice"
check "and the platforms consented to now" \
	test "$(jq -c '.roster.consented_platforms' "$MF")" = '["website"]'
check "the manifest says the state" test "$(jq -r ".photos[] | select(.photo_id == \"$PA\") | .state" "$MF")" = approved
expect "sar for another pupil" 0 "^2 photo" ta -S "$DATA" sar P-BOB -o "$T/sar2"
check_fails "sar for a pupil on the roster gives no roster warning" has 'not on the consent roster' "$OUT"
check "lists that pupil's photos" test \
	"$(jq -r '.photos[].photo_id' "$T/sar2/manifest.json" | sort | tr '\n' ' ')" = "$(printf '%s\n' "$PA" "$PD" | sort | tr '\n' ' ')"
expect "sar for a pupil in no photo exports an empty manifest" 0 "^0 photo" ta -S "$DATA" sar P-NOBODY -o "$T/sar3"
check "with no photos" test "$(jq '.photos | length' "$T/sar3/manifest.json")" = 0
check "and no roster row (roster: null)" test "$(jq -c '.roster' "$T/sar3/manifest.json")" = null
check "a pupil without a label: label null" test "$(jq -c '.roster.label' "$T/sar2/manifest.json")" = null
SARERR=$(ta -S "$DATA" sar P-NOBODY -o "$T/sar4" 2>&1 >/dev/null)
check "sar for a ref not on the consent roster warns on stderr (a mistyped ref looks like a complete answer)" \
	has '^trustadm: sar: warning: P-NOBODY is not on the consent roster' "$SARERR"

# ---------------------------------------------------------------- devices
# v2: the second consent import issued a fresh policy for each device.
expect "devices shows the last sync and photos received" 0 \
	"^$CAM +trust-owned +active +v2 +[0-9-]+ +[0-9T:-]+Z +4 +- +cam\$" ta -S "$DATA" devices
check "a device that never synced (enrolled within its limit) is not flagged" has "^$IDLE .* never +0 +- +idle\$" "$OUT"
stop_server
check "the server stopped cleanly" test "$SERVER_STATUS" = 0
sqlite3 "$DATA/ledger.db" "UPDATE devices SET last_upload_us = last_upload_us - 7200000000 WHERE id = '$CAM'"
expect "a device not synced within its policy's max hours is flagged" 0 \
	"^$CAM .* cam  OVERDUE \\(no dock for over 1 h\\)\$" ta -S "$DATA" devices
check "the other is not" sh -c "! printf '%s\n' \"\$1\" | grep -q '^$IDLE .*OVERDUE'" _ "$OUT"

# ---------------------------------------------------------------- audit verify
expect "the device's audit chain verifies" 0 "entries 1\\.\\.12 in 3 segment.*0 gap.*: OK\$" \
	ta -S "$DATA" audit verify "$CAM"
expect "a device with no segments verifies empty" 0 "entries 1\\.\\.0 .*OK\$" ta -S "$DATA" audit verify "$IDLE"
rm "$DATA/audit/$CAM/00000000000000000006.seg"
expect "a lost segment is reported as a gap with its range" 1 "^GAP: entries 6\\.\\.9 missing" \
	ta -S "$DATA" audit verify "$CAM"
check "and the chain fails" has "FAILED\$" "$OUT"
cp "$T/s3" "$DATA/audit/$CAM/00000000000000000010.seg"
printf 'x' | dd of="$DATA/audit/$CAM/00000000000000000010.seg" bs=1 seek=60 conv=notrunc 2>/dev/null
expect "an altered segment is reported" 1 "^BAD: segment 00000000000000000010.seg" \
	ta -S "$DATA" audit verify "$CAM"

# ---------------------------------------------------------------- the Trust's audit log
L=$(ta audit)
for act in review.list review.open review.refused review.approve review.reject sar.export audit.verify; do
	check "the audit log records $act" has " $act " "$L"
done
check "the refusal's reason is in the log" has "review.refused .*newsletter" "$L"
check "the audit log never names a pupil" sh -c "! printf '%s\n' \"\$1\" | grep -q 'P-ALICE\|P-BOB'" _ "$L"
check "no plaintext in the Trust or server directories" "$TOOLS/scan_plaintext" "$TRUST" "$DATA"
# The reviewer's copies are the only plaintext: gone before the suite's scan.
rm -rf "$T/rev1" "$T/sar1" "$T/sar2" "$T/sar3" "$T/sar4" "$T/objs"
finish
