#!/bin/sh
# test_bench_minimal.sh - the baselines the sync benchmarks measure
# against do the whole minimal job, so a ratio against them means
# something: tc_client send (the minimal sender) over two connections
# delivers every object to tc_tlssink -D (the minimal receiver), which
# keeps each one byte for byte in a file of its own and acknowledges it
# only after that; the sender fails when the receiver cannot keep what
# it is sent, and a client without a Trust certificate is refused.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/server_lib.sh

make_trust
new_device d1
mkdir "$T/objs" "$T/sink"
"$TOOLS/tc_mkobj" -m 300000 "$T/objs" 7 1000 "$TRUST/photo.pub" > "$T/objs.man"

# sink DIR CONNS: a minimal receiver on a free port (PORT), its "ready"
# read through a fifo so it listens before we connect; SINK is its pid.
# A random port may be taken (another test's connection): try another.
sink() {
	for try in 1 2 3 4 5 6 7 8; do
		rm -f "$T/ready"
		mkfifo "$T/ready"
		PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000))
		"$TOOLS/tc_tlssink" -l "127.0.0.1:$PORT" -T "$TRUST" -D "$1" -j "$2" > "$T/ready" 2>>"$T/sink.err" &
		SINK=$!
		read -r line < "$T/ready" || line=
		[ "$line" = ready ] && return 0
		wait "$SINK" || true
		tail -1 "$T/sink.err" | grep -q "cannot listen" || break
	done
	echo "not ok - tc_tlssink did not start: $(tail -1 "$T/sink.err")"
	return 1
}
send() {
	"$TOOLS/tc_client" -a "127.0.0.1:$PORT" -C "$TRUST/ca.crt" -c "$1" -k "$T/d1.key" \
		-t 20000 -j 2 send "$T"/objs/*.tco
}
digests() { (cd "$1" && sha256sum -- * | cut -d' ' -f1 | sort); }

sink "$T/sink" 2
expect "the minimal sender sends 7 objects over 2 connections" 0 "elapsed" send "$T/d1.crt"
check "the minimal receiver ends cleanly after both connections" wait "$SINK"
check "it kept 7 files" test "$(ls "$T/sink" | wc -l)" -eq 7
check "each byte for byte as sent" test "$(digests "$T/sink")" = "$(digests "$T/objs")"

# A receiver whose directory is removed once it listens can keep nothing,
# so it acknowledges nothing.
mkdir "$T/gone" "$T/sink2"
sink "$T/gone" 1
rmdir "$T/gone"
expect "the sender fails when the receiver cannot keep the objects" 1 "" send "$T/d1.crt"
check_fails "and so does the receiver" wait "$SINK"

sink "$T/sink2" 1
expect "a client without a certificate is refused in the handshake" 1 "handshake failed" \
	send none
check "and nothing was kept" test -z "$(ls "$T/sink2")"
wait "$SINK" || true

finish
