# update-probe.sh - what update-test runs inside the image at every boot
# (as root, from systemd.run=, read from a raw virtio disk).  The boot's
# phase is what runs (the slot on the kernel command line, the release in
# /usr/lib/trustcam/release) and a phase file on the data partition.
# Results on the second serial port: "ok NAME" / "not ok NAME", "# note",
# "phase N done" when this boot's part is over.  It reboots into the
# next phase and powers off at the end (qemu exits); a broken release is
# left to its boot check, which reboots.
exec >/dev/ttyS1 2>&1
fail=0
check() {
	name=$1
	shift
	if "$@"; then echo "ok $name"; else echo "not ok $name"; fail=1; fi
}
slot=$(sed -n 's/.*rauc\.slot=\([ab]\).*/\1/p' /proc/cmdline)
release=$(cat /usr/lib/trustcam/release)
phasef=/var/lib/trustcam/update-test.phase
phase=$(cat "$phasef" 2>/dev/null || echo 1)
echo "# boot: slot $slot, release $release, phase $phase"
entries=$(ls /efi/loader/entries 2>/dev/null | tr '\n' ' ')
echo "# entries: $entries"
mkdir -p /run/payload
mount -o ro /dev/disk/by-id/virtio-tcpayload /run/payload
base=$(cat /run/payload/base-release)
# rauc_status: the slot RAUC calls primary and the booted one.
primary() { rauc status --output-format=json 2>/dev/null | grep -o '"boot_primary":"[^"]*"' | cut -d'"' -f4; }
# next: reboot into the next phase; off: the end (qemu exits).  Neither
# waits on logind (slow under emulation).
next() { sync; systemctl --no-block --no-wall reboot; }
off() { sync; systemctl --no-block --no-wall poweroff; }

case $phase in
1)	# The image as built, slot A: the refusals, then the newer release.
	check "phase 1 runs on slot a, the image's release" test "$slot $release" = "a $base"
	install -d -o trustcam -g trustcam -m 0700 /var/lib/trustcam/provision
	install -o trustcam -g trustcam -m 0600 /run/payload/trust-ca.crt /var/lib/trustcam/provision/trust-ca.crt
	for b in tampered other; do
		out=$(rauc install "/run/payload/$b.raucb" 2>&1)
		rc=$?
		echo "$out" | tail -n 2 | sed 's/^/# /'
		check "rauc refuses the $b bundle" test "$rc" != 0
	done
	check "slot a is still primary after the refusals" test "$(primary)" = rootfs.0
	check "rauc installs the newer release" rauc install /run/payload/newer.raucb
	check "slot b is primary now" test "$(primary)" = rootfs.1
	check "slot b's entry has 3 tries" test -f /efi/loader/entries/trustcam-b+3.conf
	check "photos' partition untouched: still mounted, still ours" \
		test "$(stat -c '%a %U' /var/lib/trustcam)" = "700 trustcam"
	echo 2 > "$phasef"; sync
	echo "phase 1 done $fail"
	next ;;
2)	# The new release on slot b: it runs, its boot is blessed; then a broken one.
	check "phase 2 runs the newer release on slot b" test "$slot $release" = "b $((base + 1))"
	check "boot-complete.target is reached" systemctl start boot-complete.target
	# systemd-bless-boot runs after that target: wait for it, then look.
	check "systemd-bless-boot ran" systemctl start systemd-bless-boot.service
	check "slot b's entry is blessed (no counter)" test -f /efi/loader/entries/trustcam-b.conf
	check "rauc installs the broken release into slot a" rauc install /run/payload/broken.raucb
	check "slot a is primary now" test "$(primary)" = rootfs.0
	echo 3 > "$phasef"; sync
	echo "phase 2 done $fail"
	next ;;
3)	if [ "$release" = "$((base + 2))" ]; then
		# The broken release: photod does not start, the boot check reboots.
		echo "# broken release boots; entries: $entries"
		echo "phase 3 broken boot"
		exit 0
	fi
	check "phase 3: back on slot b and the newer release" test "$slot $release" = "b $((base + 1))"
	check "slot a's entry has no tries left" sh -c 'ls /efi/loader/entries | grep -q "^trustcam-a+0-3\.conf$"'
	check "rauc calls slot a bad" test "$(rauc status --output-format=json | grep -o '"rootfs.0":{[^}]*"boot_status":"[a-z]*"' | sed 's/.*"boot_status":"//; s/"//')" = bad
	check "the photos' partition is intact" test "$(stat -c '%a %U' /var/lib/trustcam)" = "700 trustcam"
	echo 4 > "$phasef"; sync
	echo "phase 3 done $fail"
	off ;;
*)	echo "not ok unexpected phase $phase"; off ;;
esac
