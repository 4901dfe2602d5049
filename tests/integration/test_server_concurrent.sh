#!/bin/sh
# test_server_concurrent.sh - 32 devices dock at once and upload 20 real
# sealed objects each: every upload is receipted (each receipt verified
# by its client against the Trust's receipt key and its own device id),
# every object is stored intact under its own device, the ledger agrees
# with the files and with all 640 receipts, and ledger sequences are
# unique.  Run with fewer device slots than clients (-o max-conns=24), so
# some clients, once authenticated, wait for a slot and are served later.
# All 32 come from 127.0.0.1, as devices behind one address translator
# would: -o handshake-per-addr=32 lets them handshake at once.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/server_lib.sh

N=32
PER=20
make_trust
i=1
while [ $i -le $N ]; do
	new_device "d$i"
	mkdir "$T/o$i"
	"$TOOLS/tc_mkobj" -m 150000 "$T/o$i" $PER 30000 "$TRUST/photo.pub" > /dev/null
	i=$((i + 1))
done
start_server -o max-conns=24 -o handshake-per-addr=32

pids=
i=1
while [ $i -le $N ]; do
	cl "d$i" -l "$T/r$i.log" upload "$T/o$i"/*.tco > "$T/c$i.out" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
failed=0
for p in $pids; do
	wait "$p" || failed=$((failed + 1))
done
check "all $N clients finished without an error" test $failed -eq 0

i=1
bad=0
while [ $i -le $N ]; do
	[ "$(grep -c '^receipt ' "$T/c$i.out")" -eq $PER ] || bad=$((bad + 1))
	for o in "$T/o$i"/*.tco; do
		cmp -s "$o" "$DATA/objects/$(dev_id "d$i")/$(obj_id "$o").tco" || bad=$((bad + 1))
	done
	i=$((i + 1))
done
check "each client got $PER verified receipts and each object is stored intact" test $bad -eq 0
cat "$T"/r*.log > "$T/all.log"
expect "the ledger holds $((N * PER)) rows agreeing with objects and receipts" 0 \
	"$((N * PER)) rows, $((N * PER)) object files, $((N * PER)) client receipts, 0 problem" \
	"$TOOLS/tc_ledger_check" "$DATA" "$TRUST/receipt.pub" "$T"/r*.log
check "ledger sequences are unique" test "$(cut -d' ' -f2 "$T/all.log" | sort -u | wc -l)" -eq $((N * PER))
stop_server
check "and the server stops cleanly" test "$SERVER_STATUS" -eq 0
finish
