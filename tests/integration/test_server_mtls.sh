#!/bin/sh
# test_server_mtls.sh - trust-server lets in only enrolled, unrevoked
# devices with certificates from the Trust CA: no client certificate,
# another CA's certificate, an expired one, a revoked device, a device
# never enrolled, a certificate whose CN is no device id, and a client
# that checks the server's name against the wrong name are all refused in
# the handshake, before any request is read (nothing reaches the data
# directory), and a refusal names a device only if its certificate
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
expect "IPv6 loopback works too" 0 "handshake ok" sh -c "
	'$B/trust-server' -d '$T/data6' -t '$TRUST' -l '[::1]:$PORT' -b -P '$T/s6.pid' -L warn 2>>'$SRVLOG' &&
	'$TOOLS/tc_client' -a '[::1]:$PORT' -C '$TRUST/ca.crt' -c '$T/good.crt' -k '$T/good.key' handshake;
	rc=\$?; kill -TERM \$(cat '$T/s6.pid'); { flock 9; } 9<'$T/s6.pid'; exit \$rc"

stop_server
check "SIGTERM stops the server with status 0" test "$SERVER_STATUS" -eq 0
finish
