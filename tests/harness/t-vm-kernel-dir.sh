#!/usr/bin/env bash
# DMREMAP_VM_KERNEL_DIR (make test-debug) makes the VM scripts pick that
# kernel's release and image, and a directory without them is refused with
# a message naming what is missing. (No VM boots, no kernel is built.)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
vm=$REPO/tests/integration/vm
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "$1"; echo "--- output:"; echo "$out"; exit 1; }

echo 6.1.999-dmremap-debug >"$tmp/release"
echo not-really-a-kernel >"$tmp/bzImage"
out=$(DMREMAP_VM_KERNEL_DIR=$tmp "$vm/kver.sh" 2>&1) || fail "kver.sh failed"
[[ $out == 6.1.999-dmremap-debug ]] || fail "kver.sh does not print the kernel dir's release"
out=$(DMREMAP_VM_KERNEL_DIR=$tmp "$vm/vmlinux.sh" 2>&1) || fail "vmlinux.sh failed"
[[ $out == "$tmp/bzImage" ]] || fail "vmlinux.sh does not print the kernel dir's bzImage"

rm "$tmp/release" "$tmp/bzImage"
rc=0
out=$(DMREMAP_VM_KERNEL_DIR=$tmp "$vm/kver.sh" 2>&1) || rc=$?
((rc != 0)) || fail "kver.sh accepted a kernel dir without a release file"
grep -q "has no release file" <<<"$out" || fail "kver.sh does not say what is missing"
rc=0
out=$(DMREMAP_VM_KERNEL_DIR=$tmp "$vm/vmlinux.sh" 2>&1) || rc=$?
((rc != 0)) || fail "vmlinux.sh accepted a kernel dir without a bzImage"
grep -q "no $tmp/bzImage" <<<"$out" || fail "vmlinux.sh does not say what is missing"

# Without the variable, the normal kernel (Debian's) is still chosen.
if normal=$("$vm/kver.sh" 2>/dev/null); then
	[[ $normal != *dmremap-debug* ]] || fail "kver.sh picks a debug kernel without DMREMAP_VM_KERNEL_DIR"
fi
