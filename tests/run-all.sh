#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/run-all.sh -- every test of dm-remap, as `make test` runs it:
#   build        the module and userspace build with zero warnings
#   checkpatch   checkpatch.pl --strict is clean on the kernel sources
#   userspace    GoogleTest suites through ctest
#   kunit        KUnit suites in a UML kernel (tests/kunit/run.sh)
#   packages     the Debian packages build and pass lintian (make deb); the
#                integration scenario 90-packages installs them in the VM
#   integration  scenarios in a QEMU VM (tests/integration/run.sh)
# Each part's own summary is printed as it finishes; the last line adds them
# up as "N passed, N failed". Exit status 0 only if nothing failed.
#
# DMREMAP_TEST_PARTS="kunit integration" runs only those parts.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
parts=${DMREMAP_TEST_PARTS:-build checkpatch userspace kunit packages integration}
logdir=$REPO/build/test-logs
mkdir -p "$logdir"
passed=0 failed=0

count() { # part pass fail
	passed=$((passed + $2))
	failed=$((failed + $3))
	printf '== %s: %d passed, %d failed\n' "$1" "$2" "$3"
}

# A part that runs no countable tests of its own counts as one test.
single() { # part command...
	local part=$1 log=$logdir/$1.log
	shift
	if "$@" >"$log" 2>&1; then
		count "$part" 1 0
	else
		echo "-- $part failed; its log ($log):"
		tail -n 60 "$log"
		count "$part" 0 1
	fi
}

build_clean() {
	make -s module userspace 2>&1 | tee "$logdir/build-output.log"
	! grep -E 'warning:|error:' "$logdir/build-output.log"
}

# summary LOG REGEX: pulls "N passed, N failed" style numbers out of a log
from_summary() { # part log
	local line
	line=$(grep -E "^$1: [0-9]+ passed, [0-9]+ failed" "$2" | tail -n1)
	if [[ -z $line ]]; then
		echo "-- $1 printed no summary; end of its log ($2):"
		tail -n 60 "$2"
		count "$1" 0 1
		return
	fi
	read -r p f <<<"$(sed -E 's/.*: ([0-9]+) passed, ([0-9]+) failed.*/\1 \2/' <<<"$line")"
	count "$1" "$p" "$f"
}

for part in $parts; do
	case $part in
	build) single build build_clean ;;
	checkpatch) single checkpatch scripts/checkpatch.sh ;;
	packages) single packages make -s deb ;;
	userspace)
		ctest --test-dir build --output-on-failure >"$logdir/userspace.log" 2>&1
		line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$logdir/userspace.log")
		if [[ -n $line ]]; then
			total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
			bad=$(sed -E 's/.* ([0-9]+) tests failed.*/\1/' <<<"$line")
			((bad == 0)) || grep -E 'Failed|\*\*\*' "$logdir/userspace.log" | head -n 40
			count userspace $((total - bad)) "$bad"
		else
			tail -n 40 "$logdir/userspace.log"
			count userspace 0 1
		fi
		;;
	kunit)
		tests/kunit/run.sh 2>&1 | tee "$logdir/kunit.log" | grep -E '^\[|^kunit:|#' | tail -n 80
		from_summary kunit "$logdir/kunit.log"
		;;
	integration)
		tests/integration/run.sh 2>&1 | tee "$logdir/integration.log"
		from_summary integration "$logdir/integration.log"
		;;
	*) echo "run-all: unknown part $part" >&2; count "$part" 0 1 ;;
	esac
done

echo "$passed passed, $failed failed"
((failed == 0))
