# probe.sh - what image-test runs inside the booted image (as root, from
# the kernel command line's systemd.run=, reading this file from a raw
# virtio disk).  Results go to the second serial port, one line each:
# "ok NAME" / "not ok NAME", "ready-ms UNIT MS", "# note"; "probe done"
# last.  systemd powers the machine off when this script ends.
# image-test may set, with systemd.setenv= on the kernel command line:
# TC_PROBE_OUT, where the results go (default: ttyS1, the PC's second
# serial port; the rpi4 test's virt machine has one UART, and its results
# go to a raw virtio disk that image-test reads after the power-off), and
# TC_PROBE_KEYS, the keystore the board's configuration chose (tpm, the
# default, or file), and for the photo (kiosk-x86: its camera is
# image-test's tc_uvccam) TC_PROBE_STAFF, TC_PROBE_PIN and TC_PROBE_EVENT,
# the staff member and event of the test Trust's policy.
# udev makes the disk's by-id link.
[ -z "${TC_PROBE_OUT:-}" ] || udevadm wait --timeout=300 "$TC_PROBE_OUT"
exec >"${TC_PROBE_OUT:-/dev/ttyS1}" 2>&1
fail=0
check() {
	name=$1
	shift
	if "$@"; then echo "ok $name"; else echo "not ok $name"; fail=1; fi
}
echo "probe start"
camctl() { /usr/bin/camctl -r /run/trustcam "$@"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# One photo through the device (kiosk-x86): photo_take before the sync
# pass, photo_gone after it.  The camera is image-test's tc_uvccam, a UVC
# camera on qemu's XHCI controller; the photo's id goes out as "photo-id",
# the times as "photo-ms capture|deleted MS" (figures, not checks).
photo_take() {
	# udev names the camera once uvcvideo has bound it (an event, not a poll).
	check "udev named the USB camera" udevadm wait --timeout=300 \
		/dev/v4l/by-id/usb-trustcam_test_camera_TC0001-video-index0
	cams=$(camctl cameras 2>&1)
	echo "$cams" | sed 's/^/# /'
	check "photod lists the USB camera through libcamera, at 1920x1080" \
		sh -c 'echo "$1" | grep -q "^libcamera:.* 1920x1080"' - "$cams"
	check "staff $TC_PROBE_STAFF logs in" sh -c \
		'printf "%s\n" "$1" | /usr/bin/camctl -r /run/trustcam login "$2" --pin-stdin' - "$TC_PROBE_PIN" "$TC_PROBE_STAFF"
	check "event $TC_PROBE_EVENT chosen" camctl event set "$TC_PROBE_EVENT"
	photo_t0=$(now_ms)
	cap=$(camctl capture 2>&1)
	crc=$?
	photo_t1=$(now_ms)
	echo "$cap" | sed 's/^/# /'
	photo=$(echo "$cap" | sed -n 's/^\([0-9a-f]\{32\}\)  .*  captured$/\1/p')
	check "camctl capture: one photo from the USB camera" test "$crc" = 0 -a -n "$photo"
	echo "photo-id $photo"
	echo "photo-ms capture $((photo_t1 - photo_t0))"
	check "the store holds 1 photo" sh -c 'echo "$1" | grep -q "^photos held: *1 "' - "$(camctl status 2>&1)"
}

# After the sync pass: the photo went up and was deleted (by that pass,
# or by the one syncd starts itself when it comes back docked: either
# way before `camctl sync --wait` returns), and only its tombstone is left.
photo_gone() {
	echo "photo-ms deleted $(($(now_ms) - photo_t0))"
	check "the store holds 0 photos" sh -c 'echo "$1" | grep -q "^photos held: *0 "' - "$(camctl status 2>&1)"
	list=$(camctl list 2>&1)
	echo "$list" | sed 's/^/# /'
	check "the device lists the photo as deleted (a tombstone), no longer held" sh -c \
		'echo "$1" | grep -Eq "^$2 .* deleted$" && ! echo "$1" | grep -Eq " (captured|uploading|receipted)$"' - "$list" "$photo"
}

# 1. The three daemons reach ready: `systemctl start` waits for the start
# job the boot already queued (Type=notify: it ends at READY=1), and
# fails if the unit fails.  No restart may have happened on the way.
for u in photod syncd kiosk; do
	check "$u reached ready" systemctl start "$u.service"
	check "$u is active, never restarted" test \
		"$(systemctl show -P ActiveState "$u.service") $(systemctl show -P NRestarts "$u.service")" = "active 0"
	us=$(systemctl show -P ActiveEnterTimestampMonotonic "$u.service")
	echo "ready-ms $u $((us / 1000))"
done

# 2. No login prompt: no getty unit runs, no getty process exists.
gettys=$(systemctl list-units --no-legend --plain --state=active,activating '*getty*' | grep -v '\.target' || true)
check "no getty unit runs" test -z "$gettys"
check "no getty process" sh -c '! grep -qx -e agetty -e getty -e login /proc/[0-9]*/comm'

# 3. The root file system is read-only; the data partition is the state.
check "root is a read-only squashfs" sh -c 'findmnt -no FSTYPE,OPTIONS / | grep -Eq "^squashfs +ro(,|$)"'
check "root refuses a write" sh -c '! touch /probe-write 2>/dev/null'
check "data partition at /var/lib/trustcam" sh -c 'findmnt -no SOURCE,FSTYPE /var/lib/trustcam | grep -q "ext4"'
check "state directory private to trustcam" test "$(stat -c '%a %U' /var/lib/trustcam)" = "700 trustcam"

# 4. The USB stick: its mass-storage interface is there, de-authorised;
# no block device sits on a USB bus; the refusal is recorded.
stick=
for i in /sys/bus/usb/devices/*:*; do
	[ "$(cat "$i/bInterfaceClass" 2>/dev/null)" = 08 ] && stick=$i
done
check "USB stick attached (mass-storage interface seen)" test -n "$stick"
check "USB stick interface de-authorised" test "$(cat "$stick/authorized" 2>/dev/null)" = 0
check "no block device on USB" sh -c '! ls -l /sys/class/block/ | grep -q /usb'
check "usb-storage not loaded" sh -c '! grep -q "^usb_storage " /proc/modules'
check "USB refusal in the journal" sh -c 'journalctl -b -o cat -t trustcam-lockdown | grep -q "USB mass-storage interface .* refused"'
# ... and in photod's audit log: the rule's trustcam-usb-refused@IFACE
# unit ran camctl usb-refused once photod was ready; photod answers only
# after the entry is durable.  `systemctl start` waits for that job (the
# unit stays active while the stick is there, so this runs nothing twice).
unit=trustcam-usb-refused@${stick##*/}.service
check "USB refusal unit for ${stick##*/} succeeded" systemctl start "$unit"
rec=$(journalctl -b -o cat -u "$unit" | grep -c '^USB refusal recorded in the audit log (entry [0-9]*)$')
check "USB refusal in photod's audit log, once" test "$rec" = 1

# 5. First boot: the device waits for provisioning; the image says which it is.
st=$(setpriv --reuid=trustcam-ui --regid=trustcam --clear-groups /usr/bin/camctl -r /run/trustcam status 2>&1)
echo "$st" | sed 's/^/# /'
. /etc/os-release
check "camctl status: not provisioned" sh -c 'echo "$1" | grep -q "(not provisioned)"' - "$st"
check "camctl status: image version and build id" sh -c 'echo "$1" | grep -qF "image:            $2 ($3)"' - "$st" "$IMAGE_VERSION" "$BUILD_ID"
check "camctl status: the keys are in the ${TC_PROBE_KEYS:-tpm} keystore" sh -c 'echo "$1" | grep -q "^keys: *$2 "' - "$st" "${TC_PROBE_KEYS:-tpm}"
# photod made the identity key at this first boot (-k), in the keystore, with
# nothing typed; provision request only prints the CSR of that key.
id=$(echo "$st" | sed -n 's/^device: *\(D-[0-9a-f]*\) (not provisioned)$/\1/p')
check "first boot made the identity key (device $id)" test -n "$id"
check "photod audited the new key" sh -c 'journalctl -b -o cat -u photod.service | grep -q "$1: new identity key, waiting for provisioning"' - "$id"
/usr/bin/camctl -r /run/trustcam provision request > /run/device.csr 2>/run/request.err
check "provision request prints the CSR of that key" sh -c 'grep -q "^-----BEGIN CERTIFICATE REQUEST-----$" /run/device.csr && grep -q "device $1" /run/request.err' - "$id"

# Only with a second serial port to talk on (TC_PROBE_OUT unset): the
# rpi4 test's virt machine has one UART, so no round there.
if [ -z "${TC_PROBE_OUT:-}" ]; then
	# 6. The provisioning round with the Trust's server on the host side of
	# image-test's network namespace (reached through qemu's user network:
	# DHCP, and a guestfwd to 10.0.2.100:8443 only).  The CSR goes out on this
	# port; image-test enrols it with trustadm and sends back the device
	# certificate, the Trust CA and a policy (a base64 tar, one line a chunk),
	# which camctl installs as IT would.  Then a sync: the audit log, with the
	# USB refusal above, goes to the server.  The port is raw for the upload.
	stty -F /dev/ttyS1 raw -echo
	exec 3</dev/ttyS1
	echo "csr-begin $id"
	cat /run/device.csr
	echo "csr-end"
	mkdir -p /run/prov
	while IFS= read -r l <&3; do
		[ "$l" = files-end ] && break
		printf '%s\n' "$l"
	done | base64 -d | tar -x -C /run/prov
	check "image-test sent the certificate, CA and policy" test -s /run/prov/policy.bundle
	check "camctl provision install" /usr/bin/camctl -r /run/trustcam provision install \
		--cert /run/prov/device.crt --ca /run/prov/ca.crt --policy /run/prov/policy.bundle
	st=$(/usr/bin/camctl -r /run/trustcam status 2>&1)
	check "camctl status: provisioned" sh -c 'echo "$1" | grep -q "^device: *$2 (provisioned)$"' - "$st" "$id"
	# 7. A photo, taken before syncd may reach the server, so that its
	# first pass or the one asked for below takes it up and deletes it.
	photo_take
	# syncd may reach the Trust server's address only (IPAddressAllow=, set
	# as IT sets it; here at run time, the root being read-only).
	mkdir -p /run/systemd/system/syncd.service.d
	printf '[Service]\nIPAddressAllow=10.0.2.100\n' > /run/systemd/system/syncd.service.d/server.conf
	systemctl daemon-reload
	check "syncd restarts with the server's address allowed" systemctl restart syncd.service
	check "the dock link has an address (networkd, DHCP)" /lib/systemd/systemd-networkd-wait-online --any --timeout=120
	sync=$(/usr/bin/camctl -r /run/trustcam sync --wait 2>&1)
	src=$?
	echo "$sync" | sed 's/^/# /'
	check "camctl sync --wait: the pass succeeded" test "$src" = 0
	check "the server acknowledged the audit log" test -s /var/lib/trustcam/sync/audit-acked
	photo_gone
fi

failed=$(systemctl list-units --no-legend --plain --state=failed | cut -d' ' -f1 | tr '\n' ' ')
echo "# failed units: ${failed:-none}"
echo "probe done $fail"
sync	# a results disk is written before the power-off
exit 0
