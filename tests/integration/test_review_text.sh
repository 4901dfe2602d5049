#!/bin/sh
# test_review_text.sh - names in the picture (issue 18, item 3): a photo
# of a certificate with a rendered name (tc_mkcert, SDL2_ttf) is flagged
# by text detection (libtesseract) in review open and review list, a
# scene without text is not; review redact records the areas to blur
# (the detected ones by default, the reviewer's with --areas, none with
# --none), audited; review export writes the publishable copy only for
# an approved platform the consent allows, and only once a flagged
# photo has a redaction: the blurred areas changed, the rest close to
# the original, no EXIF or comment, no legible words left; every export
# and refusal is audited, the audit log never holds the words, and the
# sealed object stays as received.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/server_lib.sh

review_trust 'pupil,platforms\nP-ALICE,website;newsletter\nP-BOB,website\n'
NAME_AT=$("$TOOLS/tc_mkcert" "$T/cert.jpg" "Amelia Thompson")
check "the certificate reads as text before any redaction" \
	sh -c "'$TOOLS/tc_imgcheck' text '$T/cert.jpg' | grep -Eq '^words ([4-9]|[1-9][0-9]+) '"
PC=$(TC_MKPHOTO_JPEG="$T/cert.jpg" "$TOOLS/tc_mkphoto" "$TRUST/photo.pub" "$T/objs" S-1 E-DAY \
	P-ALICE website,newsletter)
PS=$(TC_MKPHOTO_SCENE=1 "$TOOLS/tc_mkphoto" "$TRUST/photo.pub" "$T/objs" S-1 E-DAY P-BOB website)
upload_objs
SUM=$(sha256sum "$DATA"/objects/*/"$PC.tco" | cut -d' ' -f1)

expect "before review the list has no text flag (not checked yet)" 0 "^$PC .*platforms website,newsletter\$" rv list
expect "review open flags the certificate" 0 "^TEXT IN THE PICTURE: [0-9]+ legible words in [0-9]+ areas" \
	rv open "$PC" -o "$T/open1"
AREAS=$(jq -r '.text_in_picture.areas' "$T/open1/$PC.json")
check "the detected areas cover every pixel of the rendered name" \
	"$TOOLS/tc_imgcheck" covers "$AREAS" "$NAME_AT"
check "its metadata holds the areas, not the words" test "$(jq -r '.text_in_picture.words' \
	"$T/open1/$PC.json")" -ge 4
check_fails "and nothing of the name" grep -rq "Thompson" "$T/open1/$PC.json"
set +e
OPEN2=$(rv open "$PS" -o "$T/open2" 2>&1)
set -e
check "the scene without text is not flagged" test "$(jq -r '.text_in_picture.words' \
	"$T/open2/$PS.json")" = 0
check_fails "and open says nothing of text" has "TEXT IN THE PICTURE" "$OPEN2"
expect "review list flags the certificate" 0 "^$PC .*  TEXT: [0-9]+ words\$" rv list
check_fails "and not the scene" has "^$PS .*TEXT" "$(rv list 2>&1)"

expect "export before approval is refused" 1 "not approved" \
	rv export "$PC" --platform website -o "$T/ex0"
expect "approve for website" 0 "approved for website\$" rv approve "$PC" --platforms website
expect "export for a platform not approved is refused" 1 "approved for website, not for 'newsletter'" \
	rv export "$PC" --platform newsletter -o "$T/ex1"
expect "export of a flagged photo with no redaction is refused" 1 "no redaction is recorded" \
	rv export "$PC" --platform website -o "$T/ex2"
expect "an area outside the photo is refused" 2 "not inside the photo" \
	rv redact "$PC" --areas 600,400,100,100
expect "a malformed area is refused" 2 "is not X,Y,W,H" rv redact "$PC" --areas 1,2,3
expect "redact takes the detected areas by default" 0 "areas will be blurred" rv redact "$PC"
expect "now the export is written" 0 "exported for website to $T/ex3/$PC.jpg" \
	rv export "$PC" --platform website -o "$T/ex3"
check "the copy is 0600" test "$(stat -c %a "$T/ex3/$PC.jpg")" = 600
check "the copy has no EXIF and no comment" test \
	"$("$TOOLS/tc_imgcheck" segments "$T/ex3/$PC.jpg" | grep -Ec 'APP1|COM')" = 0
check "while the original had both" sh -c "'$TOOLS/tc_imgcheck' segments '$T/open1/$PC.jpg' | grep -q 'APP1 COM'"
D=$("$TOOLS/tc_imgcheck" diff "$T/open1/$PC.jpg" "$T/ex3/$PC.jpg" "$AREAS")
echo "# original vs copy, mean abs difference: $D"
IN=$(echo "$D" | awk '{print int($2)}'); OUTS=$(echo "$D" | awk '{print $4}')
check "the blurred areas changed (mean difference >= 15)" test "$IN" -ge 15
check "the rest is close to the original (mean difference < 3)" awk "BEGIN{exit !($OUTS < 3)}"
check "no legible words are left in the copy" sh -c "'$TOOLS/tc_imgcheck' text '$T/ex3/$PC.jpg' | grep -q '^words 0 '"
check "the sealed object is unchanged" test \
	"$(sha256sum "$DATA"/objects/*/"$PC.tco" | cut -d' ' -f1)" = "$SUM"
expect "an export directory that is not empty is refused" 1 "" \
	rv export "$PC" --platform website -o "$T/ex3"

printf 'pupil,platforms\nP-ALICE,newsletter\nP-BOB,website\n' > "$T/c2.csv"
ta consent import "$T/c2.csv" >/dev/null 2>&1
expect "export after consent for it was withdrawn is refused" 1 "no longer allows it" \
	rv export "$PC" --platform website -o "$T/ex4"
expect "approve the scene" 0 "approved for website\$" rv approve "$PS" --platforms website
expect "a photo without text exports with no redaction" 0 "\\(0 areas blurred\\)" \
	rv export "$PS" --platform website -o "$T/ex5"
expect "the reviewer can record that nothing needs blurring" 0 "nothing needs blurring" \
	rv redact "$PS" --none
expect "an invalid platform is a usage error" 2 "not a platform name" \
	rv export "$PS" --platform 'Web Site' -o "$T/ex6"

L=$(ta audit)
for act in review.redact review.export review.export-refused; do
	check "the audit log records $act" has " $act " "$L"
done
check "the refusal says why" has "review.export-refused .*no redaction is recorded" "$L"
check_fails "the audit log never holds the words" has "Thompson|Amelia|Certificate" "$L"
check_fails "nor does the registry" grep -aq "Thompson" "$TRUST"/registry.db*
rm -rf "$T/open1" "$T/open2" "$T"/ex? "$T/cert.jpg" "$T/objs"
check "no plaintext in the Trust or server directories" "$TOOLS/scan_plaintext" "$TRUST" "$DATA"
finish
