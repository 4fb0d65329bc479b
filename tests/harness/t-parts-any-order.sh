#!/usr/bin/env bash
# Parts that need the build make it themselves when run without the build
# part: here run-all.sh's ensure_built is exercised with a stand-in make
# that records what it was asked for, so no real build or VM runs.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
cat >"$tmp/bin/make" <<'MAKE'
#!/bin/sh
echo "make $*" >>"$STUB_LOG"
exit 1
MAKE
# Nothing past the failed build may run: these stand-ins record any call.
for tool in ctest qemu-system-x86_64; do
	printf '#!/bin/sh\necho "%s $*" >>"$STUB_LOG"\nexit 1\n' "$tool" >"$tmp/bin/$tool"
done
chmod +x "$tmp/bin/"*
rc=0
out=$(PATH=$tmp/bin:$PATH STUB_LOG=$tmp/make.log DMREMAP_TEST_PARTS="userspace integration" \
	DMREMAP_TEST_LOGDIR=$tmp/logs "$REPO/tests/run-all.sh" 2>&1) || rc=$?
fail() { echo "$1"; echo "--- run-all output:"; echo "$out"; exit 1; }
((rc != 0)) || fail "run-all exited 0 although the build failed"
[[ $(grep -c 'module userspace' "$tmp/make.log") == 1 ]] || fail "expected exactly one build attempt, got: $(cat "$tmp/make.log")"
! grep -qE '^(ctest|qemu)' "$tmp/make.log" || fail "a part ran after the failed build: $(cat "$tmp/make.log")"
grep -q "the build these parts need failed" <<<"$out" || fail "no message about the failed build"
[[ $(tail -n1 <<<"$out") == "0 passed, 2 failed" ]] || fail "closing line is not '0 passed, 2 failed'"
