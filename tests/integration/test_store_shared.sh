#!/bin/sh
# test_store_shared.sh - photod and syncd share one catalog through
# photod restarts (issue: a clean photod close once unlinked the WAL under
# syncd, whose POSIX locks a second open of catalog.db had dropped, and
# the two daemons went on with two different catalogs).
#
# syncd runs the whole time.  22 rounds, alternately SIGTERM and kill -9:
# a sync pass runs in the background while a burst is captured and photod
# gets the signal after its first photo; photod is restarted, a staff
# member logs in, two more photos are taken and a sync must send every
# photo photod lists.  After each round neither daemon holds a deleted
# catalog.db-wal or -shm.  At the end photod is restarted alone (it
# reconciles): no data-loss alarm; a last sync empties the store and the
# device's tombstones are exactly the server's photos.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh
. tests/integration/sync_lib.sh

sync_setup trust-owned
start_syncd
: > "$T/acked"

# PID holds a descriptor of a catalog file that was unlinked.
holds_deleted_catalog() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -Eq 'catalog\.db(-wal|-shm)? \(deleted\)'
}
# Live photos photod lists (captured, uploading, receipted).
live_ids() { camctl list | sed -nE 's/^([0-9a-f]{32}) .* (captured|uploading|receipted)$/\1/p'; }

rounds=0 stale_fd=0 unsynced=0
for round in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22; do
	sig=TERM
	[ $((round % 2)) -eq 0 ] && sig=KILL
	camctl sync --wait > "$T/bg-sync.out" 2>&1 &
	bg=$!
	burst_then_signal "$sig"
	wait "$bg" || true
	start_photod -m 1920x1080
	staff_session
	camctl capture --count 2 | sed -n 's/^\([0-9a-f]\{32\}\) .* captured$/\1/p' >> "$T/acked"
	sync_now
	left=$(live_ids | wc -l)
	if [ "$SYNC_RC" -ne 0 ] || [ "$left" -ne 0 ]; then
		unsynced=$((unsynced + 1))
		echo "# round $round ($sig): $left live after sync: $(echo "$OUT" | tail -1)"
	fi
	for pid in "$PHOTOD_PID" "$SYNCD_PID"; do
		if holds_deleted_catalog "$pid"; then
			stale_fd=$((stale_fd + 1))
			echo "# round $round ($sig): pid $pid holds a deleted catalog file"
		fi
	done
	rounds=$((rounds + 1))
done
check "photod was restarted 22 times, 11 by SIGTERM and 11 by kill -9" test "$rounds" -eq 22
check "after every restart a sync sent every photo photod lists" test "$unsynced" -eq 0
check "neither daemon ever held a deleted catalog, WAL or SHM" test "$stale_fd" -eq 0

# photod alone reconciles: nothing the server holds may read as lost.
stop_syncd
stop_photod
start_photod -m 1920x1080
log=$(audit_log)
check "no data-loss alarm in the audit log" test "$(count_lines ' store\.alarm\.data_loss ' "$log")" -eq 0
check "no photo is lost" test "$(store_count lost)" -eq 0
start_syncd
sync_now
check "a last sync succeeds" test "$SYNC_RC" -eq 0
check "no live photo is left" test "$(live_count)" -eq 0

missing=0
while read -r id; do
	camctl list | grep -Eq "^$id .* deleted$" && test -s "$DATA/objects/$DEVICE_ID/$id.tco" ||
		missing=$((missing + 1))
done < "$T/acked"
check "every acknowledged photo is on the server and a deleted tombstone" test "$missing" -eq 0
camctl list | sed -nE 's/^([0-9a-f]{32}) .* deleted$/\1/p' | sort > "$T/device-deleted"
ls "$DATA/objects/$DEVICE_ID" | sed -n 's/\.tco$//p' | sort > "$T/server-ids"
check "the device's tombstones are exactly the server's photos" cmp -s "$T/device-deleted" "$T/server-ids"
n=$(wc -l < "$T/server-ids")
check "the ledger agrees with its objects and every receipt verifies" \
	has "^ledger: $n rows, $n object files, .* 0 problem" "$(ledger_check)"
echo "# $rounds restarts, $(wc -l < "$T/acked") photos acknowledged, $n on the server"
sync_finish
