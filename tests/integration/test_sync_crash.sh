#!/bin/sh
# test_sync_crash.sh - kill -9 of syncd at every step of the sync
# protocol, 54 runs: connected, photo marked uploading, mid-body, body
# sent (the server may have committed, no receipt yet), receipt received
# but not recorded, receipt recorded but not deleted, mid-delete, after
# the delete, after the audit upload; each at the first and the second
# photo of a pass.  Crash points (TC_CRASH_AT, fault builds) make each
# kill land exactly there.  After each kill: no photo deleted on the
# device lacks a durable receipted copy on the server; then syncd is
# restarted and a sync must finish with the store empty.  At the end every
# photo ever captured is on the server exactly once with a valid receipt.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh
. tests/integration/sync_lib.sh

sync_setup trust-owned
POINTS="sync.connected sync.uploading sync.body.mid sync.body.sent sync.receipt.got sync.receipted sync.delete sync.deleted sync.audit.sent"
: > "$T/captured"

# Every tombstone on the device has its object and ledger row on the server.
deleted_have_receipts() {
	for id in $(camctl list | sed -n 's/^\([0-9a-f]*\) .* deleted$/\1/p'); do
		test -s "$DATA/objects/$DEVICE_ID/$id.tco" || return 1
	done
}

runs=0 crashed=0 bad_after_kill=0 bad_after_restart=0
for round in 1 2 3 4 5 6; do
	nth=$(( (round - 1) % 2 + 1 ))
	for point in $POINTS; do
		camctl capture --count 2 | sed -n 's/^\([0-9a-f]\{32\}\) .* captured$/\1/p' >> "$T/captured"
		SYNCD_ENV="TC_CRASH_AT=$point:$nth" start_syncd
		SYNCD_ENV=
		sync_now
		runs=$((runs + 1))
		if [ "$SYNC_RC" -eq 4 ]; then
			crashed=$((crashed + 1))
			wait_syncd_exit
		else
			stop_syncd
		fi
		deleted_have_receipts || { bad_after_kill=$((bad_after_kill + 1)); echo "# $point:$nth: a photo was deleted without a receipt"; }
		start_syncd
		sync_now
		if [ "$SYNC_RC" -ne 0 ] || [ "$(live_count)" -ne 0 ]; then
			bad_after_restart=$((bad_after_restart + 1))
			echo "# $point:$nth: after restart: $(echo "$OUT" | tail -1), $(live_count) live"
		fi
		stop_syncd
	done
done
total=$(wc -l < "$T/captured")
check "at least 50 kill -9 runs" test "$runs" -ge 50
check "syncd was killed at the crash point in most runs" test "$crashed" -ge 48
check "no photo was ever deleted without a receipt" test "$bad_after_kill" -eq 0
check "after every restart a sync finished and emptied the store" test "$bad_after_restart" -eq 0
check "every photo captured is on the server" test "$(server_count)" -eq "$total"
ok_all=1
while read -r id; do test -s "$DATA/objects/$DEVICE_ID/$id.tco" || ok_all=0; done < "$T/captured"
check "each captured id is on the server" test "$ok_all" -eq 1
check "every photo is a deleted tombstone on the device" test "$(store_count deleted)" -eq "$total"
check "the ledger agrees with its objects and every receipt verifies" \
	has "^ledger: $total rows, $total object files, .* 0 problem" "$(ledger_check)"
echo "# $runs runs, $crashed killed at their crash point, $total photos"
sync_finish
