# layout.sh - the disk layout every board's image shares (sourced by
# mkimage and image-test; tools/image/README.md draws it).
#
#   1 MiB    GPT (primary), or the MBR (PTABLE=dos: rpi4)
#   BOOT_MB  boot: EFI system partition, or the Pi's firmware partition
#   SLOT_MB  trustcam-root-a  squashfs, the running system (read-only)
#   SLOT_MB  trustcam-root-b  empty: the other slot, for updates
#   DATA_MB  trustcam-data    ext4 at /var/lib/trustcam (device state)
#   1 MiB    GPT (backup; unused with an MBR)
#
# Every UUID is derived from the board and the partition's name, so two
# builds of one board lay out the same disk.

DATA_TYPE=0fc63daf-8483-4772-8e79-3d69d8477de4   # Linux file system data

# layout_uuid BOARD NAME: a fixed, version-4-shaped UUID for NAME.
layout_uuid() {
	printf 'trustcam image %s %s' "$1" "$2" | sha256sum |
		sed -E 's/^(.{8})(.{4}).(.{3}).(.{3})(.{12}).*/\1-\2-4\3-8\4-\5/'
}

# layout_offsets: start (MiB) of each partition, in LAYOUT_BOOT,
# LAYOUT_A, LAYOUT_B, LAYOUT_DATA; the disk's size in LAYOUT_MB.
layout_offsets() {
	LAYOUT_BOOT=1
	LAYOUT_A=$((LAYOUT_BOOT + BOOT_MB))
	LAYOUT_B=$((LAYOUT_A + SLOT_MB))
	LAYOUT_DATA=$((LAYOUT_B + SLOT_MB))
	LAYOUT_MB=$((LAYOUT_DATA + DATA_MB + 1))
}

# layout_assemble DIR IMAGE BOARD: DIR/boot.part, root.part and data.part
# into a new disk IMAGE (a sparse file: no loop device), partitioned by
# the board's PTABLE (gpt, the default, or dos).
layout_assemble() {
	layout_offsets
	truncate -s "${LAYOUT_MB}M" "$2"
	mib=2048	# sectors of 512 bytes in one MiB
	"layout_table_${PTABLE:-gpt}" "$@" | sfdisk --quiet --no-reread --no-tell-kernel "$2"
	dd if="$1/boot.part" of="$2" bs=1M seek="$LAYOUT_BOOT" conv=notrunc,sparse status=none
	dd if="$1/root.part" of="$2" bs=1M seek="$LAYOUT_A" conv=notrunc,sparse status=none
	dd if="$1/data.part" of="$2" bs=1M seek="$LAYOUT_DATA" conv=notrunc,sparse status=none
}

# layout_table_gpt DIR IMAGE BOARD: the GPT, as sfdisk's script; partitions
# found by PARTLABEL.
layout_table_gpt() {
	cat <<-GPT
	label: gpt
	label-id: $(layout_uuid "$3" disk)
	unit: sectors
	first-lba: 2048
	start=$((LAYOUT_BOOT * mib)), size=$((BOOT_MB * mib)), type=$BOOT_TYPE, uuid=$(layout_uuid "$3" boot), name=trustcam-boot
	start=$((LAYOUT_A * mib)), size=$((SLOT_MB * mib)), type=$ROOT_TYPE, uuid=$(layout_uuid "$3" root-a), name=trustcam-root-a
	start=$((LAYOUT_B * mib)), size=$((SLOT_MB * mib)), type=$ROOT_TYPE, uuid=$(layout_uuid "$3" root-b), name=trustcam-root-b
	start=$((LAYOUT_DATA * mib)), size=$((DATA_MB * mib)), type=$DATA_TYPE, uuid=$(layout_uuid "$3" data), name=trustcam-data
	GPT
}

# layout_table_dos DIR IMAGE BOARD: the MBR (four primary partitions, in
# the same places as the GPT's), as sfdisk's script.  An MBR has no
# partition names: the root is PARTUUID=<disk id>-02 (layout_partuuid).
layout_table_dos() {
	cat <<-DOS
	label: dos
	label-id: 0x$(layout_disk_id "$3")
	unit: sectors
	start=$((LAYOUT_BOOT * mib)), size=$((BOOT_MB * mib)), type=$BOOT_TYPE, bootable
	start=$((LAYOUT_A * mib)), size=$((SLOT_MB * mib)), type=$ROOT_TYPE
	start=$((LAYOUT_B * mib)), size=$((SLOT_MB * mib)), type=$ROOT_TYPE
	start=$((LAYOUT_DATA * mib)), size=$((DATA_MB * mib)), type=83
	DOS
}

# layout_disk_id BOARD: the MBR's disk identifier (8 hex digits).
layout_disk_id() {
	layout_uuid "$1" disk | cut -c1-8
}

# layout_partuuid BOARD N: the kernel's PARTUUID of partition N on an MBR.
layout_partuuid() {
	printf '%s-%02d\n' "$(layout_disk_id "$1")" "$2"
}

# layout_fat STAGE PART LABEL BOARD: a FAT32 file system of BOOT_MB in the
# file PART holding the tree STAGE, every time stamp SOURCE_DATE_EPOCH,
# the volume id derived from the board, files added in sorted order.
layout_fat() {
	find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
	rm -f "$2"
	mkfs.vfat -F 32 -n "$3" -i "$(layout_uuid "$4" boot | cut -c1-8)" --invariant -C "$2" $((BOOT_MB * 1024)) >/dev/null
	(cd "$1" && for d in $(find . -mindepth 1 -type d | sort); do mmd -i "$2" "::${d#.}"; done
	 for f in $(find . -type f | sort); do mcopy -m -i "$2" "$f" "::${f#.}"; done)
}
