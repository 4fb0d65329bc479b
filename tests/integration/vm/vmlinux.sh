#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/integration/vm/vmlinux.sh -- print the kernel image for QEMU -kernel.
#
# Debian's /boot/vmlinuz is an xz-compressed bzImage. Under TCG the kernel
# spends about 2.5 s just decompressing itself at every boot, so we extract
# the ELF vmlinux once (cached in /var/cache/dm-remap/vmlinux, keyed by the
# vmlinuz's hash) and QEMU boots it directly through its PVH entry point
# (CONFIG_PVH). If anything about that does not hold, we print the vmlinuz
# itself: slower, but it boots. Like scripts/extract-vmlinux in the kernel
# tree, this looks for the compressed stream by its magic number.
#
# DMREMAP_VM_KERNEL_DIR=DIR (a kernel built by vm/debug-kernel.sh): print
# its DIR/bzImage (a KASAN kernel does not boot through PVH: see there).
set -euo pipefail

if [[ -n ${DMREMAP_VM_KERNEL_DIR:-} ]]; then
	[[ -s $DMREMAP_VM_KERNEL_DIR/bzImage ]] || {
		echo "vmlinux.sh: no $DMREMAP_VM_KERNEL_DIR/bzImage (build it with vm/debug-kernel.sh)" >&2
		exit 1
	}
	printf '%s\n' "$DMREMAP_VM_KERNEL_DIR/bzImage"
	exit 0
fi

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
KVER=$("$SCRIPT_DIR/kver.sh")
VMLINUZ=/boot/vmlinuz-$KVER

fallback() {
	echo "vmlinux.sh: $*; booting the compressed $VMLINUZ (slower)" >&2
	printf '%s\n' "$VMLINUZ"
	exit 0
}

grep -qx 'CONFIG_PVH=y' "/boot/config-$KVER" 2>/dev/null || fallback "kernel has no CONFIG_PVH"

cache=${DMREMAP_CACHE_DIR:-/var/cache/dm-remap}/vmlinux
out=$cache/vmlinux-$KVER-$(sha256sum "$VMLINUZ" | cut -c1-16)
if [[ -s $out ]]; then
	printf '%s\n' "$out"
	exit 0
fi
mkdir -p "$cache" || fallback "cannot create $cache"

is_elf() { [[ $(head -c4 "$1" | od -An -c | tr -d ' ') == '177ELF' ]]; }

# magic (as grep -P bytes) and decompressor, in the order Debian is likely
# to use them.
try() {
	local magic=$1 off
	shift
	command -v "$1" >/dev/null || return 1
	while read -r off; do
		# Decompressors complain about the data after the stream; the ELF
		# check below tells whether what came out is the kernel.
		tail -c +$((off + 1)) "$VMLINUZ" | "$@" >"$tmp" 2>/dev/null || true
		if [[ -s $tmp ]] && is_elf "$tmp"; then
			mv -f "$tmp" "$out"
			return 0
		fi
	done < <(LC_ALL=C grep -aboP "$magic" "$VMLINUZ" | cut -d: -f1)
	return 1
}

tmp=$out.$$.tmp # private: two runs may build the cache at once
if try '\xfd7zXZ\x00' xz -dc || try '\x28\xb5\x2f\xfd' zstd -dcq || try '\x1f\x8b\x08' gzip -dc; then
	find "$cache" -maxdepth 1 -name 'vmlinux-*' ! -name '*.tmp' ! -path "$out" -delete
	printf '%s\n' "$out"
else
	rm -f "$tmp"
	fallback "could not extract an ELF vmlinux from $VMLINUZ"
fi
