#!/usr/bin/env bash
# tests/kernel-reports.sh, the scan tests/kunit/run.sh runs over the UML
# kernel log (and the debug VM run over its console), finds a KASAN
# report, a lockdep splat and a WARN in a log whose test results all
# passed, ignores what comes before --after's line, counts a report once
# however many of its lines match, reads stdin for -, and refuses a log it
# cannot read.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
scan=$REPO/tests/kernel-reports.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "$1"; echo "--- kernel-reports.sh output (exit $rc):"; echo "$out"; exit 1; }
run() { rc=0; out=$("$scan" "$@" 2>&1) || rc=$?; }
after=(--after '^[[:space:]]*K?TAP version')

# A boot that WARNs before the suites start, then passing suites.
cat >"$tmp/clean.log" <<'LOG'
Linux version 6.1.0 (UML)
------------[ cut here ]------------
WARNING: CPU: 0 PID: 1 at arch/um/drivers/virt-pci.c:886 0x60005364
No virtio device ID configured for PCI - no PCI support
---[ end trace 0000000000000000 ]---
KTAP version 1
1..1
    KTAP version 1
    # Subtest: dm_remap_table
    1..1
    ok 1 table_insert
ok 1 dm_remap_table
LOG
run "${after[@]}" "$tmp/clean.log"
((rc == 0)) || fail "a clean run (a WARN only before the first KTAP line) is not clean"
grep -q '^kernel-reports: 0 report(s) in ' <<<"$out" || fail "no '0 report(s)' summary"
run "$tmp/clean.log"
((rc == 1)) || fail "without --after, the boot's WARNING is not reported"

# The same with a KASAN report inside a passing suite.
{
	sed '$d' "$tmp/clean.log"
	cat <<'LOG'
    ok 2 table_remove
==================================================================
BUG: KASAN: use-after-free in remap_table_lookup+0x5c/0x80
Read of size 8 at addr 000000006a29f183 by task kunit_try_catch/108
==================================================================
ok 1 dm_remap_table
LOG
} >"$tmp/kasan.log"
run "${after[@]}" "$tmp/kasan.log"
((rc == 1)) || fail "a KASAN report is not found"
grep -q "^kernel report at $tmp/kasan.log:14: BUG: KASAN: use-after-free in remap_table_lookup" <<<"$out" ||
	fail "the KASAN report is not named with its line"
grep -q '^    | Read of size 8 at addr' <<<"$out" || fail "the report's next lines are not shown"
grep -q '^kernel-reports: 1 report(s) in ' <<<"$out" || fail "the KASAN report does not count once"

# A VM console: time stamps, carriage returns, a lockdep splat, a
# debugobjects warning (two matching lines, one report), a kmemleak leak.
printf '%s\r\n' \
	'[    1.000000] dm_remap: loaded' \
	'[    2.000000] ======================================================' \
	'[    2.000001] WARNING: possible circular locking dependency detected' \
	'[    2.000002] 6.1.0-dbg #1 Not tainted' \
	'[    3.000000] ------------[ cut here ]------------' \
	'[    3.000001] WARNING: CPU: 1 PID: 80 at lib/debugobjects.c:505 debug_print_object+0x1/0x2' \
	'[    3.000002] ODEBUG: free active (active state 0) object type: work_struct hint: remap_worker+0x0/0x10' \
	'[    4.000000] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)' \
	>"$tmp/console.log"
run "$tmp/console.log"
((rc == 1)) || fail "a console log with reports is clean"
grep -q ':3: WARNING: possible circular locking dependency detected$' <<<"$out" ||
	fail "the lockdep splat is not named (time stamp and CR stripped)"
grep -q ':6: WARNING: CPU: 1 PID: 80 at lib/debugobjects.c' <<<"$out" || fail "the debugobjects report is not named"
grep -q '^    | .*ODEBUG: free active' <<<"$out" || fail "the debugobjects message is not shown"
grep -q ':8: kmemleak: 2 new suspected memory leaks' <<<"$out" || fail "the kmemleak report is not named"
grep -q '^kernel-reports: 3 report(s) in ' <<<"$out" || fail "not 3 reports (a WARNING and its ODEBUG message are one)"

# - reads stdin (lib.sh's assert_kernel_log_clean pipes dmesg in).
rc=0
out=$("$scan" - <"$tmp/kasan.log" 2>&1) || rc=$?
((rc == 1)) || fail "the KASAN report on stdin is not found"
grep -q '^kernel report at stdin:' <<<"$out" || fail "stdin is not named as such"

# --after that never matches scans nothing; an unreadable log is an error.
run --after '^no such line$' "$tmp/console.log"
((rc == 0)) || fail "--after without a matching line scanned the log"
run "$tmp/missing.log"
((rc == 2)) || fail "a missing log did not exit 2"
grep -q "cannot read '$tmp/missing.log'" <<<"$out" || fail "a missing log is not named"
