#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/run-all.sh -- every test of dm-remap, as `make test` runs it:
#   harness      the harness itself works with no caches (tests/harness)
#   build        the module and userspace build with zero warnings
#   checkpatch   checkpatch.pl --strict is clean on the kernel sources
#   userspace    GoogleTest suites through ctest
#   kunit        KUnit suites in a UML kernel (tests/kunit/run.sh)
#   packages     the Debian packages build and pass lintian (make deb); the
#                integration scenario 90-packages installs them in the VM.
#                When integration comes later in the run, the package build
#                runs beside the VM instead (nice 19, so it takes only the
#                CPU the VM leaves idle), and its line is printed after
#                integration's; run.sh waits for it before the systemd VM
#                that installs the packages.
#   integration  scenarios in a QEMU VM (tests/integration/run.sh)
# Each part's own summary is printed as it finishes; the last line adds them
# up as "N passed, N failed". Exit status 0 only if nothing failed.
#
# DMREMAP_TEST_PARTS="kunit integration" runs only those parts, in that
# order; any subset in any order works from a machine with no caches.
# DMREMAP_CACHE_DIR (default /var/cache/dm-remap) holds every cache the
# parts keep (KUnit tree, VM kernel and initramfs); scripts/test-fresh.sh
# runs the suite from a clean clone with an empty one.
# DMREMAP_INTEGRATION_RUN (for the harness's own tests) runs instead of
# tests/integration/run.sh.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$REPO"
parts=${DMREMAP_TEST_PARTS:-harness build checkpatch userspace kunit packages integration}
logdir=${DMREMAP_TEST_LOGDIR:-$REPO/build/test-logs}
mkdir -p "$logdir"
passed=0 failed=0

count() { # part pass fail
	passed=$((passed + $2))
	failed=$((failed + $3))
	printf '== %s: %d passed, %d failed\n' "$1" "$2" "$3"
}

# A part that runs no countable tests of its own counts as one test. Its
# log always ends with its exit status, so a part that fails without a word
# still says how it ended.
single() { # part command...
	local part=$1 rc=0
	shift
	"$@" >"$logdir/$part.log" 2>&1 || rc=$?
	single_result "$part" "$rc" "$@"
}

# single_result PART RC COMMAND...: counts a single part that ended with RC
# (its output in $logdir/PART.log), as single does.
single_result() {
	local part=$1 rc=$2 log=$logdir/$1.log
	shift 2
	if ((rc == 0)); then
		count "$part" 1 0
		return
	fi
	[[ -s $log ]] || echo "-- $part printed nothing before it failed" >>"$log"
	echo "-- $part: '$*' exited with status $rc" >>"$log"
	echo "-- $part failed; its log ($log):"
	tail -n 60 "$log"
	count "$part" 0 1
}

# The userspace and integration parts need the build; run alone (or before
# the build part) they make it first, so any order of parts works.
# build_rc: empty until a build ran, then its exit status.
build_rc=
ensure_built() {
	if [[ -z $build_rc ]]; then
		build_rc=0
		make -s module userspace >"$logdir/prepare-build.log" 2>&1 || build_rc=$?
		if ((build_rc != 0)); then
			echo "-- the build these parts need failed; its log ($logdir/prepare-build.log):"
			tail -n 40 "$logdir/prepare-build.log"
		fi
	fi
	return "$build_rc"
}

build_clean() {
	build_rc=0
	make -s module userspace 2>&1 | tee "$logdir/build-output.log" || build_rc=$?
	((build_rc == 0)) && ! grep -E 'warning:|error:' "$logdir/build-output.log"
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

# The package build beside the VM: it needs no VM, and the VM's scenarios
# but 90-packages need no packages, so it need not add its minutes to the
# run. It holds build/deb.lock (scripts/build-deb.sh) from before it starts,
# so that run.sh, which takes that lock before the systemd VM, cannot boot
# it on packages not yet built. pkg_pid: the build's pid while it runs.
pkg_pid=
packages_beside_vm() {
	local lock=$REPO/build/deb.lock fd
	mkdir -p "${lock%/*}"
	exec {fd}>"$lock"
	flock -x "$fd"
	DMREMAP_DEB_LOCK_HELD=1 nice -n 19 make -s deb >"$logdir/packages.log" 2>&1 &
	pkg_pid=$!
	# Only the build keeps the lock: closed here, run.sh does not inherit it.
	exec {fd}>&-
}

packages_collect() {
	local rc=0
	wait "$pkg_pid" || rc=$?
	pkg_pid=
	single_result packages "$rc" make -s deb
}

# later PART: PART comes after the part being run.
later() {
	local rest=${parts#*"$part"}
	[[ " $rest " == *" $1 "* ]]
}

for part in $parts; do
	case $part in
	build) single build build_clean ;;
	checkpatch) single checkpatch scripts/checkpatch.sh ;;
	harness)
		tests/harness/run.sh >"$logdir/harness.log" 2>&1
		grep -E '^(PASS|FAIL|    \|)' "$logdir/harness.log" | grep -v '^PASS' | head -n 60
		from_summary harness "$logdir/harness.log"
		;;
	packages)
		if later integration; then
			packages_beside_vm
		else
			single packages make -s deb
		fi
		;;
	userspace)
		ensure_built || { count userspace 0 1; continue; }
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
		ensure_built || { count integration 0 1; continue; }
		"${DMREMAP_INTEGRATION_RUN:-tests/integration/run.sh}" 2>&1 | tee "$logdir/integration.log"
		from_summary integration "$logdir/integration.log"
		[[ -z $pkg_pid ]] || packages_collect
		;;
	*) echo "run-all: unknown part $part" >&2; count "$part" 0 1 ;;
	esac
done

# A run that skipped integration's end (its build failed) still waits for
# the package build and counts it.
[[ -z $pkg_pid ]] || packages_collect
echo "$passed passed, $failed failed"
((failed == 0))
