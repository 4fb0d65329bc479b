#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/integration/vm/kver.sh -- print the kernel release the VM boots.
#
# The module is built against the installed Debian headers
# (/usr/src/linux-headers-<KVER>), so the VM must boot exactly that kernel:
# a module built for one release does not load into another. We therefore
# take the releases that have both a headers directory and a bootable
# /boot/vmlinuz-<KVER>, and pick the newest (version sort) if several do.
# Never hard-code the release: Debian bumps the ABI name on kernel updates.
#
# DMREMAP_VM_KERNEL_DIR=DIR (a kernel built by vm/debug-kernel.sh): print
# that kernel's release instead.
set -euo pipefail

if [[ -n ${DMREMAP_VM_KERNEL_DIR:-} ]]; then
	if [[ ! -s $DMREMAP_VM_KERNEL_DIR/release ]]; then
		echo "kver.sh: DMREMAP_VM_KERNEL_DIR=$DMREMAP_VM_KERNEL_DIR has no release file (build it with vm/debug-kernel.sh)" >&2
		exit 1
	fi
	cat "$DMREMAP_VM_KERNEL_DIR/release"
	exit 0
fi

best=
for hdr in /usr/src/linux-headers-*-amd64; do
	[[ -d $hdr ]] || continue
	kver=${hdr#/usr/src/linux-headers-}
	[[ -r /boot/vmlinuz-$kver ]] || continue
	if [[ -z $best ]] || [[ $(printf '%s\n%s\n' "$best" "$kver" | sort -V | tail -n1) == "$kver" ]]; then
		best=$kver
	fi
done

if [[ -z $best ]]; then
	echo "kver.sh: no /usr/src/linux-headers-*-amd64 with a matching readable /boot/vmlinuz-*" >&2
	echo "kver.sh: install a matching pair, e.g. apt-get install linux-image-amd64 linux-headers-amd64" >&2
	exit 1
fi
if [[ ! -d /lib/modules/$best/kernel ]]; then
	echo "kver.sh: /lib/modules/$best/kernel is missing (linux-image-$best not fully installed?)" >&2
	exit 1
fi
printf '%s\n' "$best"
