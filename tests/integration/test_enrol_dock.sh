#!/bin/sh
# test_enrol_dock.sh - a camera without a shell is provisioned at the dock
# (issue 16): the image pins the Trust CA and the enrol URL; docked and
# unprovisioned, syncd sends photod's CSR to trust-server's enrol listener
# (no client certificate), IT lists and approves it with trustadm, and
# the next dock installs certificate, CA and policy through photod's own
# checks; a photo is then taken, synced and deleted.  Also: the enrol
# listener serves nothing else and the mTLS listener still refuses a
# client without a certificate; a CSR whose CN is not its key's id is
# refused; pending requests are bounded; a forged answer (a certificate
# from another CA) is refused with an audit entry and the camera stays
# unprovisioned; the answer goes only to a request signed by the camera's
# key; a restarted server keeps the pending request; IT's refusal reaches
# the camera.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh
. tests/integration/sync_lib.sh

setup_device "$T"
trap 'stop_syncd 2>/dev/null || true; stop_server 2>/dev/null || true; stop_photod 2>/dev/null || true' EXIT
make_trust "$TRUST"
make_sysfs
PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000))
EPORT=$((PORT + 1))
start_server -e "127.0.0.1:$EPORT" -o enrol-max=2
NAME=trust-server.local

# The image's pins, as mkimage puts them in the read-only root.
PINS=$T/pin
mkdir -p "$PINS"
cp "$TRUST/ca.crt" "$PINS/ca.crt"
echo "https://127.0.0.1:$EPORT" > "$PINS/url"
echo "$NAME" > "$PINS/name"
chmod -R a+rX "$PINS"

start_photod -m 1920x1080 -k
DEVICE_ID=$(status_field device | cut -d' ' -f1)
check "photod made the identity key at start" has '^D-[0-9a-f]{16}$' "$DEVICE_ID"
# The :tpm variant (make check) enrols with the identity key in a TPM, as a kiosk does.
check "the device's keys are in its $(keystore_name) keystore" \
	has "^keys: +$(keystore_name) " "$(camctl status)"
start_syncd --enrol-dir "$PINS"

# enrol_http PORT METHOD PATH [CURL OPTIONS]: the HTTP status a client
# without a certificate gets ("000": no TLS session at all).
enrol_http() {
	port=$1; m=$2; p=$3; shift 3
	curl -s -o /dev/null -w '%{http_code}' --max-time 20 -X "$m" --cacert "$TRUST/ca.crt" \
		--resolve "$NAME:$port:127.0.0.1" "$@" "https://$NAME:$port$p" || true
}

# 1. The first dock: the request goes out and waits for IT.  Then by hand
# (camctl sync), undocked, so no back-off retry runs between the steps.
dock
sync_now
undock
check "an unprovisioned camera's pass waits for IT" \
	has "waiting for IT to approve this camera: $DEVICE_ID" "$OUT"
check "the request waits on the server" test -s "$DATA/enrol/$DEVICE_ID.csr"
check "the request is photod's identity CSR" \
	has "^$DEVICE_ID" "$(ta -S "$DATA" enrol pending 2>/dev/null)"
check "the request is audited on the camera" has "enrol\.request.*$DEVICE_ID" "$(audit_log)"
check "the camera is still unprovisioned" has 'not provisioned' "$(camctl status)"

# 2. The enrol listener serves enrolment only; the device listener still
# wants a certificate.
check "no certificate: /v1/photos refused on the enrol listener" \
	test "$(enrol_http "$EPORT" GET /v1/photos/00112233445566778899aabbccddeeff)" = 403
check "no certificate: /v1/policy refused on the enrol listener" \
	test "$(enrol_http "$EPORT" GET /v1/policy)" = 403
check "no certificate: /v1/audit refused on the enrol listener" \
	test "$(enrol_http "$EPORT" GET /v1/audit)" = 403
check "the device listener refuses a client without a certificate" \
	test "$(enrol_http "$PORT" GET /v1/policy)" = 000
check "the device listener has no enrolment" \
	test "$(enrol_http "$PORT" GET "/v1/enrol/$DEVICE_ID")" = 000
check "an unknown camera asking for its answer is told to ask" \
	test "$(enrol_http "$EPORT" GET /v1/enrol/D-0000000000000000)" = 404

# 3. Bad and surplus requests.
"$TOOLS/tc_mkcsr" --cn D-0123456789abcdef "$T/other.key" "$T/wrongcn.csr" >/dev/null
check "a CSR whose CN is not its key's device id is refused" \
	test "$(enrol_http "$EPORT" POST /v1/enrol --data-binary "@$T/wrongcn.csr")" = 422
check "and not kept" test ! -e "$DATA/enrol/D-0123456789abcdef.csr"
id2=$("$TOOLS/tc_mkcsr" "$T/k2.key" "$T/c2.csr")
id3=$("$TOOLS/tc_mkcsr" "$T/k3.key" "$T/c3.csr")
check "a second camera's request is taken" \
	test "$(enrol_http "$EPORT" POST /v1/enrol --data-binary "@$T/c2.csr")" = 202
check "the same camera again replaces its own" \
	test "$(enrol_http "$EPORT" POST /v1/enrol --data-binary "@$T/c2.csr")" = 202
check "beyond enrol-max (2) a request is refused" \
	test "$(enrol_http "$EPORT" POST /v1/enrol --data-binary "@$T/c3.csr")" = 503
check "and not kept" test ! -e "$DATA/enrol/$id3.csr"
head -c 5000 /dev/zero | tr '\0' A > "$T/big.csr"
check "a request over 4 KiB is refused unread" \
	test "$(enrol_http "$EPORT" POST /v1/enrol --data-binary "@$T/big.csr")" = 413

# 4. A restarted server keeps what waits.
stop_server
start_server -e "127.0.0.1:$EPORT" -o enrol-max=2
sync_now
check "after a server restart the request still waits" \
	has "waiting for IT to approve this camera: $DEVICE_ID" "$OUT"
check "without being sent again" \
	test "$(audit_log | grep -c "enrol\.request")" -eq 1
check "the wait is audited once, not at each of the passes" \
	test "$(audit_log | grep -c "enrol\.wait")" -eq 1

# 5. A forged answer: certificate and policy from another CA, then a
# certificate from another CA under the pinned CA's name.  Refused, audited,
# still unprovisioned.
EVIL=$T/evil
"$B/trustadm" -d "$EVIL" init --no-passphrase >/dev/null
"$B/trustadm" -d "$EVIL" enrol --csr "$DATA/enrol/$DEVICE_ID.csr" --class trust-owned \
	--label forged >/dev/null
"$B/trustadm" -d "$EVIL" policy issue "$DEVICE_ID" --no-require-event -o "$T/evil.bundle" >/dev/null
forge() { # CA_FILE: an answer with EVIL's certificate and policy and that CA
	mkdir -p "$TRUST/enrol"
	python3 - "$DEVICE_ID" "$EVIL/devices/$DEVICE_ID.crt" "$1" "$T/evil.bundle" \
		> "$TRUST/enrol/$DEVICE_ID.answer" <<-'EOF'
	import base64, json, sys
	dev, cert, ca, bundle = sys.argv[1:5]
	print(json.dumps({"device_id": dev, "cert": open(cert).read(), "ca": open(ca).read(),
	                  "policy": base64.b64encode(open(bundle, "rb").read()).decode()}))
	EOF
}
forge "$EVIL/ca.crt"
sync_now
check "an answer from another CA is refused" \
	has "the answer's Trust CA is not the CA pinned in this image" "$OUT"
forge "$TRUST/ca.crt"
sync_now
check "a certificate not issued by the pinned CA is refused (photod's check)" \
	has "not issued by the Trust CA" "$OUT"
check "both are audited" test "$(audit_log | grep -c "enrol\.install")" -ge 2
check "photod audited its refusal" has "provision\.install.*not issued by the Trust CA" \
	"$(audit_log)"
check "the camera stays unprovisioned" has 'not provisioned' "$(camctl status)"
check "and its state holds no certificate" test ! -e "$STATE/provision/device.crt"
rm -f "$TRUST/enrol/$DEVICE_ID.answer"

# 6. IT approves: the next dock installs, and a photo goes home.
sync_now	# the answer served above dropped the request: it is sent again
check "the camera asks again" test -s "$DATA/enrol/$DEVICE_ID.csr"
out=$(ta -S "$DATA" enrol approve "$DEVICE_ID" --class trust-owned --label "dock camera" \
	--server-url "https://127.0.0.1:$PORT" --no-require-event 2>&1)
check "IT approves the id the camera shows" has "enrolment of $DEVICE_ID answered" "$out"
check_fails "approved requests are no longer pending" \
	has "^$DEVICE_ID" "$(ta -S "$DATA" enrol pending 2>/dev/null)"
# The answer holds the camera's policy: only its key gets it.
check "the answer is refused without proof of the camera's key" \
	test "$(enrol_http "$EPORT" GET "/v1/enrol/$DEVICE_ID")" = 403
check "or with another key's signature" test "$(enrol_http "$EPORT" GET \
	"/v1/enrol/$DEVICE_ID" -H "Enrol-Proof: $(head -c 70 /dev/urandom | base64 -w0)")" = 403
sync_now
check "the next dock installs the answer" has "$DEVICE_ID: provisioned at the dock" \
	"$(audit_log)"
check "photod checked and installed it" has "provision\.install.*provisioned as $DEVICE_ID" \
	"$(audit_log)"
check "the camera is provisioned" test -s "$STATE/provision/device.crt"
check "the request is gone from the server" test ! -e "$DATA/enrol/$DEVICE_ID.csr"
staff_session
check "a photo can be taken" camctl capture
sync_now
check "and syncs over mutual TLS" has '^sync done: ' "$OUT"
check "the server holds it" test "$(server_count)" -eq 1
check "and the camera deleted it" test "$(live_count)" -eq 0

# 7. IT's refusal reaches a camera (the second request, by hand).
check "IT refuses the other camera" has "refused" "$(ta enrol refuse "$id2" 2>&1)"
check "which is told so" test "$(enrol_http "$EPORT" GET "/v1/enrol/$id2")" = 403
check "and is no longer pending" test ! -e "$DATA/enrol/$id2.csr"

sync_finish
