#!/bin/sh
# test_server_crash.sh - kill -9 of trust-server at random points while a
# device uploads 50 real sealed objects, restarting it after each kill,
# until every object is receipted.  Half the kills come from outside
# (SIGKILL as an upload starts: mid-body, mid-commit or after it), half
# from inside at a random passage of a named step of the commit protocol
# (TC_CRASH_AT: a body write, the fsync, the rename into objects/, the
# directory fsyncs, before and after the ledger COMMIT).
# After every restart the ledger and the object files must agree and
# every receipt the client ever got must name a ledger row whose object
# is on disk and hashes to the receipted digest: no receipt is ever
# issued for an object that is not durable.  Then reconciliation: a
# ledger row whose object vanished is reported loudly; an object without
# a row (a crash between publish and commit) becomes a complete partial
# upload that the device finishes without sending a byte again.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/server_lib.sh

make_trust
new_device cam
CAM=$(dev_id cam)
mkdir "$T/objs"
"$TOOLS/tc_mkobj" -m 500000 "$T/objs" 50 60000 "$TRUST/photo.pub" > /dev/null
LOG=$T/receipts.log
: > "$LOG"
rnd() { echo $(( $(od -An -N2 -tu2 /dev/urandom) % $1 + 1 )); }
receipted() { cut -d' ' -f1 "$LOG" | sort -u | wc -l; }
POINTS="server.upload.chunk server.upload.synced server.upload.renamed server.upload.published
server.ledger.before_commit server.ledger.committed"

kills=0
round=0
done_all=0
consistent=1
while [ $round -lt 200 ] && [ $done_all -eq 0 ]; do
	round=$((round + 1))
	have=$(receipted)
	if [ $((round % 2)) -eq 0 ]; then
		# inside: SIGKILL at the nth passage of one protocol step
		point=$(echo $POINTS | tr ' ' '\n' | sed -n "$(rnd 6)p")
		nth=$(rnd 2)
		[ "$point" = server.upload.chunk ] && nth=$(rnd 40)
		export TC_CRASH_AT="$point:$nth"
		start_server
		unset TC_CRASH_AT
		if cl cam -l "$LOG" upload "$T"/objs/*.tco > "$T/client.out" 2>&1; then
			done_all=1
		fi
	else
		# outside: kill -9 as the kth next upload starts
		start_server
		k=$((have + $(rnd 3)))
		rm -f "$T/fifo"
		mkfifo "$T/fifo"
		cl cam -l "$LOG" upload "$T"/objs/*.tco > "$T/fifo" 2>&1 &
		client=$!
		n=0
		while IFS= read -r line; do
			case "$line" in
			start*)
				n=$((n + 1))
				[ $n -eq $k ] && kill -KILL "$SERVER_PID" 2>/dev/null || true ;;
			esac
		done < "$T/fifo"
		if wait "$client"; then done_all=1; fi
	fi
	if [ $done_all -eq 0 ]; then
		wait_server	# killed (by us or by itself): wait until it is gone
		SERVER_PID=
		kills=$((kills + 1))
	else
		stop_server
	fi
	# after every crash: restart (reconcile) and check everything received so far
	start_server
	if ! "$TOOLS/tc_ledger_check" "$DATA" "$TRUST/receipt.pub" "$LOG" > "$T/check.out" 2>&1; then
		consistent=0
		cat "$T/check.out"
	fi
	stop_server
done
echo "# $kills kills in $round rounds"
check "all 50 uploads finished" test $done_all -eq 1
check "the server was killed at least 20 times on the way" test $kills -ge 20
check "after every kill and restart, ledger, objects and receipts agreed" test $consistent -eq 1
start_server
expect "a last pass finds all 50 held: every answer is a stored receipt" 0 "elapsed" \
	cl cam -l "$LOG" upload "$T"/objs/*.tco
check "50 distinct photos receipted" test "$(receipted)" -eq 50
check "every photo was given the same receipt each time it was asked" \
	test "$(sort -u "$LOG" | wc -l)" -eq 50
expect "the ledger holds 50 rows, all agreeing" 0 "50 rows, 50 object files, .* 0 problem" \
	"$TOOLS/tc_ledger_check" "$DATA" "$TRUST/receipt.pub" "$LOG"
for o in "$T"/objs/*.tco; do
	cmp -s "$o" "$DATA/objects/$CAM/$(obj_id "$o").tco" || { echo "differs: $o"; FAILS=$((FAILS + 1)); }
done
check "no partial upload is left over" test -z "$(find "$DATA/partial" -type f -size +0)"
stop_server

# ---------------------------------------------------------------- reconciliation
VICTIM=$(ls "$DATA/objects/$CAM" | head -1)
mv "$DATA/objects/$CAM/$VICTIM" "$T/victim"
start_server
check "a ledger row without its object is reported loudly at start" log_has "LEDGER MISMATCH: $CAM photo ${VICTIM%.tco}"
check_fails "and the ledger check sees it too" "$TOOLS/tc_ledger_check" "$DATA"
stop_server
mv "$T/victim" "$DATA/objects/$CAM/$VICTIM"

mkdir "$T/orphan"
"$TOOLS/tc_mkobj" "$T/orphan" 1 70000 "$TRUST/photo.pub" > /dev/null
ORPHAN=$(ls "$T"/orphan/*.tco)
OID=$(obj_id "$ORPHAN")
cp "$ORPHAN" "$DATA/objects/$CAM/$OID.tco"
start_server
check "an object without a ledger row is noticed at start" log_has "$CAM photo $OID: object without a ledger row"
check "and moved back to partial/" test -f "$DATA/partial/$CAM/$OID.part"
expect "HEAD reports it whole but not complete" 0 "offset $(stat -c %s "$ORPHAN") complete 0" cl cam head "$OID"
expect "the device's upload sends no byte again and gets its receipt" 0 "start $OID $(stat -c %s "$ORPHAN")" \
	cl cam -l "$LOG" upload "$ORPHAN"
check "with a receipt" has "^receipt $OID " "$OUT"
expect "everything agrees" 0 " 0 problem" "$TOOLS/tc_ledger_check" "$DATA" "$TRUST/receipt.pub" "$LOG"
finish
