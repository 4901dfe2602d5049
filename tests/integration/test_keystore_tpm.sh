#!/bin/sh
# test_keystore_tpm.sh - the device end to end with its keys in a TPM (a
# fresh swtpm): IT provisions it exactly as with key files, staff log in,
# photos sync with receipts; no key is on disk; the wrong-PIN count
# survives deleting every file; an old policy restored from a disk image
# is refused; camctl wipe evicts the identity and PIN objects and the NV
# indices; the same disk with another TPM does not start (its audit log
# does not verify); with no TPM photod refuses to start rather than run
# on weaker keys.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh
. tests/integration/sync_lib.sh
. tests/integration/swtpm_lib.sh
login() { printf '%s\n' "$2" | camctl login "$1"; }
# photod_exit: photod's own exit status (start_photod's is its pid file's).
# shellcheck disable=SC2086
photod_exit() { "$B/photod" -d "$STATE" -r "$RUN" -c synthetic:7 $USER_OPT -b -P "$RUN/photod.pid" -l warn; }

start_swtpm "$T/tpm"
sync_setup trust-owned
trap 'stop_syncd 2>/dev/null || true; stop_server 2>/dev/null || true; stop_photod 2>/dev/null || true; stop_swtpm -9' EXIT

# -- provisioned and syncing, keys in the TPM
out=$(camctl status)
check "status says the TPM holds the keys" has '^keys: +tpm' "$out"
check "provisioning worked unchanged" has '^device: +D-[0-9a-f]{16} \(provisioned\)' "$out"
check "policy v1 is in force" has '^policy: +v1,' "$out"
check "no key file is on the disk" test -z "$(ls -A "$STATE/keys" 2>/dev/null)"
check "the TPM holds four sealed objects" test "$(tpm_handles persistent | wc -l)" -eq 4
camctl capture --count 2 >/dev/null
start_syncd
dock
out=$(camctl sync --wait 2>&1) || true
check "a sync pass with the TPM-held identity succeeds" has '^sync done: ' "$out"
check "the server holds the two photos" test "$(server_count)" -eq 2
check "each with a valid receipt" has '^ledger: 2 rows, 2 object files, .* 0 problem' "$(ledger_check)"
stop_syncd

# -- the wrong-PIN count is in the TPM: deleting every file does not reset it
camctl logout >/dev/null
for i in 1 2 3; do
	expect_exit "wrong PIN $i of 5" 3 "wrong staff id or PIN \\($i of 5" login S042 000000
done
stop_photod
find "$STATE" -type f \( -path '*/keys/*' -o -name '*lock*' -o -name 'pin-failures' \) -delete
start_photod -m 1920x1080
expect_exit "deleting files did not reset the count" 3 '\(4 of 5' login S042 000000
expect_exit "the right PIN still logs in" 0 'S042 logged in' login S042 "$PIN"

# -- an old disk image's policy is refused (the floor is in the TPM)
cp "$STATE/provision/policy.bundle" "$T/v1.bundle.saved"
cp "$STATE/provision/policy.version" "$T/v1.version.saved"
ta policy issue "$DEVICE_ID" -o "$T/v2.bundle" --server-url "https://127.0.0.1:$PORT" >/dev/null
expect_exit "policy v2 installs" 0 'policy v2 \(was v1\) installed' camctl policy install "$T/v2.bundle"
stop_photod
cp "$T/v1.bundle.saved" "$STATE/provision/policy.bundle"
cp "$T/v1.version.saved" "$STATE/provision/policy.version"
start_photod -m 1920x1080
check "the restored v1 policy is refused as a rollback" \
	has '^policy: +none valid \(policy version is older than the installed one\)' "$(camctl status)"
printf '%s\n' "$PIN" | camctl login S042 >/dev/null 2>&1 || true
expect_exit "and the device refuses to capture" 3 'capture|policy' camctl capture

# -- another TPM, same disk: nothing unseals; the audit log the disk
# holds does not verify with another TPM's key, so photod does not start
stop_photod
stop_swtpm
start_swtpm "$T/tpm-other"
expect_exit "another TPM: photod refuses to start" 1 'audit log head MAC does not match' \
	photod_exit
stop_swtpm
start_swtpm "$T/tpm"

# -- camctl wipe evicts what the device made but the audit key
start_photod -m 1920x1080
expect_exit "wipe succeeds" 0 'wiped' camctl wipe --force
check "the identity and PIN secret objects are evicted" \
	test -z "$(tpm_handles persistent | grep -E '^0x8154430[23]$')"
# (photod reopens an empty store after the wipe: a fresh store key is sealed at once)
check "the audit key stays, and a store key of the empty store" \
	test "$(tpm_handles persistent | tr '\n' ' ')" = "0x81544300 0x81544301 "
check "no NV index of the device stays" test -z "$(tpm_handles nv-index)"
stop_photod

# -- no TPM at all: photod refuses to start and says why
stop_swtpm -9
expect_exit "without its TPM photod does not start" 1 'TPM is absent' photod_exit
sync_finish
