#!/bin/sh
# test_sync_grace.sh - deletion after receipt follows the device class
# (rules R2, R4): a Trust-owned device whose policy has a grace period
# keeps receipted photos until it runs out (the clock is moved through
# $TC_CLOCK_OFFSET_FILE, never by sleeping); an approved device deletes
# every photo straight after its receipt (trustadm refuses to issue it a
# grace period at all).
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh
. tests/integration/sync_lib.sh

sync_setup trust-owned --grace-hours 2
camctl capture --count 3 >/dev/null
start_syncd
dock
sync_now
check "trust-owned with grace: the sync succeeds" test "$SYNC_RC" -eq 0
check "trust-owned with grace: the photos are receipted, not deleted" test "$(store_count receipted)" -eq 3
check "trust-owned with grace: the server holds them" test "$(server_count)" -eq 3
check "status counts them as awaiting delete" has 'sync pending: +0 photos; 3 receipted awaiting delete' "$(camctl status)"
clock_offset 3600
sync_now
check "an hour later they are still kept" test "$(store_count receipted)" -eq 3
clock_offset 7300
sync_now
check "past the grace period a pass deletes them" test "$(store_count deleted)" -eq 3
check "past the grace period nothing is live" test "$(live_count)" -eq 0
check "each delete is audited" test "$(count_lines ' syncd store.delete [0-9a-f]+ 0' "$(audit_log)")" -eq 3
stop_syncd
stop_photod
stop_server
FAILS_TRUST=$FAILS

# An approved device in a fresh directory.
T=$T/approved
mkdir -p "$T"
TRUST=$T/trust DATA=$T/data SRVLOG=$T/server.log SYNCLOG=$T/syncd.log SPIDF=$T/server.pid PORT=
sync_setup approved
FAILS=$FAILS_TRUST
grace_refused=$(ta policy issue "$DEVICE_ID" -o "$T/g.bundle" --grace-hours 2 2>&1 || echo REFUSED)
check "trustadm will not issue an approved device a grace period" has 'REFUSED|grace' "$grace_refused"
camctl capture --count 3 >/dev/null
start_syncd
dock
sync_now
check "approved: the sync succeeds" test "$SYNC_RC" -eq 0
check "approved: every photo is gone straight after its receipt" test "$(store_count deleted)" -eq 3
check "approved: nothing is live" test "$(live_count)" -eq 0
check "approved: the server holds them" test "$(server_count)" -eq 3
sync_finish
