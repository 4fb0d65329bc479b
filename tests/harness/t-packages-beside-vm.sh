#!/usr/bin/env bash
# With packages before integration, run-all.sh builds the packages beside
# the VM: the build starts before integration and holds build/deb.lock from
# its start, so that integration (here a stand-in for run.sh that does what
# run.sh does before its systemd VM) finds the lock held and, waiting on
# it, sees the packages finished. The packages line follows integration's
# and counts; a failed package build is counted and its log shown. Stand-in
# make and run.sh: no real build or VM runs.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
lock=$REPO/build/deb.lock
# make -s deb: a build of one second that says when it ended; any other
# target (the build integration needs) succeeds at once.
cat >"$tmp/bin/make" <<'MAKE'
#!/bin/sh
case "$*" in
*deb*)
	echo "nice $(cut -d' ' -f19 /proc/self/stat)" >>"$STUB_LOG"
	sleep 1
	echo "deb built" >>"$STUB_LOG"
	echo "the package build says why it failed"
	exit "$STUB_DEB_RC" ;;
esac
MAKE
cat >"$tmp/bin/integration" <<STUB
#!/usr/bin/env bash
exec 7<"$lock"
if flock -n -s 7; then echo "lock free at integration start" >>"\$STUB_LOG"; fi
flock -s 7
echo "integration past the lock" >>"\$STUB_LOG"
echo "integration: 1 passed, 0 failed"
STUB
chmod +x "$tmp/bin/"*

run() { # DEB_RC
	rc=0
	: >"$tmp/log"
	out=$(PATH=$tmp/bin:$PATH STUB_LOG=$tmp/log STUB_DEB_RC=$1 DMREMAP_TEST_PARTS="packages integration" \
		DMREMAP_INTEGRATION_RUN=$tmp/bin/integration DMREMAP_TEST_LOGDIR=$tmp/logs \
		"$REPO/tests/run-all.sh" 2>&1) || rc=$?
}
fail() { echo "$1"; echo "--- run-all output:"; echo "$out"; echo "--- stub log:"; cat "$tmp/log"; exit 1; }

run 0
((rc == 0)) || fail "run-all exited $rc"
! grep -q "lock free" "$tmp/log" || fail "integration started with build/deb.lock free"
[[ $(sed -n 1p "$tmp/log") == "nice 19" ]] || fail "the package build does not run at nice 19"
[[ $(sed -n 2p "$tmp/log") == "deb built" && $(sed -n 3p "$tmp/log") == "integration past the lock" ]] ||
	fail "integration went past the lock before the packages were built"
[[ $(grep '^== ' <<<"$out" | tr '\n' '|') == "== integration: 1 passed, 0 failed|== packages: 1 passed, 0 failed|" ]] ||
	fail "expected integration's line, then the packages'"
[[ $(tail -n1 <<<"$out") == "2 passed, 0 failed" ]] || fail "closing line is not '2 passed, 0 failed'"

run 1
((rc != 0)) || fail "run-all exited 0 although the package build failed"
grep -q "the package build says why it failed" <<<"$out" || fail "the failed build's log is not shown"
grep -q "exited with status 1" "$tmp/logs/packages.log" || fail "the log does not give the exit status"
[[ $(tail -n1 <<<"$out") == "1 passed, 1 failed" ]] || fail "closing line is not '1 passed, 1 failed'"
