#!/bin/sh
# test_sync_revoked.sh - a device the Trust revokes stops taking photos
# that could never leave it: after syncd's refused handshake
# (STATE/provision/revoked), capture is refused with the revoked wording
# and audited (policy on_revoked block, the default), or allowed with a
# warning in the capture's audit entry (on_revoked warn); a sync that
# succeeds clears the refusal.  Revoked while connected (syncd held by
# TC_HOLD_AT between its handshake and its first request): the 403 blocks
# capture just the same.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh
. tests/integration/sync_lib.sh

sync_setup trust-owned --no-require-event
start_syncd

# A refusal recorded by an earlier pass (as syncd writes it) blocks
# capture until a sync succeeds, which clears it.
as_device_user sh -c "date +%s > '$STATE/provision/revoked'"
expect_exit "a recorded revoked refusal blocks capture" 3 'this device may be revoked' camctl capture
dock
out=$(camctl sync --wait 2>&1) || true
check "a sync that succeeds" has '^sync done: ' "$out"
check "clears the recorded refusal" test ! -e "$STATE/provision/revoked"
undock
# The warn policy is issued now (installed below): a revoked device gets
# no new policy, and no sync runs before the revocation to fetch this one.
ta policy issue "$DEVICE_ID" --no-require-event --on-revoked warn \
	--server-url "https://127.0.0.1:$PORT" -o "$T/warn.bundle" >/dev/null
expect_exit "--on-revoked takes block or warn only" 2 'on-revoked is block or warn' \
	ta policy issue "$DEVICE_ID" --on-revoked maybe -o "$T/bad.bundle"
check "before revocation, capture is allowed" camctl capture

# Revoked while connected: syncd is held after its handshake (the FIFO's
# open returns once it is there) while the Trust revokes the device, then
# goes on; its first request is answered 403.
stop_syncd
mkfifo -m 0666 "$T/hold.fifo"
SYNCD_ENV="TC_HOLD_AT=sync.connected TC_HOLD_FIFO=$T/hold.fifo" start_syncd
line=$(syncd_log_lines)
dock
exec 8>"$T/hold.fifo"
ta revoke "$DEVICE_ID" >/dev/null
exec 8>&-
check "a pass revoked while connected fails" wait_syncd_log "$line" 'sync pass failed'
# Undocked at once: no retry (its back-off is seconds) runs a handshake,
# so what follows is the in-flight 403's doing.
undock
passlog=$(tail -n "+$line" "$SYNCLOG")
check "as revoked" has 'refused by the Trust server: this device may be revoked' "$passlog"
check_fails "with no refused handshake" has 'TLS handshake failed' "$passlog"
check "and syncd recorded the refusal" test -s "$STATE/provision/revoked"
expect_exit "so capture is refused (on-revoked block)" 3 'this device may be revoked' camctl capture
check "the photo is kept" test "$(live_count)" -eq 1
stop_syncd
start_syncd

# A handshake refused as revoked records it too.
as_device_user rm -f "$STATE/provision/revoked"
dock
out=$(camctl sync --wait 2>&1) || true
check "the sync is refused as revoked" \
	has '^sync failed: refused by the Trust server: this device may be revoked' "$out"
check "syncd recorded the refusal" test -s "$STATE/provision/revoked"
expect_exit "with on-revoked block (the default), capture is refused" 3 \
	'refused by the policy: refused by the Trust server: this device may be revoked' camctl capture
check "status names the blocked rule and why" \
	has '^capture: *blocked \(policy\): refused by the Trust server: this device may be revoked' \
	"$(camctl status)"
log=$(audit_log)
check "the refusal is audited" \
	has ' refuse\.capture .*policy: refused by the Trust server: this device may be revoked' "$log"
check "the photo it could not send is kept" test "$(live_count)" -eq 1

camctl policy install "$T/warn.bundle" >/dev/null
check "with on-revoked warn, capture is allowed" camctl capture
check "and its audit entry carries the warning" \
	has ' capture .*warning: refused by the Trust server as revoked' "$(audit_log)"
check "both photos are kept" test "$(live_count)" -eq 2

sync_finish
