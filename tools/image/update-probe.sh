# update-probe.sh - what update-test runs inside the image at every boot
# (as root, from systemd.run=, read from a raw virtio disk).  The boot's
# phase is a file on the data partition; what runs is the slot on the
# kernel command line and the release in /usr/lib/trustcam/release.
# Results on the second serial port: "ok NAME" / "not ok NAME", "# note",
# "phase N done F" when this boot's part is over.  The port is both ways:
# the provisioning round (as image-test's), "publish NAME" (update-test
# puts that bundle on the Trust's server and answers "published NAME"),
# "cut-point" (update-test kills qemu at a random moment from here).
# It reboots into the next phase and powers off at the end (qemu exits);
# a broken release is left to its boot check, which reboots.
exec >/dev/ttyS1 2>&1
stty -F /dev/ttyS1 raw -echo
exec 3</dev/ttyS1
fail=0
check() {
	name=$1
	shift
	if "$@"; then echo "ok $name"; else echo "not ok $name"; fail=1; fi
}
has() { echo "$2" | grep -q -- "$1"; }
S=/var/lib/trustcam
slot=$(sed -n 's/.*rauc\.slot=\([ab]\).*/\1/p' /proc/cmdline)
release=$(cat /usr/lib/trustcam/release)
phasef=$S/update-test.phase
phase=$(cat "$phasef" 2>/dev/null || echo 1)
echo "# boot: slot $slot, release $release, phase $phase"
entries=$(ls /efi/loader/entries 2>/dev/null | tr '\n' ' ')
echo "# entries: $entries"
mkdir -p /run/payload
mount -o ro /dev/disk/by-id/virtio-tcpayload /run/payload
base=$(cat /run/payload/base-release)
cuts=$(cat /run/payload/cuts)
# primary: the slot RAUC calls primary; state SLOT: its boot_status.
primary() { rauc status --output-format=json 2>/dev/null | grep -o '"boot_primary":"[^"]*"' | cut -d'"' -f4; }
state() { rauc status --output-format=json 2>/dev/null | grep -o "\"$1\":{.*" | grep -o '"boot_status":"[a-z]*"' | head -n 1 | cut -d'"' -f4; }
# next: reboot into the next phase; off: the end (qemu exits).  Straight
# to systemd's targets, not through logind (which times out under
# emulation on a loaded machine).
next() { sync; systemctl --no-block --job-mode=replace-irreversibly start reboot.target; }
off() { sync; systemctl --no-block --job-mode=replace-irreversibly start poweroff.target; }
status() { /usr/bin/camctl -r /run/trustcam status 2>&1; }

# ready: the three daemons run (the start jobs the boot queued).
ready() {
	for u in photod syncd kiosk; do
		check "$u reached ready" systemctl start "$u.service"
	done
}
# blessed: this boot is good (trustcam-boot-check) and its entry kept.
blessed() {
	check "boot-complete.target is reached" systemctl start boot-complete.target
	# systemd-bless-boot runs after that target: wait for it, then look.
	# An entry blessed before this boot has nothing to bless (the unit
	# may still run, on a stale LoaderBootCountPath: its words are noted).
	if has "trustcam-$slot+" "$entries"; then
		check "systemd-bless-boot ran" systemctl start systemd-bless-boot.service
	elif ! systemctl start systemd-bless-boot.service 2>/dev/null; then
		journalctl -b -o cat -u systemd-bless-boot.service | tail -n 2 | sed 's/^/# bless-boot: /'
	fi
	check "slot $slot's entry is blessed (no counter)" test -f "/efi/loader/entries/trustcam-$slot.conf"
}
# dock: syncd may reach the Trust server's address (a run-time drop-in, as
# image-test's; it is gone at the next boot) and the link is up.  syncd
# restarts: what it said at its start is read before.
dock() {
	mkdir -p /run/systemd/system/syncd.service.d
	printf '[Service]\nIPAddressAllow=10.0.2.100\n' > /run/systemd/system/syncd.service.d/server.conf
	systemctl daemon-reload
	check "syncd restarts with the server's address allowed" systemctl restart syncd.service
	check "the dock link has an address" /lib/systemd/systemd-networkd-wait-online --any --timeout=120
}
# pass: one sync pass (the update pass follows it); the status after it in $st.
pass() {
	out=$(/usr/bin/camctl -r /run/trustcam sync --wait 2>&1)
	src=$?
	echo "$out" | tail -n 3 | sed 's/^/# sync: /'
	check "camctl sync --wait: the pass succeeded" test "$src" = 0
	st=$(status)
	echo "$st" | grep -E '^(firmware release|update):' | sed 's/^/# /'
}
# publish NAME: the Trust's server offers bundle NAME (update-test answers).
publish() {
	echo "publish $1"
	while IFS= read -r l <&3; do [ "$l" = "published $1" ] && break; done
}
# provision: image-test's round (probe.sh): the CSR out, the files back, installed.
provision() {
	id=$(status | sed -n 's/^device: *\(D-[0-9a-f]*\) (not provisioned)$/\1/p')
	check "the device waits for provisioning (device $id)" test -n "$id"
	/usr/bin/camctl -r /run/trustcam provision request > /run/device.csr 2>/dev/null
	echo "csr-begin $id"
	cat /run/device.csr
	echo "csr-end"
	mkdir -p /run/prov
	while IFS= read -r l <&3; do
		[ "$l" = files-end ] && break
		printf '%s\n' "$l"
	done | base64 -d | tar -x -C /run/prov
	check "camctl provision install" /usr/bin/camctl -r /run/trustcam provision install \
		--cert /run/prov/device.crt --ca /run/prov/ca.crt --policy /run/prov/policy.bundle
	check "the Trust CA is pinned where RAUC's keyring is" test -s "$S/provision/trust-ca.crt"
}
# The state written before any update: its files must survive every
# install, fall-back and power cut unchanged.
sums=$S/update-test.sums
keep() { (cd "$S" && sha256sum provision/device.crt provision/trust-ca.crt provision/policy.bundle > "$sums"); }
intact() {
	check "the state written before is intact" sh -c 'cd "$1" && sha256sum --quiet -c "$2"' - "$S" "$sums"
	check "photod runs, never restarted" test "$(systemctl show -P NRestarts photod.service)" = 0
	check "camctl status: provisioned" has '(provisioned)$' "$(status | grep '^device:')"
}
# install_timed: rauc installs the newer release from the payload disk
# into the other slot; its time in "install-ms".
install_timed() {
	t0=$(date +%s%3N)
	check "rauc installs the newer release into the other slot" sh -c 'rauc install /run/payload/newer.raucb > /run/install.log 2>&1'
	echo "install-ms $(( $(date +%s%3N) - t0 ))"
	tail -n 1 /run/install.log | sed 's/^/# rauc: /'
}
# to_cuts PHASE SUFFIX: slot a takes newer (timed, for the cut points;
# SUFFIX ends the check's name), the next boot starts the power cuts.
to_cuts() {
	install_timed
	check "slot a is primary$2" test "$(primary)" = rootfs.0
	echo "cut 1" > "$phasef"; sync
	echo "phase $1 done $fail"
	next
}

case $phase in
1)	# The image as built, slot A: provisioning, the refusals, the newer release by a dock pass.
	check "phase 1 runs on slot a, the image's release" test "$slot $release" = "a $base"
	ready
	provision
	keep
	# RAUC's own keyring (its system.conf) refuses them, whoever asks.
	for b in tampered other; do
		out=$(rauc install "/run/payload/$b.raucb" 2>&1)
		rc=$?
		echo "$out" | grep -E 'LastError|rror' | tail -n 1 | sed 's/^/# rauc: /'
		check "rauc refuses the $b bundle" test "$rc" != 0
	done
	check "slot a is still primary after the refusals" test "$(primary)" = rootfs.0
	dock
	publish other
	pass
	check "syncd refuses the other signer's release $((base + 5))" \
		has "^update: *refused release $((base + 5)): signature verification failed" "$st"
	publish tampered
	pass
	check "syncd refuses the tampered release $((base + 6))" \
		has "^update: *refused release $((base + 6)): signature verification failed" "$st"
	check "slot a is still primary" test "$(primary)" = rootfs.0
	publish newer
	pass
	check "syncd installed release $((base + 1)) from the dock" \
		has "^update: *release $((base + 1)) .*installed: runs after a restart" "$st"
	check "slot b is primary now" test "$(primary)" = rootfs.1
	check "slot b's entry has 3 tries" test -f /efi/loader/entries/trustcam-b+3.conf
	check "the downloaded bundle is gone" test ! -e "$S/update/bundle.raucb" -a ! -e "$S/update/bundle.part"
	intact
	echo 2 > "$phasef"; sync
	echo "phase 1 done $fail"
	next ;;
2)	# The new release on slot b: it runs, its boot is blessed; an older
	# one is refused; a broken one is installed to slot a.
	check "phase 2 runs the newer release on slot b" test "$slot $release" = "b $((base + 1))"
	ready
	st=$(status)
	check "camctl status: firmware release $((base + 1))" has "^firmware release: $((base + 1))$" "$st"
	check "camctl status: the update is on trial (syncd started before the boot check)" \
		has "^update: *release $((base + 1)) on trial" "$st"
	blessed
	check "the boot check confirmed the boot for syncd" test -e /run/trustcam-boot/confirmed
	intact
	dock
	publish older
	pass
	# That pass called it booted (update.booted: update-test finds it in
	# the audit log the server holds), then refused older:
	check "syncd refuses the older release $base (the floor is $((base + 1)))" \
		has "^update: *refused release $base: older than release $((base + 1))" "$st"
	case $(cat /run/payload/phases) in
	12)	# UPDATE_TEST_PHASES=12 ends here.
		echo "phase 2 done $fail"
		off
		exit 0 ;;
	124)	# CI's subset: the power cuts without the broken release; slot a
		# takes the newer release, its install timed, as phase 3 ends.
		to_cuts 2 ''
		exit 0 ;;
	esac
	publish broken
	pass
	check "syncd installed the broken release $((base + 2))" \
		has "^update: *release $((base + 2)) .*installed: runs after a restart" "$st"
	check "slot a is primary now" test "$(primary)" = rootfs.0
	echo 3 > "$phasef"; sync
	echo "phase 2 done $fail"
	next ;;
3)	if [ "$release" = "$((base + 2))" ]; then
		# The broken release: photod does not start, the boot check reboots.
		echo "phase 3 broken boot"
		exit 0
	fi
	check "phase 3: back on slot b and the newer release" test "$slot $release" = "b $((base + 1))"
	ready
	st=$(status)
	echo "$st" | grep -E '^(firmware release|update):' | sed 's/^/# /'
	check "camctl status says it fell back" \
		has "^update: *fell back: release $((base + 2)) did not boot, $((base + 1)) runs" "$st"
	check "slot a's entry has no tries left" test -f /efi/loader/entries/trustcam-a+0-3.conf
	check "rauc calls slot a bad" test "$(state rootfs.0)" = bad
	blessed
	intact
	dock
	pass	# the fall-back's audit entry goes to the server
	# Slot a again, for the power cuts: a bad slot takes a good release.
	to_cuts 3 ' again' ;;
"cut "*)
	# After a power cut (or, the first time, after a clean install):
	# a working slot runs, the state is intact; then the next cut.
	n=${phase#cut }
	check "cut $n: a working release runs (slot $slot)" test "$release" = "$((base + 1))"
	ready
	blessed
	intact
	if [ "$n" -gt "$cuts" ]; then
		dock
		pass	# the audit log after the cuts goes to the server
		echo "done" > "$phasef"; sync
		echo "phase cuts done $fail"
		off
		exit 0
	fi
	echo "cut $((n + 1))" > "$phasef"; sync
	echo "phase cut $n ready $fail"
	echo "cut-point"
	install_timed
	# Not cut during the install: the cut comes while it waits here.
	sleep infinity ;;
*)	echo "not ok unexpected phase $phase"; off ;;
esac
