#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of the integration harness, with in-tree targets only: if this
# fails, the dm-remap scenarios' results mean nothing. Checks that the
# guest is set up as promised (repo, results share, udev-less /dev/mapper
# nodes), that dm-linear data round-trips over a loop device, that the
# `error` target's segment fails I/O, and that lib.sh's helpers work.
# timeout: 300
source "$(dirname "$0")/../lib.sh"

log "guest environment"
assert_eq "$REPO" "$(pwd -P)" "cwd is the repository root"
[[ -f $REPO/tests/integration/lib.sh ]] || die "repository not visible in the guest"
assert_eq 0 "$(id -u)" "running as root"
assert_eq 1 "${DM_DISABLE_UDEV:-}" "DM_DISABLE_UDEV"
echo "written in the guest" >"$SCENARIO_OUT/probe.txt"
assert_eq "written in the guest" "$(<"$SCENARIO_OUT/probe.txt")" "results share round trip"
# a module in Debian's kernel, built in in the debug kernel (make test-debug)
[[ -d /sys/module/dm_mod ]] || die "device-mapper (dm-mod) is neither loaded nor built in"
if [[ -f $REPO/kernel/dm-remap.ko ]]; then
	# Installed by the VM's init; only resolve it, never load it here: the
	# harness must pass whatever state the module is in.
	assert_eq "/lib/modules/$(uname -r)/updates/dm-remap.ko" "$(modinfo -n dm_remap)" \
		"modprobe's path for dm_remap"
fi

log "lib.sh self-checks"
assert_fails false
assert_eq 1 "$ASSERT_STATUS" "assert_fails records the status"
assert_fails ls /nonexistent-dmremap
assert_contains "$ASSERT_STDERR" "No such file" "assert_fails captures stderr"
# A helper that should fail must exit non-zero (in a subshell: it exits).
if (assert_eq a b "deliberate mismatch") 2>/dev/null; then die "assert_eq accepted a mismatch"; fi
if (assert_fails true) 2>/dev/null >/dev/null; then die "assert_fails accepted a success"; fi

mark=$(kernel_log_mark)
kmsg "hello from the harness self-test"
assert_contains "$(kernel_log_since_mark "$mark")" "hello from the harness self-test" \
	"kernel_log_since_mark sees a later message"
mark2=$(kernel_log_mark)
if kernel_log_since_mark "$mark2" | grep -q "hello from the harness self-test"; then
	die "kernel_log_since_mark returned lines from before the mark"
fi

# 64 MiB = 131072 sectors.
lo=$(mk_loop 64M main)
[[ -b $lo ]] || die "mk_loop did not give a block device: $lo"
assert_eq 131072 "$(blockdev --getsz "$lo")" "loop device size in sectors"

log "dm-linear: write, read back, compare"
dm_create harness-linear "0 131072 linear $lo 0"
assert_eq "0 131072 linear $(stat -Lc '%Hr:%Lr' "$lo") 0" "$(dmsetup table harness-linear)" "linear table"
head -c 4M /dev/urandom >"$SCENARIO_OUT/pattern"
# Direct I/O at an offset, so the data really goes through the target.
dd if="$SCENARIO_OUT/pattern" of=/dev/mapper/harness-linear bs=1M seek=8 oflag=direct status=none
dd if=/dev/mapper/harness-linear of="$SCENARIO_OUT/readback" bs=1M skip=8 count=4 iflag=direct status=none
cmp "$SCENARIO_OUT/pattern" "$SCENARIO_OUT/readback" || die "data read back through dm-linear differs"
# And it landed at the right place on the loop device underneath.
cmp <(dd if="$lo" bs=1M skip=8 count=4 iflag=direct status=none) "$SCENARIO_OUT/pattern" ||
	die "data not at the expected offset on $lo"
dm_remove harness-linear
[[ ! -e /dev/mapper/harness-linear ]] || die "/dev/mapper/harness-linear still exists after remove"

log "linear + error segments"
# Sectors 0-2047 linear, 2048-4095 error, 4096-131071 linear.
dm_create harness-err "0 2048 linear $lo 0
2048 2048 error
4096 126976 linear $lo 4096"
dev=/dev/mapper/harness-err
dd if=$dev of=/dev/null bs=4096 count=256 iflag=direct status=none || die "read of the first linear segment failed"
dd if=$dev of=/dev/null bs=4096 skip=1024 count=256 iflag=direct status=none || die "read of the last segment failed"
# 4 KiB block 256 = sector 2048, the first of the error segment.
assert_fails dd if=$dev of=/dev/null bs=4096 skip=256 count=1 iflag=direct status=none
assert_contains "$ASSERT_STDERR" "Input/output error" "error target read"
assert_fails dd if=/dev/zero of=$dev bs=4096 seek=300 count=1 oflag=direct status=none
assert_contains "$ASSERT_STDERR" "Input/output error" "error target write"
# A read spanning the boundary (sectors 2040-2055) fails as a whole.
assert_fails dd if=$dev of=/dev/null bs=4096 skip=255 count=2 iflag=direct status=none
# Our dd's use direct I/O; a buffered read of the error segment means
# something else (udev's blkid) reads the devices under test behind the
# scenario's back, which would disturb dm-remap's error counters. (With
# DMREMAP_VM_UDEV=full, udev is allowed to, and does.)
if [[ ${DMREMAP_VM_UDEV:-} != full ]] && kernel_log_since_mark "$mark" | grep -q 'Buffer I/O error'; then
	die "something else read the device: $(kernel_log_since_mark "$mark" | grep 'Buffer I/O error')"
fi

log "device left for cleanup to remove"
# Not removed here on purpose: the EXIT trap must remove it (and the harness
# fails this scenario if it did not).
dmsetup create harness-leftover --table "0 8 zero"
