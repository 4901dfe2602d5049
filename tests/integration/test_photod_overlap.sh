#!/bin/sh
# test_photod_overlap.sh - photod's bursts overlap photo N's commit with
# photo N+1's encode (firmware/capture/burst.c).  kill -9 (a crash point,
# TC_CRASH_AT, in test builds) at each step of photo 3's commit, while
# photo 4 is being encoded: photo 4's partial object is there at the
# crash (the overlap), and after a restart every reported photo is listed
# and opens, and no partial object is left.  And a burst that reaches the
# policy's unsynced limit part way stops at the limit exactly: the photo
# still committing counts.  camctl, whose photod died under it, exits 4.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh

provisioned_device
stop_photod

temp_objects() { ls -a "$STATE/store/objects" | grep -c '^\.tmp' || true; }

for point in store.commit.synced store.commit.renamed store.commit.dir_synced \
	store.commit.cataloged; do
	: > "$T/acked"
	TC_CRASH_AT=$point:3
	export TC_CRASH_AT
	start_photod -m 1920x1080
	unset TC_CRASH_AT
	staff_session
	set +e
	camctl capture --count 5 > "$T/burst.out" 2>&1
	burst_rc=$?
	set -e
	wait_for_exit
	check "$point of photo 3: camctl exits 4, photod gone, as camctl(1) says" \
		test "$burst_rc" -eq 4
	check "$point of photo 3: camctl says photod is gone" grep -q 'photod is gone' "$T/burst.out"
	grep ' captured$' "$T/burst.out" | cut -d' ' -f1 > "$T/acked" || true
	check "$point of photo 3: photos 1 and 2 were reported" test "$(wc -l < "$T/acked")" -eq 2
	# Before the rename photo 3's own temporary is there too.
	want=1
	[ "$point" = store.commit.synced ] && want=2
	check "$point of photo 3: photo 4 was being encoded (its partial object is there)" \
		test "$(temp_objects)" -eq "$want"
	start_photod -m 1920x1080
	check "$point of photo 3: every reported photo is listed after restart" \
		all_acknowledged_listed
	check "$point of photo 3: no partial object after restart" no_temp_objects
	check "$point of photo 3: every photo on the device opens with the Trust key" \
		"$TOOLS/tc_verify" "$TRUST/photo.key" "$STATE/store/objects"
	stop_photod
done

# A burst across the unsynced limit: the gate counts the photo still
# committing, so the burst stops at the limit, not one past it.
held=$(ls "$STATE/store/objects" | grep -c '\.tco$')
limit=$((held + 3))
ta policy issue "$DEVICE_ID" --max-unsynced "$limit" -o "$T/v2.bundle" >/dev/null
start_photod -m 1920x1080
camctl policy install "$T/v2.bundle" >/dev/null
staff_session
expect_exit "a burst that reaches the unsynced limit is refused part way" 3 \
	"refused by the policy: $limit unsynced photos, the policy allows $limit: dock to sync" \
	camctl capture --count 6
check "it took the photos up to the limit first" test "$(count_lines ' captured$' "$OUT")" -eq 3
check "and the store holds exactly the limit" \
	test "$(count_lines ' captured$' "$(camctl list)")" -eq "$limit"
check "every photo of the burst is audited" \
	test "$(count_lines ' capture [0-9a-f]{32} 0 ' "$(audit_log)")" -ge 3
stop_photod
finish
