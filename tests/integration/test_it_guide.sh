#!/bin/sh
# test_it_guide.sh - docs/it-guide.md, run literally: every ```sh block
# whose first line is "# it-guide: NAME" is extracted, in order, into one
# script run by sh -eu, with the guide's directory variables pointed into
# this test's private directory and the server on a loopback port.  Then
# the end state is checked: the camera enrolled at the dock, the photo was synced, receipted and deleted
# on the device, is pending review on the Trust side, the subject access
# export held it, and the revoked device is listed as such.  If a command
# in the guide stops working, this test fails.
set -eu
T=$(cd "${TC_TEST_TMP:?}" && pwd)
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
GUIDE=docs/it-guide.md
. tests/integration/lib.sh

# The guide is written for root (users, runuser, privilege drops).
[ "$(id -u)" -eq 0 ] || { echo "not ok - test_it_guide.sh must run as root, as the guide does"; exit 1; }

# The guide's variables, pointed here.  trustcam-server and trustcam must
# get through to their directories: the test dir and its parent are 0711.
chmod 711 "$T" "$(dirname "$T")"
export TRUST="$T/trust" PUBLISHED="$T/published" SERVER_DATA="$T/server" WORK="$T/work"
export SERVER_IP=127.0.0.1
# No terminal here: the passphrase the guide's trustadm would ask for.
export TRUSTADM_PASSPHRASE="it-guide test passphrase"
export PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12000))
export ENROL_PORT=$((PORT + 1)) ENROL="$T/enrol-pins"
export STATE="$T/state" RUN="$T/run" SYSFS="$T/sysfs" CAMERA=synthetic:7
export PATH="$B:$PATH"
# An undocked camera: external power off, no link (the guide syncs by
# camctl sync, the manual path, docked or not).
mkdir -p "$SYSFS/class/power_supply/AC" "$SYSFS/class/net/eth0"
echo Mains > "$SYSFS/class/power_supply/AC/type"
echo 0 > "$SYSFS/class/power_supply/AC/online"
echo down > "$SYSFS/class/net/eth0/operstate"
chmod -R a+rX "$SYSFS"

# Whatever happens, stop the daemons the guide started.
cleanup() {
	for f in "$RUN/syncd.pid" "$RUN/photod.pid" "$WORK/server-run/trust-server.pid"; do
		[ -s "$f" ] || continue
		kill -TERM "$(cat "$f")" 2>/dev/null || true
		{ { flock 9; } 9<"$f"; } 2>/dev/null || true
	done
}
trap cleanup EXIT

# Extract: a marker line "=== NAME" is echoed before each block's commands.
awk '
	/^```sh$/ { start = 1; next }
	start && /^# it-guide: / { sub(/^# it-guide: /, ""); printf "echo \"=== %s\"\n", $0; inblock = 1; start = 0; next }
	{ start = 0 }
	inblock && /^```$/ { inblock = 0; next }
	inblock { print }
' "$GUIDE" > "$T/guide.sh"
blocks=$(grep -c '^echo "=== ' "$T/guide.sh" || true)
check "the guide has its 13 runnable blocks (found $blocks)" [ "$blocks" -eq 13 ]

set +e
sh -eu "$T/guide.sh" > "$T/guide.out" 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
	echo "guide output (last lines):"; tail -15 "$T/guide.out"
fi
check "every command of the guide worked (exit $rc, after: $(grep '^===' "$T/guide.out" | tail -1))" [ "$rc" -eq 0 ]

# section NAME: what the guide's block NAME printed.
section() { awk -v s="=== $1" '$0 == s { on = 1; next } /^=== / { on = 0 } on' "$T/guide.out"; }

out=$(section "provision the camera")
check "the camera enrolled at the dock: its first pass waited for IT" \
	has 'waiting for IT to approve this camera: D-[0-9a-f]{16}' "$out"
check "IT saw the request and approved it" has '^enrolment of D-[0-9a-f]{16} answered' "$out"
check "the next pass installed the answer" has '^sync done' "$out"
out=$(section "sync now")
check "after the sync the photo is deleted on the device" has ' deleted$' "$out"
check "after the sync no photo is left captured, uploading or receipted" \
	[ "$(count_lines ' (captured|uploading|receipted)$' "$out")" -eq 0 ]
check "the device store holds no sealed object" [ "$(find "$STATE/store/objects" -name '*.tco' | wc -l)" -eq 0 ]
ledger=$("$TOOLS/tc_ledger_check" "$SERVER_DATA" "$TRUST/receipt.pub" 2>&1 || true)
check "the server's ledger holds the photo with a receipt that verifies" \
	has '^ledger: 1 rows, 1 object files, .* 0 problem' "$ledger"
review=$(section review)
check "on the Trust side the photo is pending review, with its staff, event and pupils" \
	has '^[0-9a-f]{32} +D-[0-9a-f]{16} .*S042.*EV-SPORTS.*P-7F3A' "$review"
check "the device's audit chain verifies" has 'OK$' "$review"
sar=$(section "subject access")
check "the subject access export held the photo and its manifest" has '^manifest.json$' "$sar"
check "the export was removed as the guide says" [ ! -e "$WORK/sar-P-7F3A" ]
devices=$(section "revoke a lost camera")
check "the lost camera is listed as revoked" has '^D-[0-9a-f]{16} +.*revoked' "$devices"
no_pidfiles() { [ ! -e "$RUN/photod.pid" ] && [ ! -e "$RUN/syncd.pid" ] && [ ! -e "$WORK/server-run/trust-server.pid" ]; }
check "the daemons stopped cleanly (pid files removed)" no_pidfiles
finish
