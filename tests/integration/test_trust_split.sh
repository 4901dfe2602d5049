#!/bin/sh
# test_trust_split.sh - the split deployment of trust-server(8) and
# trustadm(8), as the shipped sysusers file sets it up: the Trust
# directory belongs to trustcam-admin (0700, private keys sealed under a
# passphrase), `trustadm publish` gives trust-server its share in a
# directory owned by trustcam-admin with group trustcam-server (2750,
# files 0640), and trust-server runs as trustcam-server from that
# directory alone.  Checked as trustcam-server itself: it cannot read
# the CA key, the policy signer or the photo private key, nor list the
# Trust directory, nor write its own published directory; the published
# directory holds none of the Trust's private keys.  The server still
# serves an enrolled device, refuses one revoked after it started (the
# registry copy is re-published on every change and the server re-reads
# it), serves a bundle issued after it started, and the Trust's audit
# log names the administrator's user and the person behind it.  The
# shipped sudoers rule lets a member of trustcam-admin run trustadm as
# trustcam-admin, and nothing else, and nobody outside the group.
set -eu
T=$(cd "${TC_TEST_TMP:?}" && pwd)
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/server_lib.sh

# The deployment is about users: this test makes them, so it runs as root.
[ "$(id -u)" -eq 0 ] || { echo "not ok - test_trust_split.sh must run as root (it creates users)"; exit 1; }
for u in trustcam-server trustcam-admin; do
	id "$u" >/dev/null 2>&1 ||
		useradd --system --no-create-home --shell /usr/sbin/nologin "$u" ||
		id "$u" >/dev/null	# made meanwhile by a test running beside this one
done
# As trust-server.sysusers says: the administrators' user reads the server's data through its group.
usermod -aG trustcam-server trustcam-admin
chmod 711 "$T" "$(dirname "$T")"

ADMIN=$T/trust
PUB=$T/published
install -d -m 0700 -o trustcam-admin -g trustcam-admin "$ADMIN"
install -d -m 2750 -o trustcam-admin -g trustcam-server "$PUB"
printf 'correct horse battery staple\n' > "$T/pass"
chown trustcam-admin "$T/pass" && chmod 600 "$T/pass"
# adm ARGS...: trustadm as the administrators' user, as an admin runs it.
adm() { runuser -u trustcam-admin -- "$B/trustadm" -d "$ADMIN" --passphrase-file "$T/pass" "$@"; }
# as_server CMD...: CMD as trust-server's user.
as_server() { runuser -u trustcam-server -- "$@"; }

expect "init as trustcam-admin seals the Trust's keys" 0 "sealed under the passphrase" \
	adm init --server-ip 127.0.0.1
expect "publish gives the server its share" 0 "published to $PUB" adm publish "$PUB"

# ---- what the server's user can and cannot reach
for k in ca.key policy-signer.key photo.key; do
	check_fails "trustcam-server cannot read the Trust's $k" as_server cat "$ADMIN/$k"
	check "the published directory has no $k" test ! -e "$PUB/$k"
done
check_fails "trustcam-server cannot list the Trust directory" as_server ls "$ADMIN"
check_fails "trustcam-server cannot write its published directory" as_server touch "$PUB/x"
for f in server.key receipt.key server.crt ca.crt photo.pub receipt.pub registry.db; do
	check "published $f is 0640 with the server's group" \
		test "$(stat -c '%a %G' "$PUB/$f")" = "640 trustcam-server"
	check "trustcam-server reads published $f" as_server cat "$PUB/$f"
done
# ---- the server runs as trustcam-server from the published directory only
TRUST=$PUB	# server_lib's start_server and cl read the server's side
enrol() {
	"$TOOLS/tc_mkcsr" "$T/$1.key" "$T/$1.csr" > "$T/$1.id"
	chmod 644 "$T/$1.csr"
	adm enrol --csr "$T/$1.csr" --class trust-owned --label "$1" >/dev/null
	cp "$ADMIN/devices/$(cat "$T/$1.id").crt" "$T/$1.crt"
}
enrol cam
enrol lost
# The pid file is written after the drop: in a directory of the server's user.
install -d -m 0700 -o trustcam-server -g trustcam-server "$T/run"
expect "a pid file the server's user cannot write is named with that user" 1 \
	"pid file .*as user trustcam-server" \
	"$B/trust-server" -d "$DATA" -t "$PUB" -l 127.0.0.1:1 -u trustcam-server -b -P "$T/server.pid"
PIDF=$T/run/server.pid
start_server -u trustcam-server
expect "an enrolled device completes the handshake" 0 "handshake ok" cl cam handshake
expect "so does the other, before it is lost" 0 "handshake ok" cl lost handshake

adm revoke "$(dev_id lost)" > /dev/null
expect "a device revoked after the server started is refused (view re-published)" 1 \
	"device revoked or not enrolled|handshake failed" cl lost handshake
expect "the other device is still served" 0 "handshake ok" cl cam handshake
enrol late
expect "a device enrolled after the server started is served" 0 "handshake ok" cl late handshake
expect "policy issue -o where the admin user may not write names that user" 1 \
	"$T: Permission denied as user trustcam-admin" adm policy issue "$(dev_id cam)" -o "$T/cam.bundle"
install -d -m 0700 -o trustcam-admin "$T/work"
expect "and used up no version: the next is v1" 0 "policy v1 for" \
	adm policy issue "$(dev_id cam)" -o "$T/work/cam-v1.bundle"
expect "a bundle issued after the server started is served" 0 "policy-version 1" \
	cl cam policy "$T/got.bundle"

# ---- the administrators review what the server received, through its group
"$TOOLS/tc_mkobj" "$T" 1 50000 "$PUB/photo.pub" > /dev/null
OBJ=$(first_obj "$T")
expect "the device uploads a photo and gets a receipt" 0 "receipt" cl cam put "$OBJ"
check "the server's object is readable by its group, not by others" \
	test "$(stat -c '%a %U %G' "$DATA/objects/$(dev_id cam)/$(obj_id "$OBJ").tco")" = \
	"640 trustcam-server trustcam-server"
expect "trustcam-admin lists the server's photos while it runs" 0 "$(dev_id cam) .*Z +1 +- +cam$" \
	adm -S "$DATA" devices

# ---- an export into a directory the administrators' user cannot write
mkdir -m 700 "$T/rootonly"
expect "sar -o where trustcam-admin cannot write names that user" 1 \
	"rootonly/x: Permission denied as user trustcam-admin" \
	adm -S "$DATA" sar P-1 -o "$T/rootonly/x"
mkdir -m 777 "$T/notours"
expect "sar -o into another user's directory names the user who writes" 1 \
	"notours: not owned by user trustcam-admin" adm -S "$DATA" sar P-1 -o "$T/notours"

# ---- the audit log names the person behind the administrators' user
runuser -u trustcam-admin -- env SUDO_USER=alice "$B/trustadm" -d "$ADMIN" \
	event add EV-1 --name "Sports day" --date 2026-11-25 > /dev/null
login=$(cat /proc/self/loginuid)
if [ "$login" = 4294967295 ]; then
	who="trustcam-admin \\(sudo alice\\)"	# no login session: sudo's word
else
	who="trustcam-admin \\(login $(id -un "$login")\\)"
fi
log=$(adm audit)
check "the audit names the real person ($who)" has "  $who  event.add  EV-1" "$log"
check "and the administrators' user for init" has "  trustcam-admin( \\([a-z]+ [^)]*\\))?  init  " "$log"

# ---- the shipped sudoers rule, as IT installs it: a member of the
# trustcam-admin group runs trustadm as trustcam-admin and nothing else.
# The rule is pointed at the built trustadm and, for the test only, asks
# no password; it replaces /etc/sudoers inside a private mount namespace.
for u in tcalice tcbob; do
	id "$u" >/dev/null 2>&1 ||
		useradd --no-create-home --no-user-group --shell /usr/sbin/nologin "$u" ||
		id "$u" >/dev/null
done
usermod -aG trustcam-admin tcalice
sed "s|/usr/bin/trustadm|$B/trustadm|" tools/trustadm/trustadm.sudoers > "$T/sudoers"
printf 'Defaults:tcalice,tcbob !authenticate\n' >> "$T/sudoers"
chmod 440 "$T/sudoers"
check "the shipped sudoers rule parses" visudo -cqf tools/trustadm/trustadm.sudoers
# in_sudo USER CMD...: CMD as USER, with the test's sudoers in force.
in_sudo() {
	u=$1
	shift
	unshare -m sh -c 'mount --bind "$1" /etc/sudoers && shift && exec runuser -u "$@"' _ \
		"$T/sudoers" "$u" -- "$@"
}
expect "a member of trustcam-admin runs trustadm through sudo" 0 "" \
	in_sudo tcalice sudo -n -u trustcam-admin "$B/trustadm" -d "$ADMIN" event add EV-2 \
	--name "Open evening" --date 2026-11-26
expect "but nothing else as trustcam-admin" 1 "not allowed" \
	in_sudo tcalice sudo -n -u trustcam-admin /bin/sh -c id
expect "and someone outside the group cannot run trustadm" 1 "not allowed|not in the sudoers" \
	in_sudo tcbob sudo -n -u trustcam-admin "$B/trustadm" -d "$ADMIN" event list
if [ "$login" = 4294967295 ]; then
	who="trustcam-admin \\(sudo tcalice\\)"
else
	who="trustcam-admin \\(login $(id -un "$login")\\)"
fi
check "the audit names the person behind sudo ($who)" has "  $who  event.add  EV-2" "$(adm audit)"
finish
