#!/bin/sh
# test_server_mtls.sh - trust-server lets in only enrolled, unrevoked
# devices with certificates from the Trust CA: no client certificate,
# another CA's certificate, an expired one, a revoked device, a device
# never enrolled, a certificate whose CN is no device id, and a client
# that checks the server's name against the wrong name are all refused in
# the handshake, before any request is read (nothing reaches the data
# directory), a device revoked while connected is refused at its next
# request and gets no receipt for an upload under way, and a refusal names a device only if its certificate
# verified (a forged one carrying another device's id does not get that
# device named in the log); TLS older than 1.2 and suites outside the profile are
# refused; the server keeps serving the good device throughout.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/server_lib.sh

make_trust
new_device good
new_device revoked
"$TOOLS/tc_mkobj" "$T" 1 50000 "$TRUST/photo.pub" > /dev/null
OBJ=$(first_obj "$T")
start_server

expect "an enrolled device completes the handshake" 0 "handshake ok TLSv1.2 TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256" \
	cl good handshake
expect "and is told the server holds nothing of its photo" 3 "status 404" cl good head "$(obj_id "$OBJ")"

# refused: each client tries to upload; nothing may reach the server's disk
refused() {
	what=$1; logpat=$2; shift 2
	expect "$what: refused in the handshake" 1 "handshake failed" "$@" put "$OBJ"
	check "$what: the server says why" log_has "refused: $logpat"
}
refused "no client certificate" "no client certificate" \
	"$TOOLS/tc_client" -a "127.0.0.1:$PORT" -C "$TRUST/ca.crt" -c none

mkdir "$T/other"
"$TOOLS/tc_certgen" ca "$T/other"
"$TOOLS/tc_certgen" device "$T/other" "$T/foreign" > /dev/null
refused "a certificate from another CA (same CA name, another key)" "certificate not from the Trust CA" \
	"$TOOLS/tc_client" -a "127.0.0.1:$PORT" -C "$TRUST/ca.crt" -c "$T/foreign.crt" -k "$T/foreign.key"

"$TOOLS/tc_certgen" device "$TRUST" "$T/expired" -x > /dev/null
refused "an expired device certificate from the Trust CA" "certificate expired" \
	"$TOOLS/tc_client" -a "127.0.0.1:$PORT" -C "$TRUST/ca.crt" -c "$T/expired.crt" -k "$T/expired.key"

"$TOOLS/tc_certgen" device "$TRUST" "$T/stranger" > /dev/null
refused "a valid certificate for a device never enrolled" "device revoked or not enrolled" \
	"$TOOLS/tc_client" -a "127.0.0.1:$PORT" -C "$TRUST/ca.crt" -c "$T/stranger.crt" -k "$T/stranger.key"

"$TOOLS/tc_certgen" device "$TRUST" "$T/notid" -s "CN=camera-7,O=trustcam" > /dev/null
refused "a certificate whose CN is not a device id" "certificate CN is not a device id" \
	"$TOOLS/tc_client" -a "127.0.0.1:$PORT" -C "$TRUST/ca.crt" -c "$T/notid.crt" -k "$T/notid.key"

# A forged certificate can carry any CN: the log must not name that device.
"$TOOLS/tc_certgen" device "$T/other" "$T/forged" -s "CN=$(dev_id good),O=trustcam" > /dev/null
N=$(wc -l < "$SRVLOG")
refused "another CA's certificate carrying the good device's id" "certificate not from the Trust CA" \
	"$TOOLS/tc_client" -a "127.0.0.1:$PORT" -C "$TRUST/ca.crt" -c "$T/forged.crt" -k "$T/forged.key"
check "the forged certificate's refusal does not name the device it claims" \
	sh -c "! tail -n +$((N + 1)) '$SRVLOG' | grep -q '$(dev_id good)'"

expect "a device works before it is revoked" 3 "status 404" cl revoked head "$(obj_id "$OBJ")"
ta revoke "$(dev_id revoked)" > /dev/null
refused "a revoked device (the registry is read live)" "device revoked or not enrolled" \
	cl revoked
check "the refusal names the revoked device" log_has "$(dev_id revoked): refused: device revoked"

expect "a client checking the server name against another name refuses the server" 1 \
	"server certificate name mismatch" cl good -n wrong.example.org put "$OBJ"
expect "a TLS 1.1 client is refused" 1 "handshake failed" cl good -V 1.1 handshake
expect "a suite outside the profile (AES-CBC) is refused" 1 "handshake failed" \
	cl good -S TLS-ECDHE-ECDSA-WITH-AES-128-CBC-SHA256 handshake
expect "AES-128-GCM is in the profile" 0 "handshake ok TLSv1.2 TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256" \
	cl good -S TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256 handshake
expect "AES-256-GCM is in the profile" 0 "handshake ok .*AES-256-GCM" \
	cl good -S TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384 handshake

# none of the refused clients got a byte of a request read
check "no partial upload from a refused client" test -z "$(find "$DATA/partial" -type f)"
check "no object from a refused client" test -z "$(find "$DATA/objects" -type f)"
check "no request was read from a refused client" sh -c "! grep -Eq 'upload|dropped .*mid-request' '$SRVLOG'"

expect "the enrolled device still uploads" 0 "status 201" cl good put "$OBJ"

# Revoked while connected: the registry is asked again at every request
# and before every receipt.  tc_hostile gate sends its first file, waits
# for our go on its stdin while the device is revoked, then sends the second.
gate() {
	d=$1; shift
	rm -f "$T/gate.in" "$T/gate.out"
	mkfifo "$T/gate.in" "$T/gate.out"
	hostile "$d" gate "$@" < "$T/gate.in" > "$T/gate.out" 2>&1 &
	GATE=$!
	exec 8>"$T/gate.in" 9<"$T/gate.out"
	read -r FIRST <&9 || FIRST=
	read -r WAITING <&9 || WAITING=
}
gate_go() {
	echo go >&8
	exec 8>&-
	REST=$(cat <&9 | tr '\n' ' ')
	exec 9<&-
	wait "$GATE" || true
}
mkdir "$T/late"
"$TOOLS/tc_mkobj" "$T/late" 1 50000 "$TRUST/photo.pub" > /dev/null
python3 - "$(first_obj "$T/late")" "$T" <<'PY'
import base64, hashlib, sys
obj = open(sys.argv[1], "rb").read()
pid = sys.argv[1].rsplit("/", 1)[1][:-4]
dig = base64.b64encode(hashlib.sha256(obj).digest()).decode()
head = ("HEAD /v1/photos/%s HTTP/1.1\r\nHost: x\r\n\r\n" % pid).encode()
put = ("PUT /v1/photos/%s HTTP/1.1\r\nHost: x\r\nUpload-Length: %d\r\n"
       "Content-Digest: sha-256=:%s:\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n"
       % (pid, len(obj), dig, len(obj))).encode()
half = len(obj) // 2
for name, data in (("head.req", head), ("put1.req", put + obj[:half]), ("put2.req", obj[half:])):
    open(sys.argv[2] + "/" + name, "wb").write(data)
PY
new_device late
gate late "$T/head.req" "$T/head.req"
check "a connected device's first request is answered" has "HTTP/1.1 404" "$FIRST"
check "and its connection waits" test "$WAITING" = waiting
ta revoke "$(dev_id late)" > /dev/null
gate_go
check "revoked meanwhile, its next request on that connection is 403" has "HTTP/1.1 403" "$REST"
check "and the connection closed" has "closed" "$REST"
check "the server says why" log_has "$(dev_id late): request refused: device revoked"

new_device late2
gate late2 "$T/put1.req" "$T/put2.req"
check "a device's upload is under way (100 Continue, half the body sent)" has "HTTP/1.1 100" "$FIRST"
ta revoke "$(dev_id late2)" > /dev/null
gate_go
check "revoked meanwhile, the upload gets no receipt: 403" has "HTTP/1.1 403" "$REST"
check "the server says why" log_has "$(dev_id late2): receipt refused: device revoked"
check "nothing of it is kept" test -z "$(find "$DATA/objects/$(dev_id late2)" "$DATA/partial/$(dev_id late2)" -type f 2>/dev/null)"
expect "IPv6 loopback works too" 0 "handshake ok" sh -c "
	'$B/trust-server' -d '$T/data6' -t '$TRUST' -l '[::1]:$PORT' -b -P '$T/s6.pid' -L warn 2>>'$SRVLOG' &&
	'$TOOLS/tc_client' -a '[::1]:$PORT' -C '$TRUST/ca.crt' -c '$T/good.crt' -k '$T/good.key' handshake;
	rc=\$?; kill -TERM \$(cat '$T/s6.pid'); { flock 9; } 9<'$T/s6.pid'; exit \$rc"

stop_server
check "SIGTERM stops the server with status 0" test "$SERVER_STATUS" -eq 0
finish
