#!/bin/sh
# test_identity_at_start.sh - first boot (photod -k, as photod.service
# runs it on a device image): on an empty state directory photod makes the
# identity key itself and waits for provisioning, audited; `camctl
# provision request` then prints the CSR of that key and makes none; a
# restart keeps the key; without -k (host, demo) there is no key until
# provision request makes one.  The boot test (tools/image/image-test)
# checks the same on a booted image with its TPM.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh

setup_device "$T"
start_photod -m 1920x1080 -k
id=$(status_field device)
check "photod -k made the identity key at start, nothing typed" has '^D-[0-9a-f]{16} \(not provisioned\)$' "$id"
id=${id%% *}
check "the key is in the keystore, 0600" test "$(mode "$STATE/keys/identity.key")" = 600
check "the new key is audited, waiting for provisioning" \
	has "photod provision.identity .*$id: new identity key, waiting for provisioning" "$(audit_log)"
check "capture is refused until IT provisions it (R1)" has 'capture: *blocked \(R1\)' "$(camctl status)"

camctl provision request > "$T/device.csr" 2> "$T/request.err"
check "provision request prints a CSR" has '^-----BEGIN CERTIFICATE REQUEST-----$' "$(cat "$T/device.csr")"
check "for the key made at start" has "device $id" "$(cat "$T/request.err")"
check "and says it used the existing key" has "provision.request .*$id: existing identity key" "$(audit_log)"

stop_photod
start_photod -m 1920x1080 -k
check "a restart keeps the key" test "$(status_field device)" = "$id (not provisioned)"
check "and makes no other" test "$(count_lines ' provision.identity ' "$(audit_log)")" -eq 1
stop_photod

# Without -k (the host board's demo and tests): no key until provision request.
setup_device "$T/plain"
start_photod -m 1920x1080
check "without -k there is no identity key at start" test "$(status_field device)" = "no identity key (not provisioned)"
camctl provision request > "$T/plain.csr" 2>/dev/null
check "provision request makes it then" has '^D-[0-9a-f]{16} \(not provisioned\)$' "$(status_field device)"
check "as a new key" has 'provision.request .*: new identity key' "$(audit_log)"
finish
