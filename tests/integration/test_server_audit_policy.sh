#!/bin/sh
# test_server_audit_policy.sh - the two other things a dock does.
# GET /v1/policy returns the newest bundle trustadm issued for the
# connected device, byte for byte (and it verifies as a device verifies
# it), HEAD gives its version, and a device without a policy gets 404.
# POST /v1/audit takes real audit-log segments (firmware/audit export):
# each must continue the chain the server holds for that device; a
# replay, an overlap or a gap is 409 with the acknowledged sequence, a
# tampered segment or another log's entries are 422 (and logged loudly),
# garbage is 422, a segment over -o audit-max is 413; accepted segments
# are stored durably and the acknowledged sequence survives a restart.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/server_lib.sh

make_trust
new_device cam
new_device cam2
CAM=$(dev_id cam)
start_server -o audit-max=48K

# ---------------------------------------------------------------- policy
expect "no policy issued yet: 404" 3 "status 404" cl cam policy "$T/got"
ta policy issue "$CAM" -o "$T/v1.bundle" > /dev/null
expect "GET /v1/policy returns version 1" 0 "policy-version 1" cl cam policy "$T/got1"
check "byte for byte as trustadm issued it" cmp "$T/v1.bundle" "$T/got1"
check "and it verifies as the device verifies it" "$TOOLS/tc_policy_check" "$T/got1" "$TRUST/ca.crt" "$CAM"
ta policy issue "$CAM" -o "$T/v2.bundle" --max-unsynced 20 > /dev/null
expect "after a new issue, the newest: version 2" 0 "policy-version 2" cl cam policy "$T/got2"
check "byte for byte" cmp "$T/v2.bundle" "$T/got2"
expect "HEAD /v1/policy names the version without the body" 0 "policy-version 2" cl cam policy-head
expect "another device does not get this device's policy" 3 "status 404" cl cam2 policy "$T/got3"

# ---------------------------------------------------------------- audit
A=$T/alog
seg() { "$TOOLS/tc_auditseg" "$A" export "$1" "$T/$2"; }
"$TOOLS/tc_auditseg" "$A" append 5
seg 1 s1
expect "nothing acknowledged yet" 0 '"acked_seq":0' cl cam audit-status
expect "entries 1..5 are acknowledged" 0 '"acked_seq":5' cl cam audit "$T/s1"
check "and stored as they came" cmp "$T/s1" "$DATA/audit/$CAM/00000000000000000001.seg"
expect "the same segment again is 409" 3 '"error":"sequence"' cl cam audit "$T/s1"
"$TOOLS/tc_auditseg" "$A" append 5
seg 6 s2
seg 3 s_overlap
expect "an overlapping segment is 409 with the acknowledged sequence" 3 '"acked_seq":5' \
	cl cam audit "$T/s_overlap"
expect "entries 6..10 continue the chain" 0 '"acked_seq":10' cl cam audit "$T/s2"
"$TOOLS/tc_auditseg" "$A" append 3
seg 12 s_gap
expect "a segment after a gap is 409" 3 '"error":"sequence","acked_seq":10|"acked_seq":10.*"error":"sequence"' \
	cl cam audit "$T/s_gap"
seg 11 s3
cp "$T/s3" "$T/s3_tampered"
printf 'X' | dd of="$T/s3_tampered" bs=1 seek=120 conv=notrunc 2>/dev/null
expect "a tampered segment is 422" 3 "status 422" cl cam audit "$T/s3_tampered"
"$TOOLS/tc_auditseg" "$T/alog2" append 12
"$TOOLS/tc_auditseg" "$T/alog2" export 11 "$T/s_foreign"
expect "another log's entries 11.. do not chain: 422" 3 '"error":"chain"' cl cam audit "$T/s_foreign"
check "which the server logs loudly" log_has "AUDIT CHAIN BROKEN: $CAM"
head -c 300 /dev/urandom > "$T/noise"
expect "garbage is 422" 3 '"error":"format"' cl cam audit "$T/noise"
expect "the genuine entries 11..13 are acknowledged" 0 '"acked_seq":13' cl cam audit "$T/s3"
"$TOOLS/tc_auditseg" "$A" append 600
seg 14 s_big
expect "a segment over -o audit-max is 413" 3 "status 413" cl cam audit "$T/s_big"
"$TOOLS/tc_auditseg" "$T/alog2" export 1 "$T/s_cam2"
expect "each device has its own chain: cam2's log from its start" 0 '"acked_seq":12' cl cam2 audit "$T/s_cam2"

stop_server
start_server
expect "the acknowledged sequence survives a restart" 0 '"acked_seq":13' cl cam audit-status
finish
