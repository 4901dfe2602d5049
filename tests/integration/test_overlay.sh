#!/bin/sh
# test_overlay.sh - the device boards' lockdown overlay (board/common and
# board/<board>/rootfs), checked without booting:
#   - every module a device must refuse is refused with "install ... /bin/false",
#     as kmod itself reads the files (modprobe -C DIR -n -v);
#   - the udev rules parse (Debian 12's udevadm has no `verify`: `udevadm
#     test` reads every rules file and names the bad ones; our files are
#     bound over /etc/udev/rules.d in a private mount namespace, which
#     needs root: CI and developers run the tests as root);
#   - the sysctl files parse as KEY = VALUE;
#   - no getty and no sshd: each is masked; the debug console option
#     unmasks the serial getty only;
#   - RAUC's configuration, boot backend, D-Bus rule and boot units (issue 17).
set -eu
T=${TC_TEST_TMP:?}
fails=0
ok() { echo "ok - $*"; }
no() { echo "not ok - $*"; fails=$((fails + 1)); }
check() { what=$1; shift; if "$@"; then ok "$what"; else no "$what"; fi; }

for b in rpi4 kiosk-x86; do
	stage=$T/stage-$b
	rm -rf "$stage"
	make -s O="$T/cfg-$b" "${b}_defconfig" >/dev/null
	make -s O="$T/cfg-$b" install-data DESTDIR="$stage" >/dev/null

	# Modules: R3 (no storage, gadgets, Bluetooth, DMA ports).
	refuse="usb-storage uas libcomposite g_mass_storage g_ffs usb_f_mass_storage usb_f_fs
		usbip-core usbip-host vhci-hcd dummy_hcd
		bluetooth btusb rfcomm firewire-core firewire-ohci thunderbolt"
	case $b in
	rpi4) refuse="$refuse brcmfmac hci_uart" ;;
	kiosk-x86) refuse="$refuse cfg80211" ;;
	esac
	bad=""
	for m in $refuse; do
		out=$(modprobe -C "$stage/etc/modprobe.d" -n -v "$m" 2>&1 || true)
		[ "$out" = "install /bin/false" ] || [ "$out" = "install /bin/false " ] || bad="$bad $m"
	done
	check "$b: kmod refuses every listed module with /bin/false${bad:+ (not:$bad)}" test -z "$bad"
	n=$(grep -hvE '^[[:space:]]*(#|$)' "$stage"/etc/modprobe.d/*.conf | grep -cvE '^install [A-Za-z0-9_-]+ /bin/false$' || true)
	check "$b: every modprobe.d line is an install ... /bin/false" test "$n" -eq 0

	# udev rules, as udevadm reads them.
	rules=$stage/etc/udev/rules.d
	out=$(unshare -m sh -c 'mount --bind "$1" /etc/udev/rules.d && udevadm test --action=add /sys/class/net/lo 2>&1' \
		_ "$rules" || true)
	check "$b: udevadm read the lockdown rules" \
		sh -c 'printf "%s\n" "$1" | grep -q "Reading rules file: /etc/udev/rules.d/60-trustcam-lockdown.rules"' _ "$out"
	diag=$(printf '%s\n' "$out" | grep -E '^/etc/udev/rules\.d/[^ ]+:[0-9]+ ' || true)
	check "$b: udevadm finds nothing wrong in them${diag:+ ($diag)}" test -z "$diag"

	# sysctl: KEY = VALUE lines only.
	n=$(grep -hvE '^[[:space:]]*(#|$)' "$stage"/etc/sysctl.d/*.conf | grep -cvE '^[a-z0-9_]+(\.[a-z0-9_]+)+ = [^ ]+$' || true)
	check "$b: sysctl files are KEY = VALUE lines" test "$n" -eq 0
	for k in kernel.core_pattern fs.suid_dumpable kernel.kptr_restrict kernel.dmesg_restrict \
		kernel.unprivileged_bpf_disabled; do
		check "$b: sysctl sets $k" grep -q "^$k = " "$stage/etc/sysctl.d/90-trustcam.conf"
	done

	# No way to log in, and so no login manager.
	for u in getty@.service getty-static.service serial-getty@.service console-getty.service ssh.service sshd.service \
		systemd-logind.service; do
		check "$b: $u is masked" test "$(readlink "$stage/etc/systemd/system/$u")" = /dev/null
	done
	check "$b: journald keeps its journal in RAM" grep -q '^Storage=volatile' "$stage/etc/systemd/journald.conf.d/trustcam.conf"
	check "$b: the data partition is mounted with discard" grep -qE '/var/lib/trustcam +ext4 +[^ ]*discard' "$stage/etc/fstab"
	check "$b: /tmp is a tmpfs" grep -qE '^tmpfs +/tmp +tmpfs' "$stage/etc/fstab"
	check "$b: nftables drops what comes in" grep -q 'type filter hook input priority 0; policy drop;' "$stage/etc/nftables.conf"

	# Updates (issue 17): RAUC's configuration for this board, its boot
	# backend, syncd's D-Bus rule, and the units that boot and confirm a
	# slot, enabled (their links resolve in the image).
	check "$b: RAUC's system.conf is this board's" grep -qx "compatible=trustcam-$b" "$stage/etc/rauc/system.conf"
	check "$b: RAUC's custom boot backend is installed" grep -qx 'bootloader=custom' "$stage/etc/rauc/system.conf"
	check "$b: the backend is executable" test -x "$stage/usr/lib/trustcam/rauc-boot"
	check "$b: syncd may call RAUC's Installer on D-Bus" \
		grep -q 'send_interface="de.pengutronix.rauc.Installer"' "$stage/etc/dbus-1/system.d/trustcam-rauc.conf"
	case $b in
	rpi4) links="local-fs.target.wants/boot-firmware.mount multi-user.target.wants/trustcam-boot-check.service"
		check "$b: fw_setenv's configuration names uboot.env on the boot partition" \
			grep -Eqx '/boot/firmware/uboot.env[[:space:]]+0x0000[[:space:]]+0x4000' "$stage/etc/fw_env.config";;
	kiosk-x86) links="local-fs.target.wants/efi.mount boot-complete.target.requires/trustcam-boot-check.service";;
	esac
	for l in $links; do
		check "$b: $l is enabled" test -f "$stage/etc/systemd/system/$l"
	done
done

# The checker itself catches a bad rule (so a pass above means something).
mkdir -p "$T/badrules" && printf 'ACTION=="add", NOSUCHKEY=="1"\n' > "$T/badrules/50-bad.rules"
out=$(unshare -m sh -c 'mount --bind "$1" /etc/udev/rules.d && udevadm test --action=add /sys/class/net/lo 2>&1' \
	_ "$T/badrules" || true)
check "a bad rule is reported by the same check" \
	sh -c 'printf "%s\n" "$1" | grep -qE "^/etc/udev/rules\.d/50-bad\.rules:1 "' _ "$out"

# The debug console unmasks the serial getty only.
make -s O="$T/cfg-dbg" rpi4_defconfig >/dev/null
echo CONFIG_DEBUG_CONSOLE=y >> "$T/cfg-dbg/.config"
make -s O="$T/cfg-dbg" olddefconfig >/dev/null
make -s O="$T/cfg-dbg" install-data DESTDIR="$T/stage-dbg" >/dev/null
check "debug console: serial-getty is not masked" test ! -e "$T/stage-dbg/etc/systemd/system/serial-getty@.service"
check "debug console: the other gettys stay masked" test -L "$T/stage-dbg/etc/systemd/system/getty@.service"

echo "test_overlay: $fails failure(s)"
[ "$fails" -eq 0 ]
