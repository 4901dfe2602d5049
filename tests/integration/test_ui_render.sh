#!/bin/sh
# test_ui_render.sh - every kiosk screen (and every refusal), rendered
# with the fixed sample data at 800x480 and 1920x1080, matches its
# reference image in tests/ui/ within tc_pngdiff's tolerance (1 pixel in
# 1000 may differ by more than 32 levels); a missing or extra screen
# fails.  And the comparison itself catches a moved button.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh

for p in 800x480 1920x1080; do
	mkdir -p "$T/$p"
	check "$p: the gallery renders" sh -c "'$B/kiosk' -G '$T/$p' -p $p >/dev/null"
	got=$(cd "$T/$p" && ls ./*.png | sort)
	want=$(cd "tests/ui/$p" && ls ./*.png | sort)
	check "$p: every screen has a reference and every reference a screen" test "$got" = "$want"
	for ref in "tests/ui/$p"/*.png; do
		name=$(basename "$ref" .png)
		out=$("$TOOLS/tc_pngdiff" "$ref" "$T/$p/$name.png" 2>&1 || true)
		check "$p $name matches its reference ($out)" "$TOOLS/tc_pngdiff" "$ref" "$T/$p/$name.png"
	done
done

# The tolerance is not so loose that a layout change passes: the same
# image with one button (the 800x480 viewfinder's "Burst", 127x102 px at
# 530,203) moved 3 px down, or the PIN pad's "5" moved 3 px right.
check "the comparison itself passes an identical image" \
	"$TOOLS/tc_pngdiff" tests/ui/800x480/viewfinder.png tests/ui/800x480/viewfinder.png
check_fails "a button moved 3 px down fails the comparison" \
	"$TOOLS/tc_pngdiff" -m 530,203,127,102,0,3 tests/ui/800x480/viewfinder.png "$T/800x480/viewfinder.png"
check_fails "a PIN key moved 3 px right fails the comparison" \
	"$TOOLS/tc_pngdiff" -m 533,142,125,86,3,0 tests/ui/800x480/pin.png "$T/800x480/pin.png"
check_fails "a different screen state fails the comparison" \
	"$TOOLS/tc_pngdiff" tests/ui/800x480/viewfinder.png "$T/800x480/viewfinder-internal-only.png"
check_fails "a different profile fails the comparison" \
	"$TOOLS/tc_pngdiff" tests/ui/800x480/locked.png "$T/1920x1080/locked.png"
finish
