#!/bin/sh
# test_rauc_uboot.sh - rpi4's RAUC boot backend
# (board/rpi4/rootfs/usr/lib/trustcam/rauc-boot) with the real fw_printenv
# and fw_setenv on a real uboot.env (mkenvimage, as tools/image/boot-rpi
# makes it), a stand-in boot partition (a directory) and slot images
# (squashfs, loop-mounted), and a model of U-Boot's boot script
# (board/rpi4/boot/boot.cmd): the first slot of BOOT_ORDER that is
# uncounted or has boots left, one taken and saved before its kernel loads.
#   - set-primary b copies B's kernel and starts a trial of three boots;
#   - a trial that never confirms takes its three boots, then slot A boots
#     again: B is bad, A primary;
#   - a confirmed trial boots first and uncounted from then on;
#   - a slot without a kernel is refused, the boot partition unchanged;
#   - a uboot.env torn by a power cut: confirmed.env's order, and the next
#     write makes it whole;
#   - a power cut after each write of set-primary and confirm leaves a
#     partition that boots a whole slot.
# The real U-Boot reads what this writes in tools/image/uboot-test (qemu's
# raspi3b machine, the rpi4 image's own U-Boot and kernel).
set -eu
T=$(cd "${TC_TEST_TMP:?}" && pwd)
. tests/integration/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "not ok - test_rauc_uboot.sh must run as root (it loop-mounts slot images)"; exit 1; }

RB=board/rpi4/rootfs/usr/lib/trustcam/rauc-boot
. tools/image/rpi4.conf
. tools/image/layout.sh
ID=$(layout_disk_id rpi4)
FW=$T/fw
echo "$FW/uboot.env 0x0000 0x4000" > "$T/fw_env.config"
export RAUC_BOOT_FW="$FW" RAUC_BOOT_DEVDIR="$T/dev" RAUC_BOOT_CMDLINE="$T/cmdline" RAUC_BOOT_ENVCFG="$T/fw_env.config"
mkdir -p "$FW/trustcam/a" "$T/dev"
env_get() { fw_printenv -c "$T/fw_env.config" 2>/dev/null | sed -n "s/^$1=//p"; }

# The card's names in the overlay are the image's (layout.sh derives the disk id).
conf=board/rpi4/rootfs/etc/rauc/system.conf
check "system.conf's slot A is partition 2 of the image's disk" \
	grep -qx "device=/dev/disk/by-partuuid/$(layout_partuuid rpi4 2)" "$conf"
check "system.conf's slot B is partition 3" grep -qx "device=/dev/disk/by-partuuid/$(layout_partuuid rpi4 3)" "$conf"
check "the boot partition mounted is partition 1" \
	grep -qx "What=/dev/disk/by-partuuid/$(layout_partuuid rpi4 1)" board/rpi4/rootfs/etc/systemd/system/boot-firmware.mount
check "fw_env.config's environment is the size boot-rpi makes" \
	sh -c 'grep -q "mkenvimage -s 0x4000 " tools/image/boot-rpi && grep -Eq "uboot.env[[:space:]]+0x0000[[:space:]]+0x4000$" board/rpi4/rootfs/etc/fw_env.config'

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

# The boot partition as tools/image/boot-rpi makes it: slot A staged,
# uboot.env (mkenvimage, its settings) and confirmed.env.
rootfs "$T/root" v1
expect_exit "stage copies a root's kernel, initrd and device trees" 0 '' "$RB" stage "$T/root" "$FW/trustcam/a"
check "stage takes the newest kernel" test "$(cat "$FW/trustcam/a/vmlinuz")" = "kernel v1"
check "stage puts the Pi 4 family's device trees where U-Boot's fdtfile names them" \
	test -f "$FW/trustcam/a/broadcom/bcm2711-rpi-4-b.dtb" -a -f "$FW/trustcam/a/broadcom/bcm2711-rpi-400.dtb"
rootfs "$T/bare" v0 nokernel
expect_exit "stage refuses a root without a kernel" 1 'has no kernel, initrd and Pi 4 device trees' \
	"$RB" stage "$T/bare" "$T/bare-out"
DEF=board/rpi4/rootfs/usr/lib/trustcam/uboot-default.env
check "boot.cmd saves the bootcmd of uboot-default.env" \
	grep -qxF "	setenv bootcmd '$(sed -n 's/^bootcmd=//p' "$DEF")'" board/rpi4/boot/boot.cmd
{ cat "$DEF"; echo 'BOOT_ORDER=a b'; } > "$T/env.txt"
mkenvimage -s 0x4000 -o "$FW/uboot.env" "$T/env.txt"
echo 'BOOT_ORDER=a b' > "$FW/trustcam/confirmed.env"
check "the new card's order is a b, no boot delay" test "$(env_get BOOT_ORDER) $(env_get bootdelay)" = "a b -2"

# uboot: U-Boot running boot.scr, as board/rpi4/boot/boot.cmd does: the
# slot booted and its kernel to stdout, its command line to $T/cmdline;
# "reset" when the slot cannot be loaded (marked bad).
uboot() {
	if ! e=$(fw_printenv -c "$T/fw_env.config" 2>/dev/null); then
		# Bad CRC: U-Boot's built-in environment (no BOOT_ variables).
		e= ; order=$(sed -n 's/^BOOT_ORDER=//p' "$FW/trustcam/confirmed.env" 2>/dev/null)
		printf 'bootdelay=-2\nBOOT_ORDER=%s\n' "${order:-a b}" > "$T/builtin.txt"
		mkenvimage -s 0x4000 -o "$FW/uboot.env" "$T/builtin.txt"
		e=$(fw_printenv -c "$T/fw_env.config")
	fi
	order=$(printf '%s\n' "$e" | sed -n 's/^BOOT_ORDER=//p')
	us=
	for s in $order; do
		[ -z "$us" ] || break
		l=$(printf '%s\n' "$e" | sed -n "s/^BOOT_${s}_LEFT=//p")
		if [ -z "$l" ]; then us=$s
		elif [ "$l" -gt 0 ]; then us=$s; fw_setenv -c "$T/fw_env.config" "BOOT_${s}_LEFT" $((l - 1))
		fi
	done
	[ -n "$us" ] || us=${order%% *}
	ud=$FW/trustcam/$us
	if [ ! -s "$ud/vmlinuz" ] || [ ! -s "$ud/initrd.img" ]; then
		fw_setenv -c "$T/fw_env.config" "BOOT_${us}_LEFT" 0
		echo reset; return 0
	fi
	[ -s "$ud/broadcom/bcm2711-rpi-4-b.dtb" ] || { echo "uboot: no device tree in trustcam/$us" >&2; return 1; }
	echo "root=PARTUUID=$ID-0$([ "$us" = a ] && echo 2 || echo 3) rauc.slot=$us rootfstype=squashfs ro rootwait $CMDLINE" > "$T/cmdline"
	echo "$us $(cat "$ud/vmlinuz")"
}
# power_on: U-Boot, again after a reset; the slot that runs.
power_on() { r=$(uboot) || return 1; [ "$r" != reset ] || r=$(uboot) || return 1; echo "$r"; }
# sums: every file of the boot partition with its digest.
sums() { (cd "$FW" && find . -type f | sort | xargs sha256sum); }

slot b v2
expect_exit "power-on boots slot A, the image's" 0 '^a kernel v1$' power_on
check "uncounted: the environment is unchanged" test "$(env_get BOOT_a_LEFT)" = ""
expect_exit "slot A is primary" 0 '^a$' "$RB" get-primary
expect_exit "slot A is good" 0 '^good$' "$RB" get-state a
expect_exit "slot B, with no kernel on the boot partition, is bad" 0 '^bad$' "$RB" get-state b
expect_exit "RAUC marks B bad before writing it" 0 '' "$RB" set-state b bad
check "B has no boots left" test "$(env_get BOOT_b_LEFT)" = 0
expect_exit "the running slot cannot be marked bad" 1 'slot a runs' "$RB" set-state a bad
expect_exit "this boot is no trial" 1 '' "$RB" trying
expect_exit "confirm outside a trial changes nothing" 0 '' "$RB" confirm

# RAUC wrote slot B: set-primary b.
expect_exit "set-primary b" 0 '' "$RB" set-primary b
check "B's newest kernel is on the boot partition" test "$(cat "$FW/trustcam/b/vmlinuz")" = "kernel v2"
check "with its initrd" test "$(cat "$FW/trustcam/b/initrd.img")" = "initrd v2"
check "and its device trees" test "$(cat "$FW/trustcam/b/broadcom/bcm2711-rpi-4-b.dtb")" = "dtb v2"
check "B is first, on trial for 3 boots" test "$(env_get BOOT_ORDER)/$(env_get BOOT_b_LEFT)" = "b a/3"
check "confirmed.env still names A first" grep -qx 'BOOT_ORDER=a b' "$FW/trustcam/confirmed.env"
check "no temporary file is left" test -z "$(find "$FW" -name '*.tmp' -o -name '*.new')"
expect_exit "B is primary" 0 '^b$' "$RB" get-primary
expect_exit "B is good" 0 '^good$' "$RB" get-state b

# Three boots of B that never confirm (the boot check reboots, or the power is cut).
for n in 2 1 0; do
	expect_exit "a trial boot of slot B ($n left)" 0 '^b kernel v2$' power_on
	expect_exit "it is a trial" 0 '' "$RB" trying
done
expect_exit "with no boots left, slot A boots again" 0 '^a kernel v1$' power_on
expect_exit "B is bad" 0 '^bad$' "$RB" get-state b
expect_exit "A is primary" 0 '^a$' "$RB" get-primary
expect_exit "A's boot is no trial" 1 '' "$RB" trying
expect_exit "and every later power-on boots A" 0 '^a kernel v1$' power_on

# Installed again, tried, confirmed.
expect_exit "set-primary b again" 0 '' "$RB" set-primary b
expect_exit "the next power-on tries slot B" 0 '^b kernel v2$' power_on
expect_exit "the boot check confirms it" 0 'slot b confirmed' "$RB" confirm
check "B is first and uncounted" test "$(env_get BOOT_ORDER)/$(env_get BOOT_b_LEFT)" = "b a/"
check "confirmed.env names B first" grep -qx 'BOOT_ORDER=b a' "$FW/trustcam/confirmed.env"
expect_exit "B is primary" 0 '^b$' "$RB" get-primary
expect_exit "A stays good (the fall-back of the next update)" 0 '^good$' "$RB" get-state a
expect_exit "every power-on boots B now" 0 '^b kernel v2$' power_on
expect_exit "uncounted" 0 '^b kernel v2$' power_on
check "B still has no count" test "$(env_get BOOT_b_LEFT)" = ""

# A slot image without a kernel: refused, the boot partition as it was.
slot a v3 nokernel
before=$(sums)
expect_exit "set-primary of a slot without a kernel is refused" 1 'slot a has no kernel, initrd and Pi 4 device trees' \
	"$RB" set-primary a
check "and the boot partition is as it was" test "$(sums)" = "$before"
check "no mount is left behind" sh -c "! grep -q ' /run/rauc-boot' /proc/mounts"
expect_exit "an unknown slot is refused" 1 "unknown slot 'c'" "$RB" get-state c
expect_exit "an unknown state is refused" 1 'state must be good or bad' "$RB" set-state a maybe

# A trial slot whose kernel U-Boot cannot load: marked bad at once, the other boots.
slot a v3
expect_exit "set-primary a" 0 '' "$RB" set-primary a
rm "$FW/trustcam/a/vmlinuz"
expect_exit "a trial slot without its kernel: B boots" 0 '^b kernel v2$' power_on
expect_exit "A is bad" 0 '^bad$' "$RB" get-state a

# uboot.env torn by a power cut: confirmed.env's order, nothing counted.
expect_exit "set-primary a, whole again" 0 '' "$RB" set-primary a
dd if=/dev/urandom of="$FW/uboot.env" bs=1 count=64 seek=8 conv=notrunc status=none
expect_exit "with a torn uboot.env, rauc-boot reads confirmed.env's order" 0 '^b$' "$RB" get-primary
expect_exit "and writes a whole environment again" 0 '' "$RB" set-state a good
check "one fw_printenv reads" sh -c 'fw_printenv -c "$1" >/dev/null' _ "$T/fw_env.config"
check "with U-Boot's settings" test "$(env_get bootdelay)/$(env_get BOOT_a_LEFT)" = "-2/3"
dd if=/dev/urandom of="$FW/uboot.env" bs=1 count=64 seek=8 conv=notrunc status=none
expect_exit "U-Boot, with a torn uboot.env, boots confirmed.env's first" 0 '^b kernel v2$' power_on

# Power cuts: stop after each write of an install (set-primary a, on B)
# and of its confirmation; from there, power on as the device would: a
# slot boots, whole, and the state RAUC reads is coherent with it.
rm -f "$FW/trustcam/a/bad"
cp -a "$FW" "$T/fw.start"
phase() {
	case $1 in
	set-primary) "$RB" set-primary a;;
	confirm) "$RB" confirm;;
	esac
}
setup() {
	rm -rf "$FW"; cp -a "$T/fw.start" "$FW"
	power_on >/dev/null
	"$RB" set-state a bad
	[ "$1" = set-primary ] && return 0
	"$RB" set-primary a
	power_on >/dev/null
}
for ph in set-primary confirm; do
	n=1 bad=
	while :; do
		setup "$ph" 2>/dev/null
		set +e; (export RAUC_BOOT_STOP_AFTER=$n; phase "$ph") >/dev/null 2>&1; rc=$?; set -e
		got=$(power_on 2>&1) || { bad="$bad $n(no boot: $got)"; }
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
