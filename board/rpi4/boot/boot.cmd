# boot.cmd - U-Boot's boot script on rpi4 (boot.scr on the boot partition,
# made by tools/image/boot-rpi with mkimage; @CMDLINE@ is rpi4.conf's
# CMDLINE).  The Pi firmware starts U-Boot (config.txt: kernel=u-boot.bin),
# U-Boot runs this script, the script picks a root slot and boots its
# kernel, initrd and device tree from trustcam/SLOT/.
#
# The choice, in U-Boot's environment (uboot.env on this partition; RAUC's
# backend /usr/lib/trustcam/rauc-boot writes it with fw_setenv):
#   BOOT_ORDER    the slots by preference, "a b" or "b a"
#   BOOT_a_LEFT   unset: slot a is confirmed (it booted and its boot check
#   BOOT_b_LEFT   passed), it boots without counting; N > 0: slot a is on
#                 trial with N boots left, one is taken (and saved) before
#                 its kernel loads; 0: bad, never booted while another slot
#                 can be
# A trial that never confirms therefore ends after its boots, and the next
# slot of BOOT_ORDER boots: the fall-back.  Without a BOOT_ORDER (a new
# card, or uboot.env torn by a power cut: U-Boot then has its built-in
# environment) trustcam/confirmed.env names the order as it was when a slot
# was last confirmed.
#
# No other way to boot: no boot delay (no key stops it), no USB or network
# boot; a slot that cannot be loaded is marked bad and the board resets.

if test "${bootdelay}" != "-2"; then
	setenv bootdelay -2
	setenv bootcmd 'load mmc 0:1 0x02400000 boot.scr && source 0x02400000; reset'
	setenv trustcam_save 1
fi
if test -z "${BOOT_ORDER}"; then
	echo "trustcam: no BOOT_ORDER in the environment: trustcam/confirmed.env"
	if load mmc 0:1 0x02500000 trustcam/confirmed.env; then
		env import -t 0x02500000 ${filesize} BOOT_ORDER
	fi
	test -n "${BOOT_ORDER}" || setenv BOOT_ORDER "a b"
	setenv trustcam_save 1
fi

setenv trustcam_slot
for s in ${BOOT_ORDER}; do
	if test -z "${trustcam_slot}"; then
		if test "${s}" = a; then
			setenv trustcam_left "${BOOT_a_LEFT}"
		elif test "${s}" = b; then
			setenv trustcam_left "${BOOT_b_LEFT}"
		else
			setenv trustcam_left 0
		fi
		if test -z "${trustcam_left}"; then
			setenv trustcam_slot ${s}
		elif test ${trustcam_left} -gt 0; then
			setexpr trustcam_left ${trustcam_left} - 1
			setenv BOOT_${s}_LEFT ${trustcam_left}
			setenv trustcam_slot ${s}
			setenv trustcam_save 1
		fi
	fi
done
if test -z "${trustcam_slot}"; then
	echo "trustcam: no slot of BOOT_ORDER (${BOOT_ORDER}) has a boot left: the first"
	for s in ${BOOT_ORDER}; do
		test -n "${trustcam_slot}" || setenv trustcam_slot ${s}
	done
fi
if test "${trustcam_slot}" = b; then setenv trustcam_part 3; else setenv trustcam_slot a; setenv trustcam_part 2; fi
setenv trustcam_left
if test -n "${trustcam_save}"; then
	setenv trustcam_save
	saveenv
fi

part uuid mmc 0:${trustcam_part} trustcam_root
setenv bootargs "root=PARTUUID=${trustcam_root} rauc.slot=${trustcam_slot} rootfstype=squashfs ro rootwait @CMDLINE@"
echo "trustcam: slot ${trustcam_slot} (BOOT_ORDER ${BOOT_ORDER}; boots left: a ${BOOT_a_LEFT}, b ${BOOT_b_LEFT}): ${bootargs}"

# Fixed addresses, none from U-Boot's built-in environment (a uboot.env
# written by fw_setenv holds only what it was given): this script at
# 0x02400000 (as the built-in environment's scriptaddr), confirmed.env
# above it, the kernel (Debian's arm64 Image, uncompressed, about 33 MB)
# at the next 2 MiB boundary so booti does not move it, its device tree
# after it, the initrd above the firmware's device tree (0x08000000 on
# qemu's raspi3b).
setenv kernel_addr_r 0x02600000
setenv fdt_addr_r 0x06800000
setenv ramdisk_addr_r 0x08400000
if load mmc 0:1 ${kernel_addr_r} trustcam/${trustcam_slot}/vmlinuz; then
	if load mmc 0:1 ${ramdisk_addr_r} trustcam/${trustcam_slot}/initrd.img; then
		setenv trustcam_initrd ${ramdisk_addr_r}:${filesize}
		if load mmc 0:1 ${fdt_addr_r} trustcam/${trustcam_slot}/${fdtfile}; then
			setenv trustcam_fdt ${fdt_addr_r}
		else
			echo "trustcam: no trustcam/${trustcam_slot}/${fdtfile}: the device tree of the firmware"
			setenv trustcam_fdt ${fdt_addr}
		fi
		booti ${kernel_addr_r} ${trustcam_initrd} ${trustcam_fdt}
	fi
fi
echo "trustcam: slot ${trustcam_slot} did not start: marked bad, reset"
setenv BOOT_${trustcam_slot}_LEFT 0
saveenv
reset
