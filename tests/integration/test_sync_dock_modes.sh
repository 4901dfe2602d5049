#!/bin/sh
# test_sync_dock_modes.sh - the three dock modes of syncd(8), with the fake
# sysfs and a Trust server that does and does not answer:
#   power-link  a link alone is not a dock (a handheld needs its dock's power)
#   link        a link alone is a dock (a mains kiosk); a server that does
#               not answer fails the pass, deletes nothing, backs off
#   always      no dock at all: each photo that arrives is synced
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh
. tests/integration/sync_lib.sh

link_up() { echo up > "$T/sysfs/class/net/eth0/operstate"; }
link_down() { echo down > "$T/sysfs/class/net/eth0/operstate"; }

sync_setup trust-owned
camctl capture --count 2 >/dev/null

# power-link (the default on the host board): the link alone does nothing.
start_syncd
check "the default mode is power-link" grep -q 'dock mode: power-link' "$SYNCLOG"
link_up
out=$(camctl status)
check "power-link: a link without external power is not docked" has 'sync: +idle; not docked' "$out"
check "power-link: nothing was sent" test "$(server_count)" -eq 0
stop_syncd
link_down

# link: the link alone docks, and the pass syncs.
start_syncd -D link
from=$(syncd_log_lines)
link_up
check "link: the pass ends" wait_syncd_log "$from" 'sync pass done'
out=$(camctl status)
check "link: the device counts as docked" has 'sync: +idle; docked' "$out"
check "link: both photos reached the server" test "$(server_count)" -eq 2
check "link: both photos were deleted on the device" test "$(store_count deleted)" -eq 2

# link, with the server gone: the pass fails, the photo stays listed.
stop_server
link_down
camctl capture --count 1 >/dev/null
from=$(syncd_log_lines)
link_up
check "link, no server: the pass fails" wait_syncd_log "$from" 'sync pass failed'
check "link, no server: the photo is still captured" test "$(store_count captured)" -eq 1
check "link, no server: nothing more was deleted" test "$(store_count deleted)" -eq 2
out=$(camctl status)
check "link, no server: status shows the back-off" has 'sync: +waiting to retry' "$out"
stop_syncd
link_down

# always: no power, no link; a photo that arrives is synced on its own.
start_server
start_syncd -D always
from=$(syncd_log_lines)
check "always: the photo left from before syncs at start" wait_syncd_log "$from" 'sync pass done'
check "always: the server holds three photos" test "$(server_count)" -eq 3
from=$(syncd_log_lines)
camctl capture --count 1 >/dev/null
check "always: a new photo starts a pass" wait_syncd_log "$from" 'sync pass done'
one_pass=$from
check "always: the server holds four photos" test "$(server_count)" -eq 4
check "always: no live photo is left" test "$(live_count)" -eq 0
out=$(camctl status)
check "always: status says docked with no power and no link" has 'sync: +idle; docked' "$out"

# always, with the server gone: the new photo waits, listed.
stop_server
from=$(syncd_log_lines)
camctl capture --count 1 >/dev/null
check "always, no server: the pass fails" wait_syncd_log "$from" 'sync pass failed'
# The pass's deletes rename files into the store's pool in objects/: no pass of their own.
check "always: one photo, one pass (the pool's renames start none)" \
	test "$(tail -n "+$one_pass" "$SYNCLOG" | grep -c 'sync pass done')" -eq 1
check "always, no server: the photo is still captured" test "$(store_count captured)" -eq 1

expect_exit "an unknown dock mode is refused" 2 "bad dock mode .sometimes." "$B/syncd" -d "$STATE" -r "$RUN" -D sometimes
sync_finish
