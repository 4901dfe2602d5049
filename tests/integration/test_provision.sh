#!/bin/sh
# test_provision.sh - the device's provisioning (rule R1) end to end, with
# a throwaway Trust made by trustadm: an unprovisioned device refuses to
# capture; provision request makes the identity key and a CSR; every bad
# installation is refused before anything is written (certificate from
# another CA, a CA that did not issue it, a certificate for another key,
# tampered, expired, wrong-device, wrong-signer and approved-with-grace
# bundles); the good one installs; re-provisioning is refused until wipe;
# newer policies install and older ones are rolled-back refusals; the
# installed files are re-verified at every start (tampered, rolled back,
# missing, foreign certificate); expiry is enforced at capture time; an
# approved device shows its class; wipe refuses while unsynced photos
# remain, --force destroys them and is audited with the count, the audit
# log survives; files and directories are private.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh

setup_device "$T"
make_trust "$T/trust"
TRUST_A=$TRUST
# Another Trust, with its own CA and policy signer.
make_trust "$T/other"
TRUST_B=$TRUST
TRUST=$TRUST_A
start_photod -m 1920x1080

# -- unprovisioned: R1 refuses capture, status says why
out=$(camctl status)
check "an unprovisioned device says so" has '^device: .*not provisioned' "$out"
check "status says capture is blocked by R1" has 'capture: *blocked \(R1\): .*not provisioned' "$out"
expect_exit "capture on an unprovisioned device is refused citing R1" 3 \
	'rule R1: .*not provisioned' camctl capture
expect_exit "login on an unprovisioned device is refused" 3 'rule R1' \
	sh -c "printf '%s\n' $PIN | '$B/camctl' -r '$RUN' login S042"
expect_exit "install before a key exists is refused" 3 'no identity key' \
	camctl provision install --cert "$TRUST/ca.crt" --ca "$TRUST/ca.crt" --policy "$TRUST/ca.crt"

# -- provision request: key and CSR
camctl provision request > "$T/device.csr" 2> "$T/request.err"
check "provision request prints a PEM CSR" has '^-----BEGIN CERTIFICATE REQUEST-----$' "$(cat "$T/device.csr")"
DEVICE_ID=$(status_field device | cut -d' ' -f1)
check "status shows the new device id" has '^D-[0-9a-f]{16}$' "$DEVICE_ID"
check "camctl names the device id on stderr" has "device $DEVICE_ID" "$(cat "$T/request.err")"
camctl provision request > "$T/device2.csr" 2>/dev/null
check "a second request keeps the same key" test "$(status_field device | cut -d' ' -f1)" = "$DEVICE_ID"
check "the identity key is private (0600, or in the TPM)" key_private identity

# The Trust enrols it; so, for the wrong-CA tests, does another Trust.
ta enrol --csr "$T/device.csr" --class trust-owned --label "camera 1" >/dev/null
"$B/trustadm" -d "$TRUST_B" enrol --csr "$T/device.csr" --class trust-owned --label x >/dev/null
CERT=$TRUST_A/devices/$DEVICE_ID.crt
CA=$TRUST_A/ca.crt
ta policy issue "$DEVICE_ID" -o "$T/v1.bundle" >/dev/null
# Another device of the same Trust, with its own key, certificate and policy.
OTHER_ID=$("$TOOLS/tc_mkcsr" "$T/other.key" "$T/other.csr")
ta enrol --csr "$T/other.csr" --class trust-owned --label "camera 2" >/dev/null
ta policy issue "$OTHER_ID" -o "$T/other-v1.bundle" >/dev/null
# Bundles no honest trustadm makes: signed by the real signer, or by the other Trust's.
forge() { "$TOOLS/tc_policy_forge" "$@"; }
forge --expired "$T/v1.bundle" "$CA" "$TRUST_A/policy-signer.key" \
	"$TRUST_A/policy-signer.crt" "$T/expired.bundle"
forge --class approved --grace 24 "$T/v1.bundle" "$CA" "$TRUST_A/policy-signer.key" \
	"$TRUST_A/policy-signer.crt" "$T/grace.bundle"
forge "$T/v1.bundle" "$CA" "$TRUST_B/policy-signer.key" "$TRUST_B/policy-signer.crt" \
	"$T/foreign-signer.bundle"
cp "$T/v1.bundle" "$T/tampered.bundle"
# One byte inside the signed payload.
printf 'X' | dd of="$T/tampered.bundle" bs=1 seek=200 conv=notrunc 2>/dev/null

install() { camctl provision install --cert "$1" --ca "$2" --policy "$3"; }
nothing_installed() { [ ! -e "$STATE/provision/device.crt" ] && [ ! -e "$STATE/provision/policy.bundle" ]; }

# -- every bad installation refused, nothing written
expect_exit "a certificate from another Trust's CA is refused" 3 \
	'rule R1: the device certificate is not issued by the Trust CA' \
	install "$TRUST_B/devices/$DEVICE_ID.crt" "$CA" "$T/v1.bundle"
expect_exit "a CA that did not issue the certificate is refused" 3 'not issued by the Trust CA' \
	install "$CERT" "$TRUST_B/ca.crt" "$T/v1.bundle"
expect_exit "another device's certificate is refused" 3 "not for this device's key" \
	install "$TRUST_A/devices/$OTHER_ID.crt" "$CA" "$T/v1.bundle"
expect_exit "a tampered bundle is refused" 3 'policy bundle rejected: policy (signature does not match|bundle is malformed)' \
	install "$CERT" "$CA" "$T/tampered.bundle"
expect_exit "an expired bundle is refused" 3 'rejected: policy has expired' \
	install "$CERT" "$CA" "$T/expired.bundle"
expect_exit "another device's bundle is refused" 3 'rejected: policy is for another device' \
	install "$CERT" "$CA" "$T/other-v1.bundle"
expect_exit "a bundle from another Trust's signer is refused" 3 \
	'rejected: policy signer is not certified by the Trust CA' \
	install "$CERT" "$CA" "$T/foreign-signer.bundle"
expect_exit "an approved device's bundle with a deletion grace is refused, citing R2 and the grace period" 3 \
	'rule R2: policy bundle rejected: policy gives an approved device a deletion grace period' \
	install "$CERT" "$CA" "$T/grace.bundle"
expect_exit "a file that is not a certificate is refused" 3 'does not parse' \
	install "$T/v1.bundle" "$CA" "$T/v1.bundle"
expect_exit "a directory passed as a file is refused" 3 'unreadable' \
	install "$CERT" "$CA" "$T"
check "nothing was written by a refused install" nothing_installed
check "still not provisioned" has 'not provisioned' "$(status_field device)"
audit=$(audit_log)
check "each refused install is audited" \
	test "$(count_lines ' provision.install - -[0-9]+ ' "$audit")" -eq 11

# -- the good installation
expect_exit "the Trust's certificate, CA and policy install" 0 \
	"provisioned as $DEVICE_ID \(trust-owned\), policy v1 valid until" \
	install "$CERT" "$CA" "$T/v1.bundle"
out=$(camctl status)
check "status: provisioned with the device id" has "^device: *$DEVICE_ID \(provisioned\)" "$out"
check "status: the class" has '^class: *trust-owned' "$out"
check "status: policy version and expiry" has '^policy: *v1, expires 20[0-9-]{8}T' "$out"
check "status: capture waits for a login (R10)" has 'capture: *blocked \(R10\)' "$out"
check "the install is audited" has "provision.install - 0 provisioned as $DEVICE_ID" "$(audit_log)"

# -- private files
check "state dir is 0700" test "$(mode "$STATE")" = 700
if on_tpm; then
	check "no key file is on the disk" test -z "$(ls -A "$STATE/keys" 2>/dev/null)"
else
	check "keys/ is 0700" test "$(mode "$STATE/keys")" = 700
fi
check "provision/ is 0700" test "$(mode "$STATE/provision")" = 700
for f in "$STATE"/keys/* "$STATE"/provision/*; do
	[ -e "$f" ] || continue	# keys/* with the keys in a TPM
	check "$(basename "$f") is 0600" test "$(mode "$f")" = 600
done
check "the rollback mark holds version 1" test "$(cat "$STATE/provision/policy.version")" = 1

# -- re-provisioning is refused until wipe
expect_exit "a second install is refused" 3 'already provisioned' \
	install "$CERT" "$CA" "$T/v1.bundle"
expect_exit "a second provision request is refused" 1 'already provisioned as' \
	camctl provision request

# -- policy updates: newer installs, older or equal is a rollback
ta policy issue "$DEVICE_ID" -o "$T/v2.bundle" >/dev/null
expect_exit "a newer policy installs" 0 'policy v2 \(was v1\) installed' \
	camctl policy install "$T/v2.bundle"
check "the rollback mark moves to 2" test "$(cat "$STATE/provision/policy.version")" = 2
expect_exit "an older policy is refused as a rollback" 3 'older than the installed one' \
	camctl policy install "$T/v1.bundle"
expect_exit "the same policy again is refused as a rollback" 3 'older than the installed one' \
	camctl policy install "$T/v2.bundle"
expect_exit "a tampered update is refused" 3 'rejected' camctl policy install "$T/tampered.bundle"
check "status shows policy v2" has '^policy: *v2,' "$(camctl status)"

# -- the installed files are verified again at every start
# put SRC NAME: replace STATE/provision/NAME as photod's user would find it.
put() { as_device_user sh -c 'cat > "$1"' sh "$STATE/provision/$2" < "$1"; }
cp "$STATE/provision/policy.bundle" "$T/v2.saved"
restart() { stop_photod; start_photod -m 1920x1080; }
put "$T/v1.bundle" policy.bundle
restart
out=$(camctl status)
check "a rolled-back bundle on disk blocks capture (R1)" \
	has 'capture: *blocked \(R1\): policy: policy version is older' "$out"
check "and status has no valid policy" has '^policy: *none valid' "$out"
check "the failed check at start is audited" has 'provision.check - -4601 ' "$(audit_log)"
put "$T/tampered.bundle" policy.bundle
restart
check "a tampered bundle on disk blocks capture (R1)" \
	has 'capture: *blocked \(R1\): policy: policy (signature|bundle)' "$(camctl status)"
rm "$STATE/provision/policy.bundle"
restart
check "a missing bundle blocks capture (R1)" has 'capture: *blocked \(R1\): policy: no policy' \
	"$(camctl status)"
put "$T/v2.saved" policy.bundle
cp "$STATE/provision/device.crt" "$T/device.crt.saved"
put "$TRUST_B/devices/$DEVICE_ID.crt" device.crt
restart
check "a certificate from another CA on disk blocks capture (R1)" \
	has 'capture: *blocked \(R1\): the device certificate is not issued by the Trust CA' \
	"$(camctl status)"
put "$T/device.crt.saved" device.crt
mv "$STATE/provision/policy.version" "$T/policy.version.saved"
restart
check "a missing rollback mark blocks capture (R1)" \
	has 'capture: *blocked \(R1\): policy: the policy.s anti-rollback mark is missing' \
	"$(camctl status)"
mv "$T/policy.version.saved" "$STATE/provision/policy.version"
restart
check "with the right files back, capture waits only for a login" \
	has 'capture: *blocked \(R10\)' "$(camctl status)"

# -- expiry at capture time (photod's clock moved, no sleeping)
staff_session
check "capture is allowed while the policy is valid" camctl capture
# A bundle installed just after trustadm issued it, on a clock a little
# behind the Trust's, is valid (TC_POLICY_CLOCK_SKEW, 5 minutes).
issued=$("$TOOLS/tc_policy_check" "$STATE/provision/policy.bundle" "$CA" "$DEVICE_ID" 0 |
	sed -n 's/^issued //p')
clock_offset $((issued - $(date +%s) - 120))
check "two minutes behind the issue time, capture is still ready" \
	has 'capture: *ready' "$(camctl status)"
clock_offset $((31 * 86400))
expect_exit "capture after the policy expired is refused (R1)" 3 'rule R1: policy: the policy has expired' \
	camctl capture
clock_offset -3600
expect_exit "capture with the clock before the policy's issue time says not yet valid (R1)" 3 \
	'rule R1: policy: the policy is not yet valid: the device clock is before its issue time' \
	camctl capture
check "and status says the same" \
	has 'capture: *blocked \(R1\): policy: the policy is not yet valid' "$(camctl status)"
clock_offset $((31 * 86400))
check "31 days on, status says expired, not 'not yet valid'" \
	has 'capture: *blocked \(R1\): policy: the policy has expired' "$(camctl status)"
clock_offset 0
check "31 days idle logged the staff member out" has '^staff: *nobody' "$(camctl status)"
staff_session
check "capture is allowed again with the clock back" camctl capture

# -- wipe: refused with unsynced photos, forced and audited with the count
photos=$(status_field 'photos held' | cut -d' ' -f1)
expect_exit "wipe with unsynced photos is refused (R4)" 3 'rule R4: 2 unsynced photo' camctl wipe
check "nothing was wiped" has "$DEVICE_ID \(provisioned\)" "$(status_field device)"
check "the refused wipe is audited" has 'refuse.wipe - -4621 ' "$(audit_log)"
expect_exit "wipe --force destroys them" 0 "wiped: $photos photos destroyed \($photos unsynced\)" \
	camctl wipe --force
out=$(camctl status)
check "after wipe: no identity, not provisioned" has '^device: *no identity key \(not provisioned\)' "$out"
check "after wipe: no photos" has '^photos held: *0 ' "$out"
check "after wipe: capture refused (R1)" has 'capture: *blocked \(R1\)' "$out"
check "the identity key is gone" key_gone identity
check "the provisioning files are gone" test -z "$(ls -A "$STATE/provision")"
check "the photo objects are gone" test -z "$(ls -A "$STATE/store/objects")"
audit=$(audit_log)
check "the audit log survives the wipe and verifies" test -n "$audit"
check "the forced wipe is audited with the count" \
	has "camctl:uid=[0-9]+ wipe - 0 forced: $photos photo\(s\) destroyed, $photos of them unsynced; device $DEVICE_ID" "$audit"
check "and its completion" has ' wipe.done - 0 [0-9]+ object file' "$audit"
check "the staff member was logged out by the wipe" has 'staff:S042 logout - 0 wipe' "$audit"

# -- provisioned again, as an approved device: a new identity
camctl provision request > "$T/device3.csr" 2>/dev/null
NEW_ID=$(status_field device | cut -d' ' -f1)
check "after a wipe the device has a new id" test "$NEW_ID" != "$DEVICE_ID"
ta enrol --csr "$T/device3.csr" --class approved --label "a parent's phone" >/dev/null
ta policy issue "$NEW_ID" -o "$T/approved-v1.bundle" >/dev/null
expect_exit "the approved device provisions" 0 "provisioned as $NEW_ID \(approved\)" \
	install "$TRUST_A/devices/$NEW_ID.crt" "$CA" "$T/approved-v1.bundle"
check "status shows the approved class" has '^class: *approved' "$(camctl status)"
forge --version 2 --class approved --grace 48 "$T/approved-v1.bundle" "$CA" \
	"$TRUST_A/policy-signer.key" "$TRUST_A/policy-signer.crt" "$T/approved-grace.bundle"
expect_exit "an update asking an approved device for a grace period is refused, citing R2" 3 \
	'rule R2: policy bundle rejected: policy gives an approved device a deletion grace period' \
	camctl policy install "$T/approved-grace.bundle"
expect_exit "trustadm itself refuses to issue such a policy" 1 'rule R2' \
	ta policy issue "$NEW_ID" --grace-hours 24 -o "$T/never.bundle"

# -- no on-device review key (R3): a bundle asking for it is refused, an
#    old review.key left by earlier firmware is erased, photos open with
#    the Trust key alone
forge --version 2 --review-on-device "$T/approved-v1.bundle" "$CA" \
	"$TRUST_A/policy-signer.key" "$TRUST_A/policy-signer.crt" "$T/review.bundle"
expect_exit "a bundle asking for the on-device review key is refused, citing R3" 3 \
	'rule R3: policy bundle rejected: policy asks for the on-device review key, which no longer exists' \
	camctl policy install "$T/review.bundle"
check "the refusal is audited" has ' policy.install - -4604 policy bundle rejected: policy asks for the on-device review key' \
	"$(audit_log)"
check "the installed policy is still version 1" has '^policy: *v1,' "$(camctl status)"
stop_photod
# (a device with its keys in a TPM still has the keys/ of its older firmware)
as_device_user sh -c "mkdir -p -m 700 '$STATE/keys' && head -c 32 /dev/urandom > '$STATE/keys/review.key'"
start_photod -m 1920x1080
check "a review key left by older firmware is erased at start" test ! -e "$STATE/keys/review.key"
staff_session
shot=$(camctl capture | head -1 | cut -d' ' -f1)
mkdir -p "$T/one"
cp "$STATE/store/objects/$shot.tco" "$T/one/"
check "a photo opens with the Trust key" "$TOOLS/tc_verify" "$TRUST_A/photo.key" "$T/one"
check "no review key was made for it" test ! -e "$STATE/keys/review.key"
camctl discard "$shot" >/dev/null
camctl logout >/dev/null

# -- wipe with no unsynced photos needs no --force
staff_session
first=$(camctl capture | head -1 | cut -d' ' -f1)
camctl discard "$first" >/dev/null
expect_exit "wipe with nothing unsynced needs no --force" 0 'wiped: 0 photos destroyed' camctl wipe
check "that wipe is audited as not forced" has " wipe - 0 0 photo\(s\) destroyed, 0 of them unsynced" \
	"$(audit_log)"
finish
