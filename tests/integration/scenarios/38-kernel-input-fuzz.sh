#!/usr/bin/env bash
# Generated inputs at the kernel's every front end (tools/kfuzz.py): table
# lines, messages, sysfs writes and mutated metadata images loaded as
# spares, from a fixed seed (DMREMAP_FUZZ_SEED overrides it; counts:
# DMREMAP_FUZZ_TABLES, _MESSAGES, _SYSFS, _IMAGES). Each input is accepted
# and then works as documented, or refused with a reason in the kernel log
# and nothing changed; the kernel log has no report of a kernel bug
# (tests/kernel-reports.sh over every record read during the run), and a
# valid image still loads and reads back right at the end.
# timeout: 600
source "$(dirname "$0")/../lib.sh"
source "$REPO/tests/integration/remap-lib.sh"

mark=$(kernel_log_mark)
# Thousands of refusals log a line each: keep them off the serial console
# (slow under TCG); the log buffer has them, and kfuzz.py reads every one.
printk=$(cut -f1 /proc/sys/kernel/printk)
echo 3 >/proc/sys/kernel/printk
at_cleanup "echo $printk >/proc/sys/kernel/printk"

declare -A size=([M]=16M [S]=16M [T]=16K [O]=8M [B]=8M [RM]=16M [RS]=4M [IM]=8M [IS]=2M)
args=()
for k in M S T O B RM RS IM IS; do
	dev=$(mk_loop "${size[$k]}" "kfuzz-$k")
	args+=("$k=$dev:/tmp/dmremap-$SCENARIO_NAME-kfuzz-$k.img")
done
# the main device of the table lines holds data at its start
dd if=/dev/urandom of="/tmp/dmremap-$SCENARIO_NAME-kfuzz-M.img" bs=1M count=1 conv=notrunc status=none

rc=0
python3 "$REPO/tests/integration/tools/kfuzz.py" "$SCENARIO_OUT" "${args[@]}" || rc=$?
reports=$("$KERNEL_REPORTS" "$SCENARIO_OUT/kmsg.log" | grep '^kernel report at ' || true)
[[ -z $reports ]] || die "kernel reports during the fuzzing (kmsg.log): $reports"
((rc == 0)) || die "kfuzz.py found $([[ $rc == 1 ]] && echo failing inputs || echo "an error (status $rc)"): see above"
assert_kernel_log_clean "$mark"
log "no kernel report in $(wc -l <"$SCENARIO_OUT/kmsg.log") kernel log lines"
