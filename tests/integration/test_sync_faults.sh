#!/bin/sh
# test_sync_faults.sh - syncd against a server that is gone, answers 500,
# hangs up mid-body, signs a receipt with the wrong key or over another
# digest, or presents a certificate from another Trust's CA: every time
# the device keeps every photo, the sync fails with the reason, and the
# audit log records it.  Then undock mid-transfer: the next sync resumes
# at the server's offset, not from zero.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh
. tests/integration/sync_lib.sh

sync_setup trust-owned
trap 'stop_fake; stop_syncd 2>/dev/null || true; stop_server 2>/dev/null || true; stop_photod 2>/dev/null || true' EXIT
camctl capture --count 2 >/dev/null
start_syncd
dock
stop_server

kept() { test "$(live_count)" -eq 2 && test "$(store_count deleted)" -eq 0; }

# fault NAME PATTERN: the sync fails saying PATTERN; both photos are kept.
fault() {
	sync_now
	if [ "$SYNC_RC" -eq 1 ] && has "^sync failed: .*$2" "$OUT"; then
		echo "ok - $1: the sync fails and says why"
	else
		echo "not ok - $1: the sync fails and says why (exit $SYNC_RC: $(echo "$OUT" | tail -1))"
		FAILS=$((FAILS + 1))
	fi
	check "$1: the device keeps both photos" kept
}

fault "no server" "cannot connect to the Trust server"
check "no server: camctl says syncd retries by itself while docked" \
	has '^sync next: syncd retries by itself in [0-9]+ s while the camera stays docked' "$OUT"
start_fake 500
fault "HTTP 500" "the server refused the upload \(HTTP 500\)"
stop_fake
start_fake hangup
fault "hang-up mid-body" \
	"(waiting for the receipt|sending the photo): the server closed or reset the connection before answering"
check_fails "hang-up mid-body: no HTTP status is quoted, none came back" has '^sync failed: .*HTTP [0-9]' "$OUT"
check "hang-up mid-body: camctl says what syncd does next" \
	has '^sync next: syncd retries by itself in [0-9]+ s' "$OUT"
stop_fake
start_fake badsig
fault "receipt with a bad signature" "the receipt does not verify.*signature does not verify"
stop_fake
start_fake otherdigest
fault "receipt over another digest" "the receipt does not verify.*does not cover this"
stop_fake
"$B/trustadm" -d "$T/other" init --no-passphrase >/dev/null
start_fake 500 "$T/other"
fault "a server certificate from another CA" "does not chain to the pinned Trust CA"
stop_fake

log=$(audit_log)
check "the bad signature is audited" has 'syncd sync.upload [0-9a-f]+ .*receipt does not verify' "$log"
check "every failed pass is audited with its result" test "$(count_lines ' syncd sync.end .* -[0-9]+ ' "$log")" -ge 6
out=$(camctl status)
check "status shows the last error" has '^sync last error: +.*pinned Trust CA' "$out"
check "status shows the back-off" has '^sync: +waiting to retry' "$out"
check "status shows when it retries" has '^sync retry in: +[0-9]+ s \([0-9]+ failure' "$out"

# The real server again: everything goes up and is deleted.
start_server
sync_now
check "with the real server the sync succeeds" test "$SYNC_RC" -eq 0
check "the photos are gone from the device" test "$(live_count)" -eq 0
check "the server holds both" test "$(server_count)" -eq 2

# A stored object that no longer matches its catalog digest is never
# receipted or deleted; the photos after it still sync.
camctl capture --count 2 > "$T/two"
bad=$(sed -n 's/^\([0-9a-f]\{32\}\) .* captured$/\1/p' "$T/two" | head -1)
printf 'X' | dd of="$STATE/store/objects/$bad.tco" bs=1 seek=100000 conv=notrunc 2>/dev/null
sync_now
check "a corrupt object: the sync reports it" has "^sync failed: .*does not match its catalog digest" "$OUT"
check "a corrupt object: it stays on the device, not receipted" has "^$bad .* captured\$" "$(camctl list)"
check "a corrupt object: the server committed nothing for it" test ! -e "$DATA/objects/$DEVICE_ID/$bad.tco"
check "a corrupt object: the photo after it synced anyway" test "$(live_count)" -eq 1
check "a corrupt object: audited" has "syncd sync.upload $bad .*does not match its catalog digest" "$(audit_log)"
camctl discard "$bad" >/dev/null

# Undock mid-transfer (fault builds: TC_SYNC_UNDOCK_AFTER bytes into the
# first upload syncd acts as on an undock), then dock again: resumed.
camctl capture --count 1 >/dev/null
stop_syncd
undock
SYNCD_ENV=TC_SYNC_UNDOCK_AFTER=300000 start_syncd
SYNCD_ENV=
sync_now
check "undocked mid-transfer: the sync fails saying so" has '^sync failed: .*undocked' "$OUT"
check "undocked: the photo is kept" test "$(live_count)" -eq 1
part=$(ls "$DATA/partial/$DEVICE_ID"/*.part 2>/dev/null | head -1)
check "the server holds a partial upload" test -n "$part" -a -s "$part"
dock
sync_now
check "docked again: the sync succeeds" test "$SYNC_RC" -eq 0
check "docked again: the photo is gone from the device" test "$(live_count)" -eq 0
check "the upload resumed at the server's offset, not zero" \
	has 'syncd sync.receipt [0-9a-f]+ 0 receipt seq 4, resumed at [1-9][0-9]*,' "$(audit_log)"
check "the ledger agrees with the receipts" has '^ledger: 4 rows, 4 object files, .* 0 problem' "$(ledger_check)"
sync_finish
