#!/bin/sh
# test_sync.sh - syncd end to end on 127.0.0.1: docking (a fake sysfs)
# starts a sync; photos are uploaded oldest first, receipts verified,
# photos securely deleted; the server's ledger holds them; the audit log
# goes up; last-sync is written; camctl status shows the sync section.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh
. tests/integration/sync_lib.sh

sync_setup trust-owned
out=$(camctl status)
check "status says syncd is not running" has 'sync: +syncd is not running' "$out"
camctl capture --count 4 >/dev/null
check "four photos wait for sync" test "$(store_count captured)" -eq 4

start_syncd
out=$(camctl status)
check "status shows syncd idle, not docked" has 'sync: +idle; not docked' "$out"
check "status shows 4 pending" has 'sync pending: +4 photos' "$out"

dock
out=$(camctl sync --wait 2>&1) || true
check "sync --wait reports success" has '^sync done: ' "$out"
check "the device store is empty of live photos" test "$(live_count)" -eq 0
check "all four photos are deleted tombstones" test "$(store_count deleted)" -eq 4
check "the server holds the four photos" test "$(server_count)" -eq 4
check "the ledger has four rows, each with a valid receipt" has '^ledger: 4 rows, 4 object files, .* 0 problem' "$(ledger_check)"
check "last-sync was written" test -s "$STATE/provision/last-sync"
check "the audit log went to the server" test -n "$(ls "$DATA/audit/$DEVICE_ID" 2>/dev/null)"
check "audit-acked is recorded" test -s "$STATE/sync/audit-acked"
log=$(audit_log)
check "the dock is audited" has ' syncd dock ' "$log"
check "each receipt is audited" test "$(count_lines ' syncd sync.receipt ' "$log")" -eq 4
# The receipt entries are written in one go per delete batch, before it erases anything.
receipt_before_delete() {
	printf '%s\n' "$log" | awk '{ for (i = 1; i < NF; i++) {
		if ($i == "sync.receipt") r[$(i + 1)] = 1
		if ($i == "store.delete") { n++; if (!($(i + 1) in r)) bad++ } } }
		END { exit !(n == 4 && bad == 0) }'
}
check "each photo's receipt entry comes before its delete entry" receipt_before_delete
check "sync start and end are audited" has ' syncd sync.end .* 0 ' "$log"
out=$(camctl status)
check "status shows the sync progress" has 'sync progress: +[0-9]+/[0-9]+ photos, [0-9]+/[0-9]+ bytes' "$out"
check "status shows a dock" has 'sync: +idle; docked' "$out"

# A second pass with nothing to do succeeds and sends the new audit entries.
out=$(camctl sync --wait 2>&1) || true
check "an empty sync succeeds" has '^sync done: 0 photo' "$out"

# A photo taken while docked goes up on the next pass.
camctl capture --count 1 >/dev/null
out=$(camctl sync --wait 2>&1) || true
check "a later photo syncs too" has '^sync done: 1 photo uploaded' "$out"
check "the server holds five photos" test "$(server_count)" -eq 5

# Revoked: the server refuses the handshake; the device says why, in words.
camctl capture --count 1 >/dev/null
ta revoke "$DEVICE_ID" >/dev/null
out=$(camctl sync --wait 2>&1) || true
check "a revoked device's sync fails saying it may be revoked" \
	has '^sync failed: refused by the Trust server: this device may be revoked' "$out"
check "camctl status says so too" \
	has '^sync last error: +refused by the Trust server: this device may be revoked' "$(camctl status)"
check "and the photo it could not send is kept" test "$(live_count)" -eq 1

stop_syncd
check "syncd stops cleanly on SIGTERM" test ! -e "$RUN/syncd.pid"
sync_finish
