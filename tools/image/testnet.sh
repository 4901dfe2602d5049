# testnet.sh - the guest's network and the Trust it talks to, for the
# boot tests (sourced by image-test and update-test; tools/image/README.md,
# "The boot test").
#
#   testnet_enter "$0" "$@"   re-execute the test in a network namespace
#                             of its own (only lo, brought up)
#   testnet_up                a throwaway Trust in $t/trust (made with the
#                             host build's trustadm, $bin) and its
#                             trust-server on 127.0.0.1:8443; sets $trust
#                             and $net (qemu's -nic); opens fd 7 on the
#                             FIFO $t/to-guest (qemu's standard input, the
#                             guest's second serial port)
#   enrol DEVICE              the IT side of the provisioning round
#
# The Trust has one staff member and one event, for the probe's photo
# (image-test passes them to it): $testnet_staff with PIN $testnet_pin,
# and $testnet_event.
#
# The guest reaches the server at 10.0.2.100:8443, the address in its
# certificate and in the policies: qemu's user network, restrict=on (no
# way out), forwards that one address to guestfwd-relay, which connects
# to the server.  That is the guest's only network.
# Needs $t (the test's directory), $bin and $here (tools/image).

testnet_staff=S042
testnet_pin=246810
testnet_event=EV-BOOT

testnet_enter() {
	if [ -z "${IMAGE_TEST_NETNS:-}" ]; then
		IMAGE_TEST_NETNS=1 exec unshare --net -- "$@"
	fi
	ip link set lo up
}

testnet_up() {
	trust=$t/trust
	"$bin/trustadm" -d "$trust" init --no-passphrase --server-ip 10.0.2.100 >/dev/null
	printf '%s\n' "$testnet_pin" | "$bin/trustadm" -d "$trust" staff add "$testnet_staff" \
		--name "Boot Tester" --pin-stdin >/dev/null
	"$bin/trustadm" -d "$trust" event add "$testnet_event" --name "Boot test" --date "$(date -u +%F)" >/dev/null
	"$bin/trust-server" -d "$t/srv" -t "$trust" -l 127.0.0.1:8443 -b -P "$t/srv.pid" -L info 2>>"$t/server.log"
	trap 'kill -TERM "$(cat "$t/srv.pid")" 2>/dev/null || true' EXIT
	net="user,model=virtio-net-pci,restrict=on,guestfwd=tcp:10.0.2.100:8443-cmd:/usr/bin/python3 $here/guestfwd-relay 127.0.0.1 8443"
	# The probe's port is both ways: its CSR comes out; the certificate, CA
	# and policy go back in, written to qemu's stdin through this FIFO.
	mkfifo "$t/to-guest"
	exec 7<>"$t/to-guest"
}

# enrol DEVICE: the IT side of the round (docs/it-guide.md): enrol the
# CSR the probe sent ($t/device.csr), issue a policy, and send the three
# files back as a base64 tar ending with "files-end" (sent even if a step
# failed, so the probe reports it rather than waiting).
enrol() {
	mkdir -p "$t/prov"
	if "$bin/trustadm" -d "$trust" enrol --csr "$t/device.csr" --class trust-owned --label "image-test kiosk" >/dev/null &&
	   "$bin/trustadm" -d "$trust" policy issue "$1" -o "$t/prov/policy.bundle" >/dev/null; then
		cp "$trust/devices/$1.crt" "$t/prov/device.crt"
		cp "$trust/ca.crt" "$t/prov/ca.crt"
		tar -C "$t/prov" --owner=0 --group=0 -c device.crt ca.crt policy.bundle | base64 -w 76 >&7
		echo "host enrolled $1"
	else
		echo "host could not enrol $1"
	fi
	echo files-end >&7
}
