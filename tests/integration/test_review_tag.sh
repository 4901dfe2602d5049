#!/bin/sh
# test_review_tag.sh - tagging at review (issue 18, item 4): a reviewer
# sets the pupils of an untagged photo with `trustadm review tag`; the
# photo becomes approvable for exactly the platforms its pupils'
# consents share (as photod computes them at capture), `sar` finds it by
# the new tag, the sealed object is unchanged, every change and refusal
# is in the Trust's audit log (which never names a pupil), a ref not on
# the roster and re-tagging an approved photo are refused.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/server_lib.sh

review_trust 'pupil,platforms\nP-ALICE,website;newsletter;yearbook\nP-BOB,website;yearbook\nP-CAROL,newsletter\n'
mk() { "$TOOLS/tc_mkphoto" "$TRUST/photo.pub" "$T/objs" "$@"; }
PU=$(mk S-1 E-DAY "" "")
PV=$(mk S-1 E-DAY "" "")
PW=$(mk S-1 E-DAY P-CAROL newsletter)
upload_objs
SUM=$(sha256sum "$DATA"/objects/*/"$PU.tco" | cut -d' ' -f1)

expect "an untagged photo needs tagging" 0 "^$PU .*pupils -  platforms -  NEEDS TAGGING\$" rv list
expect "and cannot go to a platform" 1 "needs tagging" rv approve "$PU" --platforms website
expect "a ref not on the roster is refused" 1 "P-NOBODY is not on the consent roster" \
	rv tag "$PU" P-ALICE,P-NOBODY
expect "a malformed list is a usage error" 2 "listed twice" rv tag "$PU" P-ALICE,P-ALICE
expect "tagging at review gives the platforms the pupils' consents share" 0 \
	"tagged with 2 pupils; may be approved for: website,yearbook\$" rv tag "$PU" P-ALICE,P-BOB
check "the sealed object is unchanged" test \
	"$(sha256sum "$DATA"/objects/*/"$PU.tco" | cut -d' ' -f1)" = "$SUM"
expect "list shows the review-time tags" 0 \
	"^$PU .*pupils P-ALICE,P-BOB  platforms website,yearbook  \\(tagged at review\\)\$" rv list
expect "a platform one pupil did not consent to is refused" 1 \
	"platform 'newsletter' is not permitted" rv approve "$PU" --platforms newsletter
expect "a platform both consented to is approved" 0 "approved for website\$" \
	rv approve "$PU" --platforms website
expect "an approved photo is not re-tagged" 1 "reject it first" rv tag "$PU" P-ALICE
expect "a correction replaces the tags" 0 "may be approved for: newsletter\$" rv tag "$PV" P-CAROL
expect "and a second correction replaces those" 0 "may be approved for: website,newsletter,yearbook\$" \
	rv tag "$PV" P-ALICE
expect "approve without --platforms takes what the new tags permit" 0 \
	"approved for website;newsletter;yearbook\$" rv approve "$PV"
expect "a sealed tag can be corrected too" 0 "may be approved for: website,yearbook\$" \
	rv tag "$PW" P-BOB

expect "sar finds a pupil by review-time tags" 0 "^2 photo" ta -S "$DATA" sar P-BOB -o "$T/sar1"
check "the photos tagged at review and corrected" test \
	"$(jq -r '.photos[].photo_id' "$T/sar1/manifest.json" | sort | tr '\n' ' ')" = \
	"$(printf '%s\n' "$PU" "$PW" | sort | tr '\n' ' ')"
check "the metadata carries the review tags" test \
	"$(jq -r '.tagged_at_review.pupils | join(",")' "$T/sar1/$PU.json")" = "P-ALICE,P-BOB"
expect "and by sealed tags a reviewer corrected away" 0 "^1 photo" \
	ta -S "$DATA" sar P-CAROL -o "$T/sar2"
check "that is the sealed one" test "$(jq -r '.photos[].photo_id' "$T/sar2/manifest.json")" = "$PW"
expect "a tag replaced at review no longer finds the photo" 0 "^2 photo" \
	ta -S "$DATA" sar P-ALICE -o "$T/sar3"
check "only the photos whose current tags name her" test \
	"$(jq -r '.photos[].photo_id' "$T/sar3/manifest.json" | sort | tr '\n' ' ')" = \
	"$(printf '%s\n' "$PU" "$PV" | sort | tr '\n' ' ')"

L=$(ta audit)
check "the audit log records each tagging" test "$(printf '%s\n' "$L" | grep -c ' review.tag ')" = 4
check "with the pupil count and platforms" has "review.tag .*2 pupil\\(s\\) \\(sealed: 0\\); permitted platforms now: website;yearbook" "$L"
check "and the refusals" test "$(printf '%s\n' "$L" | grep -c ' review.tag-refused ')" = 2
check "the audit log never names a pupil" sh -c "! printf '%s\n' \"\$1\" | grep -q 'P-ALICE\|P-BOB\|P-CAROL\|P-NOBODY'" _ "$L"

rm -rf "$T/sar1" "$T/sar2" "$T/sar3" "$T/objs"
check "no plaintext in the Trust or server directories" "$TOOLS/scan_plaintext" "$TRUST" "$DATA"
finish
