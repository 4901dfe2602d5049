#!/bin/sh
# test_rauc_tryboot.sh - rpi4's RAUC boot backend
# (board/rpi4/rootfs/usr/lib/trustcam/rauc-boot) on a stand-in boot
# partition (a directory) and slot images (squashfs, loop-mounted), with a
# model of the Pi firmware's choice: the tryboot flag set -> tryboot.txt,
# else config.txt; the folder its os_prefix names must hold a kernel, an
# initrd, a Pi 4 device tree and a cmdline.txt rooting that slot.
#   - set-primary b makes a try of B (tryboot.txt), config.txt untouched;
#   - the next boot (on A, whatever the last shutdown was) records the try
#     and asks for the tryboot reboot; the firmware with the flag boots B;
#   - a try cut short (a power cut, a reboot without confirmation) boots A
#     again: B is bad, A primary, the try is closed;
#   - a confirmed try becomes config.txt's default;
#   - a slot without a kernel is refused and the boot partition unchanged;
#   - a power cut after each write of set-primary, boot and confirm leaves
#     a partition the firmware boots, a working slot either way.
# The real firmware, the kernel's tryboot flag and vfat are not here
# (tools/image/README.md, "Updates": what a Pi must confirm).
set -eu
T=$(cd "${TC_TEST_TMP:?}" && pwd)
. tests/integration/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "not ok - test_rauc_tryboot.sh must run as root (it loop-mounts slot images)"; exit 1; }

RB=board/rpi4/rootfs/usr/lib/trustcam/rauc-boot
. tools/image/rpi4.conf
. tools/image/layout.sh
ID=$(layout_disk_id rpi4)
FW=$T/fw
export RAUC_BOOT_FW="$FW" RAUC_BOOT_DEVDIR="$T/dev" RAUC_BOOT_CMDLINE="$T/cmdline"
export RAUC_BOOT_REBOOT="touch $T/tryboot-flag"
mkdir -p "$FW/trustcam/a" "$T/dev"

# The card's names in the overlay are the image's (layout.sh derives the disk id).
conf=board/rpi4/rootfs/etc/rauc/system.conf
check "system.conf's slot A is partition 2 of the image's disk" \
	grep -qx "device=/dev/disk/by-partuuid/$(layout_partuuid rpi4 2)" "$conf"
check "system.conf's slot B is partition 3" grep -qx "device=/dev/disk/by-partuuid/$(layout_partuuid rpi4 3)" "$conf"
check "the boot partition mounted is partition 1" \
	grep -qx "What=/dev/disk/by-partuuid/$(layout_partuuid rpi4 1)" board/rpi4/rootfs/etc/systemd/system/boot-firmware.mount

# rootfs DIR VERSION [nokernel]: a root with a kernel, an initrd and the Pi 4 device trees.
rootfs() {
	rm -rf "$1"; mkdir -p "$1/boot" "$1/usr/lib/linux-image-6.1.0-9-arm64/broadcom"
	[ "${3:-}" = nokernel ] && return 0
	echo "kernel $2" > "$1/boot/vmlinuz-6.1.0-9-arm64"
	echo "older" > "$1/boot/vmlinuz-6.1.0-2-arm64"
	echo "initrd $2" > "$1/boot/initrd.img-6.1.0-9-arm64"
	for d in bcm2711-rpi-4-b bcm2711-rpi-400 bcm2711-rpi-cm4-io; do
		echo "dtb $2" > "$1/usr/lib/linux-image-6.1.0-9-arm64/broadcom/$d.dtb"
	done
}
# slot NAME VERSION [nokernel]: slot NAME's root image, by PARTUUID.
slot() {
	rootfs "$T/root" "$2" "${3:-}"
	sn=$([ "$1" = a ] && echo 2 || echo 3)
	mksquashfs "$T/root" "$T/dev/$(layout_partuuid rpi4 "$sn")" -quiet -noappend >/dev/null
}

# Slot A as tools/image/boot-rpi makes it (rauc-boot stage, its config.txt and cmdline.txt).
rootfs "$T/root" v1
expect_exit "stage copies a root's kernel, initrd and device trees" 0 '' "$RB" stage "$T/root" "$FW/trustcam/a"
check "stage takes the newest kernel" test "$(cat "$FW/trustcam/a/vmlinuz")" = "kernel v1"
check "stage takes the Pi 4 family's device trees" test -f "$FW/trustcam/a/bcm2711-rpi-400.dtb"
rootfs "$T/bare" v0 nokernel
expect_exit "stage refuses a root without a kernel" 1 'has no kernel, initrd and Pi 4 device trees' \
	"$RB" stage "$T/bare" "$T/bare-out"
cat > "$FW/config.txt" <<CONF
# trustcam v1, made by tools/image/boot-rpi.
[pi4]
arm_64bit=1
upstream_kernel=1
os_prefix=trustcam/a/
kernel=vmlinuz
initramfs initrd.img followkernel
[all]
CONF
echo "root=PARTUUID=$ID-02 rauc.slot=a rootfstype=squashfs ro rootwait console=ttyS1,115200 quiet panic=10" \
	> "$FW/trustcam/a/cmdline.txt"
cp "$FW/config.txt" "$T/config.orig"

# firmware [tryboot]: the Pi firmware's choice; the slot booted goes to
# stdout and its cmdline.txt becomes the kernel command line.  The flag
# lasts one boot (the firmware clears it).
firmware() {
	fcfg=$FW/config.txt
	[ "${1:-}" != tryboot ] || fcfg=$FW/tryboot.txt
	fs=$(sed -n 's|^os_prefix=trustcam/\([ab]\)/$|\1|p' "$fcfg" 2>/dev/null | tail -n 1)
	[ -n "$fs" ] || { echo "firmware: ${fcfg##*/} names no slot" >&2; return 1; }
	fd=$FW/trustcam/$fs
	for f in vmlinuz initrd.img cmdline.txt bcm2711-rpi-4-b.dtb; do
		[ -s "$fd/$f" ] || { echo "firmware: no trustcam/$fs/$f" >&2; return 1; }
	done
	fn=$([ "$fs" = a ] && echo 2 || echo 3)
	tr ' ' '\n' < "$fd/cmdline.txt" | grep -qx "root=PARTUUID=$ID-0$fn" &&
		tr ' ' '\n' < "$fd/cmdline.txt" | grep -qx "rauc.slot=$fs" ||
		{ echo "firmware: trustcam/$fs/cmdline.txt does not root slot $fs" >&2; return 1; }
	cp "$fd/cmdline.txt" "$T/cmdline"
	echo "$fs $(cat "$fd/vmlinuz")"
}
# power_on: a boot as the device makes it: the firmware (with the flag if
# the last boot asked for it), then trustcam-tryboot.service's rauc-boot
# boot, and again if that asked for a tryboot reboot.  Prints the slots.
power_on() {
	flag=
	if [ -e "$T/tryboot-flag" ]; then flag=tryboot; rm -f "$T/tryboot-flag"; fi
	firmware $flag || return 1
	"$RB" boot 2>/dev/null || return 1
	[ ! -e "$T/tryboot-flag" ] || { rm -f "$T/tryboot-flag"; firmware tryboot; }
}
# sums: every file of the boot partition with its digest.
sums() { (cd "$FW" && find . -type f | sort | xargs sha256sum); }

slot b v2
expect_exit "power-on boots slot A, the image's" 0 '^a kernel v1$' power_on
expect_exit "slot A is primary" 0 '^a$' "$RB" get-primary
expect_exit "slot A is good" 0 '^good$' "$RB" get-state a
expect_exit "slot B, with no kernel on the boot partition, is bad" 0 '^bad$' "$RB" get-state b
expect_exit "marking it bad (RAUC does before writing it) is nothing to do" 0 '' "$RB" set-state b bad
expect_exit "this boot is no try" 1 '' "$RB" trying
expect_exit "confirm outside a try changes nothing" 0 '' "$RB" confirm
check "config.txt is as the image made it" cmp -s "$FW/config.txt" "$T/config.orig"

# RAUC wrote slot B: set-primary b.
expect_exit "set-primary b" 0 '' "$RB" set-primary b
check "B's newest kernel is on the boot partition" test "$(cat "$FW/trustcam/b/vmlinuz")" = "kernel v2"
check "with its initrd" test "$(cat "$FW/trustcam/b/initrd.img")" = "initrd v2"
check "and its device trees" test "$(cat "$FW/trustcam/b/bcm2711-rpi-4-b.dtb")" = "dtb v2"
check "B's cmdline.txt is A's, rooting B" test "$(cat "$FW/trustcam/b/cmdline.txt")" = \
	"root=PARTUUID=$ID-03 rauc.slot=b rootfstype=squashfs ro rootwait console=ttyS1,115200 quiet panic=10"
check "tryboot.txt is config.txt with B's folder" \
	test "$(diff "$FW/config.txt" "$FW/tryboot.txt" | grep '^[<>]' | tr '\n' ' ')" = "< os_prefix=trustcam/a/ > os_prefix=trustcam/b/ "
check "config.txt still boots A" cmp -s "$FW/config.txt" "$T/config.orig"
check "no temporary file is left" test -z "$(find "$FW" -name '*.tmp' -o -name '*.new')"
expect_exit "B is primary: the next boot tries it" 0 '^b$' "$RB" get-primary
expect_exit "B is good" 0 '^good$' "$RB" get-state b

# The next power-on: A's early boot starts the try, the firmware boots B once.
expect_exit "the next power-on tries slot B" 0 '^b kernel v2$' power_on
check "the try is recorded" test "$(cat "$FW/trustcam/tried")" = b
expect_exit "this boot is a try" 0 '' "$RB" trying
expect_exit "during the try, a plain boot would be A's" 0 '^a$' "$RB" get-primary
expect_exit "B, being tried, is good" 0 '^good$' "$RB" get-state b
expect_exit "B's early boot does nothing more" 0 '' "$RB" boot
check "and asks for no tryboot" test ! -e "$T/tryboot-flag"

# The try is cut short (power cut, or the boot check failed and rebooted).
expect_exit "an unconfirmed try boots slot A again" 0 '^a kernel v1$' power_on
check "no second try is asked for" test ! -e "$T/tryboot-flag"
expect_exit "B is bad" 0 '^bad$' "$RB" get-state b
expect_exit "A is primary" 0 '^a$' "$RB" get-primary
check "the try is closed (no tryboot.txt)" test ! -e "$FW/tryboot.txt"
check "config.txt still boots A" cmp -s "$FW/config.txt" "$T/config.orig"
expect_exit "and every later power-on boots A" 0 '^a kernel v1$' power_on

# Installed again, tried, confirmed.
expect_exit "set-primary b again" 0 '' "$RB" set-primary b
expect_exit "the reinstalled B is good" 0 '^good$' "$RB" get-state b
expect_exit "the next power-on tries slot B" 0 '^b kernel v2$' power_on
expect_exit "the boot check confirms it" 0 'slot b confirmed' "$RB" confirm
check "config.txt boots B, nothing else changed" \
	test "$(diff "$T/config.orig" "$FW/config.txt" | grep '^[<>]' | tr '\n' ' ')" = "< os_prefix=trustcam/a/ > os_prefix=trustcam/b/ "
check "the try is closed" test ! -e "$FW/tryboot.txt" -a ! -e "$FW/trustcam/tried"
expect_exit "B is primary" 0 '^b$' "$RB" get-primary
expect_exit "B is good" 0 '^good$' "$RB" get-state b
expect_exit "A stays good (the fallback of the next update)" 0 '^good$' "$RB" get-state a
expect_exit "every power-on boots B now" 0 '^b kernel v2$' power_on
expect_exit "the default slot (B) cannot be marked bad" 1 "slot b is config.txt's default" "$RB" set-state b bad

# A slot image without a kernel: refused, the boot partition as it was.
slot a v3 nokernel
before=$(sums)
expect_exit "set-primary of a slot without a kernel is refused" 1 'slot a has no kernel, initrd and Pi 4 device trees' \
	"$RB" set-primary a
check "and the boot partition is as it was" test "$(sums)" = "$before"
check "no mount is left behind" sh -c "! grep -q ' /run/rauc-boot' /proc/mounts"
expect_exit "an unknown slot is refused" 1 "unknown slot 'c'" "$RB" get-state c
expect_exit "an unknown state is refused" 1 'state must be good or bad' "$RB" set-state a maybe

# Power cuts: stop after each write of an install (set-primary a, on B),
# its try (boot) and its confirmation; from there, power on as the device
# would (an interrupted step is not redone): a slot boots, whole, and the
# state RAUC reads is coherent with it.
slot a v3
cp -a "$FW" "$T/fw.start"
# phase NAME: the step of an update cut; setup NAME: the partition as that step finds it.
phase() {
	case $1 in
	set-primary) "$RB" set-primary a;;
	boot) "$RB" boot;;
	confirm) "$RB" confirm;;
	esac
}
setup() {
	rm -rf "$FW" "$T/tryboot-flag"; cp -a "$T/fw.start" "$FW"
	firmware >/dev/null
	[ "$1" = set-primary ] && return 0
	"$RB" set-primary a
	[ "$1" = boot ] && return 0
	"$RB" boot; rm -f "$T/tryboot-flag"; firmware tryboot >/dev/null
}
for ph in set-primary boot confirm; do
	n=1 bad=
	while :; do
		setup "$ph" 2>/dev/null
		set +e; (export RAUC_BOOT_STOP_AFTER=$n; phase "$ph") >/dev/null 2>&1; rc=$?; set -e
		rm -f "$T/tryboot-flag"	# a cut before the reboot: no flag
		got=$(power_on 2>&1) || { bad="$bad $n(no boot: $got)"; }
		got=$(printf '%s\n' "$got" | tail -n 1)	# the slot that runs, after a try's reboot
		case $got in "a kernel v3"|"b kernel v2") ;; *) bad="$bad $n($got)";; esac
		s=${got%% *}
		[ "$("$RB" get-state "$s" 2>&1)" = good ] || bad="$bad $n(booted $s is not good)"
		p=$("$RB" get-primary 2>&1)
		case $p in a|b) ;; *) bad="$bad $n(get-primary: $p)";; esac
		[ "$rc" -eq 137 ] && [ "$n" -lt 30 ] || break
		n=$((n + 1))
	done
	check "$ph cut after each of its $((n - 1)) writes: a whole slot boots${bad:+ (not:$bad)}" \
		test -z "$bad" -a "$n" -gt 1 -a "$rc" -eq 0
done
finish
