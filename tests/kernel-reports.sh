#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/kernel-reports.sh -- find the kernel's own reports of a bug in a
# kernel log (UML KUnit test.log, a VM console log, dmesg): KASAN, KFENCE,
# lockdep, sleeping in atomic context, debugobjects, kmemleak, UBSAN, any
# "BUG:" or WARN(), oopses, panics and hung tasks. Test results alone miss
# these: a case can pass while the kernel complains.
#
# Usage: tests/kernel-reports.sh [--after ERE] LOG
#   LOG          a file, or - for stdin
#   --after ERE  ignore the lines before the first one matching ERE (e.g.
#                the boot before the KUnit suites start); if no line
#                matches, nothing is scanned
#
# For each report: a line "kernel report at LOG:N: <its first line>" and
# up to 20 lines of it indented by "    | ". Then one line
# "kernel-reports: N report(s) in LOG".
#
# Exit status: 0 no report, 1 at least one report, 2 usage error or LOG
# unreadable.
set -uo pipefail

after=
while (($#)); do
	case $1 in
	--after) (($# >= 2)) || { echo "kernel-reports: --after needs an ERE" >&2; exit 2; }
		after=$2; shift 2 ;;
	-h|--help) sed -n '4,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	--) shift; break ;;
	-) break ;;
	-*) echo "kernel-reports: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
done
(($# == 1)) || { echo "usage: tests/kernel-reports.sh [--after ERE] LOG" >&2; exit 2; }
log=$1
[[ $log == - || (-f $log && -r $log) ]] || { echo "kernel-reports: cannot read '$log'" >&2; exit 2; }

# The first line of each kind of report, after the printk time stamp:
#   BUG: ...            KASAN, KFENCE, sleeping function called from invalid
#                       context, scheduling while atomic, bad spinlock, NULL
#                       pointer dereference, soft lockup, ...
#   WARNING: ...        WARN_ON() and every lockdep splat (circular or
#                       recursive locking, inconsistent lock state, bad
#                       unlock balance, suspicious RCU usage, lock held when
#                       returning to user space, ...)
#   kernel BUG at       BUG_ON()
#   INFO: ...           lockdep's "trying to register non-static key", hung
#                       tasks (not RCU stalls: TCG on busy cores has them)
#   ODEBUG: / UBSAN: / Oops / general protection fault / Kernel panic
#   kmemleak: N new suspected memory leaks, unreferenced object (kmemleak)
#   DEBUG_LOCKS_WARN_ON / list_add corruption / stack-protector
name=$log
[[ $log != - ]] || name=stdin
awk -v after="$after" -v name="$name" '
	function flush(   i) {
		if (!open) return
		for (i = 1; i <= nctx; i++) print "    | " ctx[i]
		open = 0
	}
	{
		sub(/\r$/, "")
		gsub(/\033\[[0-9;]*m/, "")
	}
	after != "" && !started { if ($0 ~ after) started = 1; else next }
	{
		line = $0
		sub(/^[[:space:]]*(<[0-9]>)?(\[[[:space:]]*[0-9]+\.[0-9]+\][[:space:]]*)?(\[[[:space:]]*[TC][0-9]+\][[:space:]]*)?/, "", line)
		hit = line ~ /^(BUG: |WARNING: |kernel BUG at |ODEBUG: |UBSAN: |Oops|general protection fault|Kernel panic|INFO: (task .* blocked for more than|trying to register non-static key|lockdep is turned off|possible irq lock inversion))/ ||
		      line ~ /(kmemleak: [0-9]+ new suspected memory leak|^unreferenced object 0x|DEBUG_LOCKS_WARN_ON|list_(add|del) corruption|stack-protector: Kernel stack is corrupted)/
		# The message of a WARN() follows its "WARNING: CPU: ..." line
		# (ODEBUG, list corruption, DEBUG_LOCKS_WARN_ON): one report.
		part = open && nctx == 1 && ctx[1] ~ /^WARNING: CPU: / && line !~ /^(BUG|WARNING): /
		if (hit && !part) {
			flush()
			n++
			printf "kernel report at %s:%d: %s\n", name, NR, line
			open = 1; nctx = 0
		}
		if (open) {
			if (nctx < 20) ctx[++nctx] = line
			else flush()
		}
	}
	END {
		flush()
		printf "kernel-reports: %d report(s) in %s\n", n, name
		exit (n > 0 ? 1 : 0)
	}
' "$log"
