#!/usr/bin/env bash
# tests/integration/run.sh puts a scenario with "# vm: systemd" in the VM
# booted with systemd as PID 1, after the others, and refuses an unknown
# "# vm:" value rather than running the scenario in the wrong VM. (--list
# only: no VM boots.)
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "$1"; echo "--- run.sh output:"; echo "$out"; exit 1; }

printf '#!/bin/bash\n# vm: systemd\ntrue\n' >"$tmp/10-unit.sh"
printf '#!/bin/bash\n# timeout: 30\ntrue\n' >"$tmp/20-plain.sh"
out=$(DMREMAP_SCENARIO_DIR=$tmp "$REPO/tests/integration/run.sh" --list 2>&1) || fail "--list failed"
expected=$(printf '20-plain\t(timeout 30s)\n10-unit\t(timeout 600s, systemd VM)')
[[ $out == "$expected" ]] || fail "--list does not put 10-unit, in the systemd VM, after 20-plain"

printf '#!/bin/bash\n# vm: sytsemd\ntrue\n' >"$tmp/30-typo.sh"
rc=0
out=$(DMREMAP_SCENARIO_DIR=$tmp "$REPO/tests/integration/run.sh" --list 2>&1) || rc=$?
((rc == 2)) || fail "an unknown '# vm:' exited $rc, not 2"
grep -q "30-typo.sh: unknown '# vm:'" <<<"$out" || fail "the message does not name the scenario"
