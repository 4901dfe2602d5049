#!/bin/sh
# test_sync_server_crash.sh - kill -9 of trust-server at each step of
# receiving a photo (a body chunk written, the object fsynced, renamed,
# published, before and after the ledger commit, after the receipt was
# sent), at the first and second photo of a pass, mid-sync with syncd;
# then the server restarts and the device syncs again: every photo ends
# on the server exactly once with a valid receipt and is gone from the
# device; none is deleted without a receipt.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh
. tests/integration/sync_lib.sh

sync_setup trust-owned
start_syncd
: > "$T/captured"
deleted_have_receipts() {
	for id in $(camctl list | sed -n 's/^\([0-9a-f]*\) .* deleted$/\1/p'); do
		test -s "$DATA/objects/$DEVICE_ID/$id.tco" || return 1
	done
}
POINTS="server.upload.chunk server.upload.synced server.upload.renamed server.upload.published server.ledger.before_commit server.ledger.committed server.response.sent"
runs=0 failed_syncs=0 bad_after_kill=0 bad_after_restart=0
for nth in 1 2; do
	for point in $POINTS; do
		camctl capture --count 2 | sed -n 's/^\([0-9a-f]\{32\}\) .* captured$/\1/p' >> "$T/captured"
		stop_server
		SERVER_ENV="TC_CRASH_AT=$point:$nth" start_server
		SERVER_ENV=
		sync_now
		runs=$((runs + 1))
		[ "$SYNC_RC" -ne 0 ] && failed_syncs=$((failed_syncs + 1))
		kill -KILL "$SERVER_PID" 2>/dev/null || true	# if the point was not reached
		wait_server_exit
		deleted_have_receipts || { bad_after_kill=$((bad_after_kill + 1)); echo "# $point:$nth: deleted without a receipt"; }
		start_server
		sync_now
		if [ "$SYNC_RC" -ne 0 ] || [ "$(live_count)" -ne 0 ]; then
			bad_after_restart=$((bad_after_restart + 1))
			echo "# $point:$nth: after restart: $(echo "$OUT" | tail -1), $(live_count) live"
		fi
	done
done
total=$(wc -l < "$T/captured")
check "14 server kills mid-sync" test "$runs" -eq 14
check "the sync failed when the server died" test "$failed_syncs" -ge 12
check "no photo was deleted without a receipt" test "$bad_after_kill" -eq 0
check "after every server restart the sync finished and emptied the store" test "$bad_after_restart" -eq 0
ok_all=1
while read -r id; do test -s "$DATA/objects/$DEVICE_ID/$id.tco" || ok_all=0; done < "$T/captured"
check "every captured photo is on the server" test "$ok_all" -eq 1
check "the server holds each exactly once" test "$(server_count)" -eq "$total"
check "the ledger agrees with its objects and every receipt verifies" \
	has "^ledger: $total rows, $total object files, .* 0 problem" "$(ledger_check)"
echo "# $runs runs, $failed_syncs syncs cut by the kill, $total photos"
sync_finish
