#!/bin/sh
# test_server_hostile.sh - clients that misbehave are answered or dropped
# and the server keeps serving everyone else: oversized request headers,
# too many header lines, a URL too long, a body longer than its declared
# length, chunked bodies, garbage after the handshake, garbage instead of
# a handshake, a TLS client that never speaks, a slowloris trickling its
# header a byte at a time (dropped at the header deadline while another
# device uploads), a silent TCP connection (dropped at the handshake
# deadline), a renegotiation attempt, and more connections from one
# device than it may hold; RFC 9112 strictness (Host, versions, obs-fold,
# absolute-form, HTTP/0.9 answered at once), the User-Agent logged
# sanitized, a client that reads no answer dropped at the send deadline
# and logged.  Deadlines are shortened with -o so the test
# is quick; nothing here waits by sleeping.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/server_lib.sh

make_trust
new_device bad
new_device good
mkdir "$T/objs"
"$TOOLS/tc_mkobj" "$T/objs" 2 150000 "$TRUST/photo.pub" > /dev/null
O1=$(ls "$T"/objs/*.tco | sed -n 1p)
O2=$(ls "$T"/objs/*.tco | sed -n 2p)
ID=$(obj_id "$O1")
start_server -o header-timeout=1 -o idle-timeout=2 -o handshake-timeout=2 -o device-conns=2 \
	-o send-timeout=1
serving() { cl good head "$ID" | grep -Eq '^(status 404|offset)'; }

# raw request bytes
req() { printf "$@" > "$T/req"; }
pad() { head -c "$1" /dev/zero | tr '\0' 'a'; }

req 'HEAD /v1/photos/%s HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n' "$ID" "$(pad 9000)"
expect "oversized headers: 431 and the connection is closed" 0 "HTTP/1.1 431" hostile bad raw "$T/req"
check "it was closed" has closed "$OUT"
check "the server still serves" serving

{ printf 'HEAD /v1/photos/%s HTTP/1.1\r\n' "$ID"; i=0
  while [ $i -lt 60 ]; do printf 'X-H%d: 1\r\n' $i; i=$((i + 1)); done; printf '\r\n'; } > "$T/req"
expect "60 header lines: 431" 0 "HTTP/1.1 431" hostile bad raw "$T/req"

req 'HEAD /v1/photos/%s HTTP/1.1\r\n\r\n' "$(pad 300)"
expect "a 300-byte URL: 414" 0 "HTTP/1.1 414" hostile bad raw "$T/req"

req 'POST /v1/audit HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789this is not a request\r\n\r\n'
OUT=$(hostile bad raw "$T/req" || true)
check "a body longer than its Content-Length: the rest is read as a request and refused" \
	has "HTTP/1.1 400" "$OUT"
check "and the connection is closed" has "^closed" "$OUT"

req 'PUT /v1/photos/%s HTTP/1.1\r\nHost: x\r\nUpload-Length: 10\r\nContent-Digest: sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:\r\nContent-Length: 100\r\n\r\n' "$ID"
expect "a body longer than its Upload-Length: 400 before any byte is read" 0 "HTTP/1.1 400" \
	hostile bad raw "$T/req"

req 'POST /v1/audit HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'
expect "a chunked body: 411" 0 "HTTP/1.1 411" hostile bad raw "$T/req"

req 'HEAD /v1/photos/%s HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\n\r\n' "$ID"
expect "an unknown Expect: 417" 0 "HTTP/1.1 417" hostile bad raw "$T/req"

req 'GET /v1/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\nHEAD /v1/photos/%s?x=1 HTTP/1.1\r\nHost: x\r\n\r\nDELETE /v1/photos/%s HTTP/1.1\r\nHost: x\r\n\r\n' "$ID" "$ID"
OUT=$(hostile bad raw "$T/req" || true)
check "a path outside the API: 404" has "HTTP/1.1 404" "$OUT"
check "a query string: 404 on the same kept-alive connection" test "$(printf '%s\n' "$OUT" | grep -c 'HTTP/1.1 404')" -eq 2
check "DELETE: 405" has "HTTP/1.1 405" "$OUT"

# RFC 9112: what libhttp-parser lets through is 400 here, never 404
strict() {
	what=$1; shift
	req "$@"
	expect "$what: 400 and the connection is closed" 0 "HTTP/1.1 400" hostile bad raw "$T/req"
	check "$what: closed" has "^closed" "$OUT"
}
strict "no Host" 'GET /v1/policy HTTP/1.1\r\n\r\n'
strict "two Host lines" 'GET /v1/policy HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'
strict "HTTP/1.2" 'GET /v1/policy HTTP/1.2\r\nHost: x\r\n\r\n'
strict "HTTP/2.0 in an HTTP/1 request line" 'GET /v1/policy HTTP/2.0\r\nHost: x\r\n\r\n'
strict "obs-fold" 'GET /v1/policy HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n'
strict "obs-fold with a tab" 'GET /v1/policy HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n'
strict "absolute-form" 'GET https://trust-server/v1/policy HTTP/1.1\r\nHost: trust-server\r\n\r\n'
strict "asterisk-form" 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n'
# HTTP/0.9 sends no headers: answered as its line ends, not at the header deadline
req 'GET /v1/policy\r\n'
N=$(wc -l < "$SRVLOG")
expect "an HTTP/0.9 request line: 400 at once" 0 "HTTP/1.1 400" hostile bad raw "$T/req"
check "the server said why" wait_log "$((N + 1))" "request refused \\(400\\): HTTP/0.9"
check "and the connection closed" has "^closed" "$OUT"
req 'GET /v1/policy HTTP/1.0\r\n\r\n'
expect "HTTP/1.0 without Host is still served" 0 "HTTP/1.1 (200|404)" hostile bad raw "$T/req"

# the firmware version, from User-Agent, at a device's first request on a connection
req 'HEAD /v1/photos/%s HTTP/1.1\r\nHost: x\r\nUser-Agent: trustcam-syncd/1.4.2 (tc-cam-a)\r\n\r\nHEAD /v1/photos/%s HTTP/1.1\r\nHost: x\r\nUser-Agent: trustcam-syncd/9.9 (other)\r\nConnection: close\r\n\r\n' "$ID" "$ID"
expect "two requests on one connection" 0 "HTTP/1.1 404" hostile bad raw "$T/req"
check "the device's firmware and model are logged" \
	log_has "$(dev_id bad): syncd firmware 1\\.4\\.2, model tc-cam-a\$"
check "once per connection" test "$(log_count 'syncd firmware 9\.9')" -eq 0
{ printf 'HEAD /v1/photos/%s HTTP/1.1\r\nHost: x\r\nUser-Agent: evil\377[2J"\\%s\r\nConnection: close\r\n\r\n' "$ID" "$(pad 300)"; } > "$T/req"
expect "a hostile User-Agent" 0 "HTTP/1.1 404" hostile bad raw "$T/req"
check "is logged sanitized and bounded" \
	log_has "$(dev_id bad): client \"evil\\?\\[2J\\?\\?a{60,80}\\.\\.\\.\"\$"
check "with no byte outside printable ASCII in the log" sh -c "! LC_ALL=C grep -q '[^[:print:]]' '$SRVLOG'"

# a client that reads no answer is dropped at the send deadline, and the log says so
expect "a client that never reads its answers is reset" 0 "reset by the server" \
	hostile bad -t 60000 noread 40000
check "the server logged the send deadline" log_has "dropped \\(send deadline passed"

head -c 4000 /dev/urandom > "$T/garbage"
expect "garbage after the handshake: answered 400 or dropped, then closed" 0 "^closed" \
	hostile bad raw "$T/garbage"
expect "garbage instead of a TLS handshake: dropped" 0 "^closed" hostile bad plain "$T/garbage"
req 'GET /v1/policy HTTP/1.1\r\n\r\n'
expect "plain HTTP on the TLS port: dropped" 0 "^closed" hostile bad plain "$T/req"
check "the server still serves" serving

# deadlines: each of these must be dropped by the server, not by the client's patience
expect "a TCP connection that never starts a handshake is dropped" 0 "^closed" hostile bad plain -
check "at the handshake deadline" log_has "refused: handshake deadline passed"
expect "a device that says nothing after the handshake is dropped" 0 "^closed" hostile bad idle

hostile bad slowloris 300 > "$T/slow.out" 2>&1 &
slow=$!
expect "while a slowloris trickles its header, another device uploads" 0 "status 201" cl good put "$O2"
wait "$slow" || true
check "the slowloris is dropped before its header is complete" grep -q "^dropped after" "$T/slow.out"
check "the server logged the deadline" log_has "dropped \\(deadline passed\\) mid-request"

expect "a renegotiation request is refused" 0 "renegotiation refused" hostile bad reneg
check "and the connection dropped by the server" log_has "dropped: renegotiation attempt"
check "the server still serves" serving

# one device may hold -o device-conns=2 connections at once
mkfifo "$T/f1" "$T/f2"
cl bad put -w 1000 "$O1" > "$T/f1" 2>&1 &
p1=$!
exec 4<"$T/f1"
read -r l1 <&4
cl bad put -w 1000 -i 00000000000000000000000000000001 "$O2" > "$T/f2" 2>&1 &
p2=$!
exec 5<"$T/f2"
read -r l2 <&5
check "two connections of one device are let in" has "^paused 1000" "$l1$l2"
expect "a third is answered 503" 3 "status 503" cl bad head "$ID"
expect "another device is not affected" 0 "complete" cl good head "$(obj_id "$O2")"
stop_server
exec 4<&- 5<&-
wait $p1 $p2 || true
check "SIGTERM with connections held open: exit 0" test "$SERVER_STATUS" -eq 0
finish
