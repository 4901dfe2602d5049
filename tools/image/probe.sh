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
# default, or file).
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
check "USB refusal recorded" sh -c 'journalctl -b -o cat -t trustcam-lockdown | grep -q "USB mass-storage interface .* refused"'

# 5. First boot: the device waits for provisioning; the image says which it is.
st=$(setpriv --reuid=trustcam-ui --regid=trustcam --clear-groups /usr/bin/camctl -r /run/trustcam status 2>&1)
echo "$st" | sed 's/^/# /'
. /etc/os-release
check "camctl status: not provisioned" sh -c 'echo "$1" | grep -q "(not provisioned)"' - "$st"
check "camctl status: image version and build id" sh -c 'echo "$1" | grep -qF "image:            $2 ($3)"' - "$st" "$IMAGE_VERSION" "$BUILD_ID"
check "camctl status: the keys are in the ${TC_PROBE_KEYS:-tpm} keystore" sh -c 'echo "$1" | grep -q "^keys: *$2 "' - "$st" "${TC_PROBE_KEYS:-tpm}"

failed=$(systemctl list-units --no-legend --plain --state=failed | cut -d' ' -f1 | tr '\n' ' ')
echo "# failed units: ${failed:-none}"
echo "probe done $fail"
sync	# a results disk is written before the power-off
exit 0
