#!/bin/sh
# test_review_browser.sh - the reviewer's desk in a real browser:
# trustadm review serve with real JPEG photos (tc_mkphoto with
# TC_MKPHOTO_SCENE) driven by review_browser.py (chromium headless,
# selenium), which logs in, refuses a platform without consent on the
# page, approves for one platform, tags and rejects, and runs a subject
# access request, then on a certificate with a name (tc_mkcert) sees
# the words outlined, is refused an export before redaction, adds an
# area, saves, exports; the screenshots land in $TC_BUILD/demo/review/.
# Then the Trust's audit log holds what the page did, and the exported
# copy has no metadata and no legible words.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
SHOTS=$TC_BUILD/demo/review
. tests/integration/server_lib.sh
. tests/integration/review_web_lib.sh

review_trust 'pupil,platforms\nP-ALICE,website;newsletter\nP-BOB,website\nP-CAROL,yearbook\n'
mk() { TC_MKPHOTO_SCENE=$1 "$TOOLS/tc_mkphoto" "$TRUST/photo.pub" "$T/objs" "$2" "$3" "$4" "$5"; }
PA=$(mk 1 S-COMMS E-SPORTS-DAY P-ALICE,P-BOB website)
PU=$(mk 2 S-COMMS E-SPORTS-DAY "" "")
mk 3 S-PE E-SWIMMING P-CAROL yearbook >/dev/null
"$TOOLS/tc_mkcert" "$T/cert.jpg" >/dev/null
PC=$(TC_MKPHOTO_JPEG="$T/cert.jpg" "$TOOLS/tc_mkphoto" "$TRUST/photo.pub" "$T/objs" S-COMMS \
	E-SPORTS-DAY P-ALICE website,newsletter)
rm "$T/cert.jpg"
upload_objs

start_review_web
rm -rf "$SHOTS"
if /usr/bin/python3 tests/integration/review_browser.py "$URL" "$PA" "$PU" "$SHOTS" "$PC"; then
	echo "ok - the browser session"
else
	echo "not ok - the browser session"; FAILS=$((FAILS + 1))
fi
kill -TERM "$WEB"
wait "$WEB" || true
check "a screenshot of each page" test "$(ls "$SHOTS"/*.png | wc -l)" -ge 12
EXP=$(ls "$T"/exports/publish-*/"$PC.jpg" 2>/dev/null | head -1)
check "the page's export wrote the publishable copy" test -f "$EXP"
check "with no EXIF and no comment" sh -c "! '$TOOLS/tc_imgcheck' segments '$EXP' | grep -Eq 'APP1|COM'"
check "and no legible words" sh -c "'$TOOLS/tc_imgcheck' text '$EXP' | grep -q '^words 0 '"
L=$(ta audit)
for act in review.list review.view review.refused review.approve review.tag review.reject sar.export \
	review.redact review.export-refused review.export; do
	check "the audit log records $act" has " $act " "$L"
done
rm -rf "$T/exports" "$T/objs"
check "no plaintext in the Trust or server directories" "$TOOLS/scan_plaintext" "$TRUST" "$DATA"
finish
