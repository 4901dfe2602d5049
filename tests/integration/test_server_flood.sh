#!/bin/sh
# test_server_flood.sh - unauthenticated connections cannot starve a
# device (issue 12, item 4): 200 silent TCP connections and 200 that
# trickle a ClientHello byte by byte, from 25 loopback addresses and
# reopened as soon as the server drops them, while a device uploads a
# 256 KB photo.  The handshake deadline is set long (30 s) so that only
# the handshake budget can make room (eviction keeps the 25 addresses
# near 128/25 = 5 each, so a cap of 6 is what they run into): the device's upload must complete
# while the flood goes on, the server must refuse over the per-address
# cap and evict over the global budget (and say so), keep its threads
# and memory within the budget, and serve as before once the flood ends.
# Upload times are for bench_server_handshake_flood, not for a test.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/server_lib.sh

make_trust
new_device good
mkdir "$T/objs"
"$TOOLS/tc_mkobj" "$T/objs" 2 262144 "$TRUST/photo.pub" > /dev/null
O1=$(ls "$T"/objs/*.tco | sed -n 1p)
O2=$(ls "$T"/objs/*.tco | sed -n 2p)
start_server -o handshake-timeout=30 -o handshake-conns=128 -o handshake-per-addr=6 \
	-o max-conns=64
status() { sed -n "s/^$1:[[:space:]]*\([0-9]*\).*/\1/p" "/proc/$SERVER_PID/status"; }

# The flood runs until its standard input (fd 6 here) is closed.
mkfifo "$T/flood.in" "$T/flood.out"
"$TOOLS/tc_flood" -a "127.0.0.1:$PORT" -n 200 -T 200 -m 200 -s 25 \
	< "$T/flood.in" > "$T/flood.out" 2>&1 &
FLOOD=$!
exec 6>"$T/flood.in" 7<"$T/flood.out"
read -r line <&7
check "400 unauthenticated connections opened" test "$line" = "holding 400"
check "the server refuses over handshake-per-addr and evicts over handshake-conns" \
	wait_log 1 "handshake budget: [1-9][0-9]* connection\\(s\\) refused .* [1-9][0-9]* evicted"

expect "a device uploads while the flood goes on" 0 "status 201" cl good -t 15000 put "$O1"
check "and the attackers were still connected" kill -0 "$FLOOD"
expect "and keeps using the server" 0 "complete 1" cl good -t 15000 head "$(obj_id "$O1")"
THREADS=$(status Threads)
HWM=$(status VmHWM)
# budget 128 + 64 device slots, and evicted handshakes still unwinding
check "server threads stay within the budget ($THREADS)" test "$THREADS" -le $((1 + 64 + 2 * 128))
# ~60 KiB per handshake (TLS buffers, connection state): well under 64 MiB;
# AddressSanitizer's shadow memory and quarantine need more.
LIMIT=65536
grep -q __asan_init "$B/trust-server" && LIMIT=1048576
check "server peak memory stays bounded (${HWM} KiB)" test "$HWM" -le "$LIMIT"

exec 6>&-
read -r line <&7 || line=
wait "$FLOOD" || true
exec 7<&-
check "the server dropped the attackers' connections ($line)" \
	has "^opened [0-9]+ dropped [1-9][0-9]*$" "$line"
expect "after the flood the server serves as before" 0 "status 201" cl good put "$O2"
stop_server
check "SIGTERM after a flood: exit 0" test "$SERVER_STATUS" -eq 0
finish
