#!/bin/sh
# test_sync_delete_crash.sh - kill -9 of syncd at every step of the
# batched secure delete on an approved device (rule R2: deleted in the
# pass that got the receipt): a photo queued (its receipt recorded
# without a sync of its own), the wrap write, the rename into the pool of
# erased files (each at the second photo of the batch, so one is already
# past that step; the hole punch and unlink of a full pool are killed in
# tests/unit/test_store_erase.c), the batch's intent commit and the fsync of all its wraps, then
# after the batch's directory fsync, audit write, tombstones and WAL
# truncation.  Crash points (TC_CRASH_AT, fault builds) make each
# kill land exactly there.  After each kill: no tombstone without the
# server's copy, nothing lost, every photo either still listed or
# deleting; a restarted syncd finishes every delete in its next pass and
# leaves no object file.  At the end photod, restarted alone, reconciles
# without a data-loss alarm, and the device's tombstones are exactly the
# server's photos, each deletion audited.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh
. tests/integration/sync_lib.sh

sync_setup approved
POINTS="store.delete.queued:2 store.delete.intent:1 store.delete.wraps_written:2
store.delete.wraps_erased:1 store.delete.pooled:2 store.delete.dir_synced:1 store.delete.audited:1
store.delete.cataloged:1 store.delete.checkpointed:1"
: > "$T/captured"

deleted_have_receipts() {
	for id in $(camctl list | sed -n 's/^\([0-9a-f]*\) .* deleted$/\1/p'); do
		test -s "$DATA/objects/$DEVICE_ID/$id.tco" || return 1
	done
}
objects_left() { ls "$STATE/store/objects" | grep -c '\.tco$' || true; }

runs=0 crashed=0 bad_after_kill=0 bad_after_restart=0
for point in $POINTS; do
	camctl capture --count 3 | sed -n 's/^\([0-9a-f]\{32\}\) .* captured$/\1/p' >> "$T/captured"
	SYNCD_ENV="TC_CRASH_AT=$point" start_syncd
	SYNCD_ENV=
	sync_now
	runs=$((runs + 1))
	if [ "$SYNC_RC" -eq 4 ]; then
		crashed=$((crashed + 1))
		wait_syncd_exit
	else
		echo "# $point: syncd was not killed ($(echo "$OUT" | tail -1))"
		stop_syncd
	fi
	if ! deleted_have_receipts || [ "$(store_count lost)" -ne 0 ]; then
		bad_after_kill=$((bad_after_kill + 1))
		echo "# $point: after the kill: a tombstone without a receipt, or a lost photo"
	fi
	start_syncd
	sync_now
	if [ "$SYNC_RC" -ne 0 ] || [ "$(live_count)" -ne 0 ] || [ "$(store_count deleting)" -ne 0 ] ||
		[ "$(objects_left)" -ne 0 ]; then
		bad_after_restart=$((bad_after_restart + 1))
		echo "# $point: after restart: $(echo "$OUT" | tail -1), $(live_count) live," \
			"$(store_count deleting) deleting, $(objects_left) objects"
	fi
	stop_syncd
done
check "a kill -9 run at each of the 9 steps" test "$runs" -eq 9
check "syncd was killed at its crash point every time" test "$crashed" -eq 9
check "no photo was deleted without a receipt or lost" test "$bad_after_kill" -eq 0
check "after every restart the pass finished every delete, no object left" test "$bad_after_restart" -eq 0

stop_photod
start_photod -m 1920x1080
log=$(audit_log)
check "photod alone reconciles with no data-loss alarm" test "$(count_lines ' store\.alarm\.data_loss ' "$log")" -eq 0
total=$(wc -l < "$T/captured")
check "every photo is a deleted tombstone" test "$(store_count deleted)" -eq "$total"
camctl list | sed -nE 's/^([0-9a-f]{32}) .* deleted$/\1/p' | sort > "$T/device-deleted"
ls "$DATA/objects/$DEVICE_ID" | sed -n 's/\.tco$//p' | sort > "$T/server-ids"
check "the device's tombstones are exactly the server's photos" cmp -s "$T/device-deleted" "$T/server-ids"
unaudited=0
while read -r id; do
	has " store\.delete $id 0( |\$)" "$log" || unaudited=$((unaudited + 1))
done < "$T/captured"
check "every deletion is in the audit log" test "$unaudited" -eq 0
sync_finish
