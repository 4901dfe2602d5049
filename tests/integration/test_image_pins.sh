#!/bin/sh
# test_image_pins.sh - the Trust's pins a device image carries
# (tools/image/pins.sh, which mkimage sources): the CA and enrol URL go
# to /usr/lib/trustcam/enrol; syncd's unit, which denies every address
# but localhost, gets a drop-in allowing the Trust's server (TRUST_NET,
# or the URL's host when that is an address); a host name without
# TRUST_NET, a bad address, a URL that is not https and a CA file that is
# not one certificate are refused before anything is built; no pins, no
# files.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
fails=0
ok() { echo "ok - $*"; }
no() { echo "not ok - $*"; fails=$((fails + 1)); }
check() { what=$1; shift; if "$@"; then ok "$what"; else no "$what"; fi; }
SOURCE_DATE_EPOCH=1700000000
. tools/image/pins.sh

"$B/trustadm" -d "$T/trust" init --no-passphrase >/dev/null
CA=$T/trust/ca.crt
DROPIN=etc/systemd/system/syncd.service.d/trust-server.conf

# pinned NAME: pins_check and pins_write into $T/NAME with the TRUST_*
# variables given before it; its stderr in $T/NAME.err.
pinned() {
	rm -rf "${T:?}/$1"
	mkdir -p "$T/$1"
	( pins_check && pins_write "$T/$1" ) 2>"$T/$1.err"
}
allowed() { sed -n 's/^IPAddressAllow=//p' "$T/$1/$DROPIN"; }

check "no pins: nothing is written" pinned none
check "no pins: no enrol directory, no drop-in" test -z "$(find "$T/none" -mindepth 1)"

TRUST_CA=$CA TRUST_URL=https://10.1.2.3:8444 pinned v4
check "an address URL: the CA is pinned as given" cmp "$CA" "$T/v4/usr/lib/trustcam/enrol/ca.crt"
check "and the URL" test "$(cat "$T/v4/usr/lib/trustcam/enrol/url")" = https://10.1.2.3:8444
check "no name file unless TRUST_NAME" test ! -e "$T/v4/usr/lib/trustcam/enrol/name"
check "syncd may reach the URL's address" test "$(allowed v4)" = 10.1.2.3
check "in a [Service] drop-in" grep -qx '\[Service\]' "$T/v4/$DROPIN"
check "the files are world-readable, not writable" test \
	"$(stat -c %a "$T/v4/usr/lib/trustcam/enrol/ca.crt" "$T/v4/$DROPIN" | sort -u)" = 644
check "with SOURCE_DATE_EPOCH's time" test "$(stat -c %Y "$T/v4/$DROPIN")" = $SOURCE_DATE_EPOCH

TRUST_CA=$CA TRUST_URL=https://[fd00::5]:8444 TRUST_NAME=trust.example pinned v6
check "an IPv6 URL: its address is allowed" test "$(allowed v6)" = fd00::5
check "TRUST_NAME is pinned" test "$(cat "$T/v6/usr/lib/trustcam/enrol/name")" = trust.example

if TRUST_CA=$CA TRUST_URL=https://trust.example:8444 pinned host; then
	no "a host name without TRUST_NET is refused"
else
	check "a host name without TRUST_NET is refused, saying what to give" \
		grep -q 'names a host, not an address: give TRUST_NET=' "$T/host.err"
fi
TRUST_CA=$CA TRUST_URL=https://trust.example:8444 TRUST_NET="10.1.2.0/24 fd00::/64" pinned net
check "TRUST_NET is what syncd may reach" test "$(allowed net)" = "10.1.2.0/24 fd00::/64"

refused() {
	what=$1 msg=$2
	shift 2
	if env "$@" sh -c '. tools/image/pins.sh; pins_check' 2>"$T/refused.err"; then
		no "$what"
	else
		check "$what" grep -q -- "$msg" "$T/refused.err"
	fi
}
refused "a TRUST_NET that is not an address is refused" "is not an address" \
	TRUST_CA="$CA" TRUST_URL=https://10.1.2.3:8444 "TRUST_NET=10.1.2.3;reboot"
refused "an http URL is refused" "must be https" TRUST_CA="$CA" TRUST_URL=http://10.1.2.3:8444
refused "a URL without the CA is refused" "need both" TRUST_URL=https://10.1.2.3:8444
cat "$CA" "$CA" > "$T/two.crt"
refused "a CA file of two certificates is refused" "exactly one PEM certificate" \
	TRUST_CA="$T/two.crt" TRUST_URL=https://10.1.2.3:8444

# Pins taken away at the next build into the same root leave nothing behind.
check "a build without pins into the same root succeeds" sh -c '. tools/image/pins.sh; pins_check && pins_write "$1"' _ "$T/v6"
check "and removes the old pins and drop-in" \
	test -z "$(find "$T/v6" -name url -o -name trust-server.conf)"

echo "test_image_pins: $fails failure(s)"
[ "$fails" -eq 0 ]
