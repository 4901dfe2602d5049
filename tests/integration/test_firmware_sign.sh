#!/bin/sh
# test_firmware_sign.sh - the Trust side of signed updates (issue 17),
# with real RAUC bundles made by Debian's rauc: `trustadm firmware cert`
# makes the firmware signer under the Trust CA (key sealed under the
# passphrase, refused a second time), `firmware sign` signs the input
# `make bundle` writes (tools/image/mkbundle, here from a stand-in image
# directory: the root image is random bytes, which RAUC does not look
# into) and keeps it under its release, refusing a release not above
# the newest signed, a wrong passphrase and a manifest that is not ours,
# each with a clear message and, for the release, an audit row;
# `firmware list` checks every kept bundle again and names a tampered
# one; `publish` gives trust-server the bundles and the signer
# certificate (0640); a published bundle verifies against that
# certificate alone, as a device pins it, and a bundle signed by another
# Trust's firmware signer does not.
set -eu
T=$(cd "${TC_TEST_TMP:?}" && pwd)
B=${TC_BIN:?}
. tests/integration/lib.sh

TRUST=$T/trust
printf 'correct horse battery staple\n' > "$T/pass"
printf 'wrong horse battery staple\n' > "$T/wrong"
tap() { "$B/trustadm" -d "$TRUST" --passphrase-file "$T/pass" "$@"; }

# fake_image DIR VERSION: what mkbundle reads from an image build directory.
fake_image() {
	mkdir -p "$1/rootfs/usr/lib"
	printf 'IMAGE_ID=trustcam-kiosk-x86\nIMAGE_VERSION=%s\n' "$2" > "$1/rootfs/usr/lib/os-release"
	head -c 300000 /dev/urandom > "$1/root.part"
}
# rauc_check BUNDLE KEYRING: rauc's own verdict, as the device configures it.
rauc_check() {
	printf '[system]\ncompatible=trustcam-kiosk-x86\nbootloader=noop\n[keyring]\npath=%s\ncheck-purpose=codesign\nallow-partial-chain=true\n' \
		"$2" > "$T/check.conf"
	rauc --conf "$T/check.conf" info "$1"
}

expect_exit "init with a passphrase" 0 "sealed under the passphrase" tap init
expect_exit "sign before there is a signer is refused" 1 "firmware cert' first" \
	tap firmware sign "$T"
expect_exit "firmware cert makes the signer under the Trust CA" 0 \
	"firmware signer .*firmware-signer.crt .*sealed under the passphrase" tap firmware cert
check "the signer's key is sealed (an envelope)" \
	test "$(head -c 8 "$TRUST/firmware-signer.key")" = TCKEYENV
check "the signer's key is 0600" test "$(stat -c %a "$TRUST/firmware-signer.key")" = 600
expect_exit "a second firmware cert is refused (devices pin the first)" 1 \
	"exists: the firmware signer is made once" tap firmware cert

fake_image "$T/img" v1.0-3-gabc
expect_exit "mkbundle writes the bundle's input" 0 "trustcam-kiosk-x86 v1.0-3-gabc, release 3" \
	tools/image/mkbundle kiosk-x86 "$T/img" 3
expect_exit "mkbundle refuses release 0" 2 "RELEASE must be a whole number" \
	tools/image/mkbundle kiosk-x86 "$T/img" 0
expect_exit "firmware sign with a wrong passphrase is refused" 1 "wrong passphrase" \
	"$B/trustadm" -d "$TRUST" --passphrase-file "$T/wrong" firmware sign "$T/img/bundle"
expect_exit "firmware sign keeps the bundle under its release" 0 \
	"signed .*firmware/kiosk-x86-3.raucb: board kiosk-x86, release 3, version v1.0-3-gabc" \
	tap firmware sign "$T/img/bundle"
expect_exit "the same release again is refused" 1 "release 3 for kiosk-x86 is not above 3" \
	tap firmware sign "$T/img/bundle"
tools/image/mkbundle kiosk-x86 "$T/img" 2 >/dev/null
expect_exit "an older release is refused" 1 "release 2 for kiosk-x86 is not above 3" \
	tap firmware sign "$T/img/bundle"
sed -i 's/^compatible=.*/compatible=someone-else/' "$T/img/bundle/manifest.raucm"
sed -i 's/^build=.*/build=9/' "$T/img/bundle/manifest.raucm"
expect_exit "a manifest that is not trustcam-BOARD is refused" 1 "compatible is not trustcam-BOARD" \
	tap firmware sign "$T/img/bundle"
check "nothing but release 3 was kept" test "$(ls "$TRUST/firmware")" = kiosk-x86-3.raucb
tools/image/mkbundle kiosk-x86 "$T/img" 4 >/dev/null
expect_exit "a newer release is signed" 0 "kiosk-x86-4.raucb" tap firmware sign "$T/img/bundle"
expect_exit "firmware list shows both, checked" 0 "kiosk-x86 +4 +v1.0-3-gabc +kiosk-x86-4.raucb" \
	tap firmware list
AUD=$(tap audit --last 20)
check "the audit log has the certificate" has " firmware.cert +firmware-signer.crt" "$AUD"
check "the audit log has each signed bundle" has " firmware.sign +kiosk-x86-4.raucb +board kiosk-x86, release 4" "$AUD"
check "the audit log has the refused releases" \
	test "$(count_lines ' firmware.sign-refused +kiosk-x86' "$AUD")" -eq 2

# ---- what devices get: the share, and the pinned certificate alone
mkdir -m 2750 "$T/pub"
expect_exit "publish" 0 "published to" tap publish "$T/pub"
check "the share has the signer certificate" cmp "$TRUST/firmware-signer.crt" "$T/pub/firmware-signer.crt"
check "the share has the bundles, 0640" test "$(stat -c %a "$T/pub/firmware/kiosk-x86-4.raucb")" = 640
check "the share has no signer key" test ! -e "$T/pub/firmware-signer.key"
check "a published bundle is the signed one" cmp "$TRUST/firmware/kiosk-x86-4.raucb" "$T/pub/firmware/kiosk-x86-4.raucb"
check "rauc accepts it with the signer certificate alone as keyring" \
	rauc_check "$T/pub/firmware/kiosk-x86-4.raucb" "$T/pub/firmware-signer.crt"

OTHER=$T/other
"$B/trustadm" -d "$OTHER" init --no-passphrase >/dev/null
"$B/trustadm" -d "$OTHER" firmware cert >/dev/null
tools/image/mkbundle kiosk-x86 "$T/img" 5 >/dev/null
"$B/trustadm" -d "$OTHER" firmware sign "$T/img/bundle" >/dev/null
check_fails "a bundle signed by another Trust's signer does not verify with ours" \
	rauc_check "$OTHER/firmware/kiosk-x86-5.raucb" "$TRUST/firmware-signer.crt"
check_fails "nor with our Trust CA's certificate alone (another CA)" \
	rauc_check "$OTHER/firmware/kiosk-x86-5.raucb" "$TRUST/ca.crt"

# A byte of the signature changed in a kept bundle: list names it and fails.
size=$(stat -c %s "$TRUST/firmware/kiosk-x86-4.raucb")
flip_byte "$TRUST/firmware/kiosk-x86-4.raucb" $((size - 200))
expect_exit "firmware list names a tampered bundle" 1 \
	"kiosk-x86-4.raucb: firmware bundle not signed by the Trust's firmware signer" tap firmware list
finish
