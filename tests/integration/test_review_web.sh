#!/bin/sh
# test_review_web.sh - `trustadm review serve`, the reviewer's desk in a
# browser, over HTTP with curl: it listens only where told; no session
# cookie, a wrong Host header (DNS rebinding), a wrong or reused login
# token, a POST without its CSRF token and a cross-site POST are all
# refused; the login cookie is HttpOnly and SameSite=Strict; every page
# carries a strict Content-Security-Policy; and the pages do what the
# CLI does: approve within consent, refuse beyond it with the reason,
# reject with a reason, tag an untagged photo, blur an area, export the
# publishable copy (and refuse one not approved), a subject access
# export, the cameras, all in the Trust's audit log.  tests/integration/review_browser.py
# drives the same pages in a real browser.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/server_lib.sh
. tests/integration/review_web_lib.sh

review_trust 'pupil,platforms\nP-ALICE,website;newsletter\nP-BOB,website\n'
mk() { "$TOOLS/tc_mkphoto" "$TRUST/photo.pub" "$T/objs" "$@"; }
# PA is a real JPEG (a scene without text); PU's payload is not one that
# text detection can read.
PA=$(TC_MKPHOTO_SCENE=1 mk S-1 E-SPORTS P-ALICE,P-BOB website)
PU=$(mk S-2 E-SPORTS "" "")
upload_objs

# The server prints its login link; read it from a fifo (no polling).
start_review_web
check "serve prints a login link with a 64-hex-digit token" sh -c 'printf %s "$1" | grep -Eq "^[0-9a-f]{64}\$"' _ "$TOKEN"
check "it listens on 127.0.0.1 only" test "$(ss -Hltn "sport = :$PORT" | awk '{print $4}')" = "127.0.0.1:$PORT"

C="curl -s -o $T/body -D $T/hdr -w %{http_code}"
code() { $C "$@" 2>/dev/null || true; }
expect "no session cookie: refused" 0 '^403$' code "http://$HP/"
expect "a wrong Host header (DNS rebinding): refused" 0 '^421$' code -H "Host: evil.example:$PORT" "http://$HP/login?token=$TOKEN"
expect "a wrong token: refused" 0 '^403$' code "http://$HP/login?token=0$TOKEN"
expect "the token logs in" 0 '^303$' code "http://$HP/login?token=$TOKEN"
COOKIE=$(sed -n 's/^Set-Cookie: \(tcreview=[0-9a-f]*\);.*/\1/p' "$T/hdr" | tr -d '\r')
check "the cookie is HttpOnly and SameSite=Strict" grep -q '^Set-Cookie: tcreview=[0-9a-f]\{64\}; HttpOnly; SameSite=Strict; Path=/' "$T/hdr"
expect "the token works once" 0 '^403$' code "http://$HP/login?token=$TOKEN"
expect "a forged cookie: refused" 0 '^403$' code -b "tcreview=$(printf '%064d' 0)" "http://$HP/"
expect "the queue with the cookie" 0 '^200$' code -b "$COOKIE" "http://$HP/"
check "lists both photos" sh -c "grep -q '$PA' '$T/body' && grep -q '$PU' '$T/body'"
check "the untagged one needs tagging" grep -q 'Needs tagging' "$T/body"
check "the page has a strict CSP" grep -qi "^Content-Security-Policy: default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'" "$T/hdr"
check "and loads nothing from elsewhere" sh -c "! grep -Eq '(src|href)=\"(https?:)?//' '$T/body'"
expect "a photo page" 0 '^200$' code -b "$COOKIE" "http://$HP/photo?id=$PA"
CSRF=$(sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$T/body" | head -1)
check "its forms carry a CSRF token" test "${#CSRF}" = 64
expect "the full image, from memory" 0 '^200$' code -b "$COOKIE" "http://$HP/img?id=$PA"
check "is the photo's JPEG" test "$(od -An -tx1 -N2 "$T/body" | tr -d ' ')" = ffd8

P="-b $COOKIE -X POST"
expect "a POST without the CSRF token: refused" 0 '^403$' code $P -d "id=$PA&platform=website" "http://$HP/approve"
expect "a POST with a wrong CSRF token: refused" 0 '^403$' code $P -d "csrf=0$CSRF&id=$PA&platform=website" "http://$HP/approve"
expect "a cross-site POST (Origin): refused" 0 '^403$' code $P -H "Origin: http://evil.example" -d "csrf=$CSRF&id=$PA&platform=website" "http://$HP/approve"
expect "a cross-site POST (Sec-Fetch-Site): refused" 0 '^403$' code $P -H "Sec-Fetch-Site: cross-site" -d "csrf=$CSRF&id=$PA&platform=website" "http://$HP/approve"
check "none of them was recorded" sh -c "! '$B/trustadm' -d '$TRUST' audit | grep -q 'review.approve'"
expect "approving beyond consent is refused on the page" 0 '^200$' code $P -H "Origin: http://$HP" -d "csrf=$CSRF&id=$PA&platform=website&platform=newsletter" "http://$HP/approve"
check "with the reason" grep -q "refused: platform &#39;newsletter&#39; is not permitted" "$T/body"
expect "approving within consent" 0 '^200$' code $P -H "Sec-Fetch-Site: same-origin" -d "csrf=$CSRF&id=$PA&platform=website" "http://$HP/approve"
check "says so" grep -q "approved for website" "$T/body"
expect "a redaction POST without the CSRF token: refused" 0 '^403$' code $P -d "id=$PA&areas=1,1,9,9" "http://$HP/redact"
expect "an export POST without the CSRF token: refused" 0 '^403$' code $P -d "id=$PA&platform=website" "http://$HP/export"
expect "the publishable copy needs the session" 0 '^403$' code "http://$HP/publishable?id=$PA"
expect "exporting the approved photo (no words in it) for website" 0 '^200$' code $P -d "csrf=$CSRF&id=$PA&platform=website" "http://$HP/export"
check "says where it went" grep -q "exported for website to $T/exports/publish-[^/]*/$PA.jpg" "$T/body"
check "and it is there" test -f "$(ls "$T"/exports/publish-*/"$PA.jpg" | head -1)"
expect "an export for a platform it is not approved for" 0 '^200$' code $P -d "csrf=$CSRF&id=$PA&platform=newsletter" "http://$HP/export"
check "is refused on the page" grep -q "refused: the photo is approved for website, not for &#39;newsletter&#39;" "$T/body"
expect "saving an area to blur" 0 '^200$' code $P -d "csrf=$CSRF&id=$PA&areas=10,10,50,50" "http://$HP/redact"
check "says so" grep -q "1 area will be blurred" "$T/body"
check "and draws it over the photo" grep -q '<rect class="blur" x="10" y="10" width="50" height="50"/>' "$T/body"
expect "an area outside the photo is refused" 0 '^200$' code $P -d "csrf=$CSRF&id=$PA&areas=600,400,100,100" "http://$HP/redact"
check "with the reason" grep -q "refused: area 1 (600,400,100,100) is not inside the photo" "$T/body"
expect "the publishable copy, from memory" 0 '^200$' code -b "$COOKIE" "http://$HP/publishable?id=$PA"
check "is a JPEG" test "$(od -An -tx1 -N2 "$T/body" | tr -d ' ')" = ffd8
expect "the page of a photo text detection cannot read" 0 '^200$' code -b "$COOKIE" "http://$HP/photo?id=$PU"
check "says it cannot be exported" grep -q "Text detection failed for this photo, so it cannot be exported" "$T/body"
expect "tagging the untagged photo" 0 '^200$' code $P -d "csrf=$CSRF&id=$PU&pupils=P-ALICE,%20P-BOB" "http://$HP/tag"
check "makes it approvable for what both consents share" grep -q "may be approved for: website<" "$T/body"
expect "rejecting with a reason" 0 '^200$' code $P -d "csrf=$CSRF&id=$PU&reason=eyes+closed" "http://$HP/reject"
check "says so" grep -q "rejected" "$T/body"
expect "a subject access request" 0 '^200$' code $P -d "csrf=$CSRF&pupil=P-BOB" "http://$HP/sar"
check "exports the pupil's two photos" grep -q "2 photos exported to $T/exports/sar-" "$T/body"
check "with the manifest" test "$(jq '.photos | length' "$T"/exports/sar-*/manifest.json)" = 2
expect "the cameras page" 0 '^200$' code -b "$COOKIE" "http://$HP/devices"
check "names the camera and its last sync" grep -q "cam<br><small>$(dev_id cam)</small></td><td>[ 0-9]* [A-Z][a-z]* 20[0-9][0-9], [0-9:]* UTC</td>" "$T/body"

kill -TERM "$WEB"
set +e; wait "$WEB"; WST=$?; set -e
check "serve stops cleanly on SIGTERM" test "$WST" = 0
L=$(ta audit)
for act in review.list review.view review.refused review.approve review.tag review.reject sar.export \
	review.export review.export-refused review.redact; do
	check "the audit log records $act from the page" has " $act " "$L"
done
check "the reject reason is in the log" has "review.reject .*eyes closed" "$L"
check "the audit log never names a pupil" sh -c "! printf '%s\n' \"\$1\" | grep -q 'P-ALICE\|P-BOB'" _ "$L"
rm -rf "$T/exports" "$T/objs" "$T/body"
check "no plaintext in the Trust or server directories" "$TOOLS/scan_plaintext" "$TRUST" "$DATA"
finish
