#!/usr/bin/env bash
# scripts/kernel-layers.sh finds a cycle of calls between object files,
# names its edges and symbols, honours its allow-list and refuses stale or
# malformed entries; and the module itself has no cycle but the allowed
# ones.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
layers=$REPO/scripts/kernel-layers.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() { echo "$*"; exit 1; }

# a calls b, b calls a (a cycle); c calls a (no cycle)
cat >"$tmp/dm-remap-a.c" <<'C'
void fb(void);
void fa(void) { fb(); }
C
cat >"$tmp/dm-remap-b.c" <<'C'
void fa(void);
void fb(void) { fa(); }
C
cat >"$tmp/dm-remap-c.c" <<'C'
void fa(void);
void fc(void) { fa(); }
C
for f in a b c; do
	gcc -c -o "$tmp/dm-remap-$f.o" "$tmp/dm-remap-$f.c"
done

run() { # run EXPECTED_STATUS ALLOW_TEXT: the output in $out
	local want=$1 got=0
	printf '%s\n' "$2" >"$tmp/allow"
	out=$("$layers" --objdir "$tmp" --allow "$tmp/allow" 2>&1) || got=$?
	[[ $got == "$want" ]] || fail "exit $got, not $want, with allow-list '$2':"$'\n'"$out"
}

run 1 "# nothing allowed"
grep -qx 'cycle among: a b' <<<"$out" || fail "cycle a b not reported:"$'\n'"$out"
grep -qx '  a -> b: fb' <<<"$out" || fail "edge a -> b not shown:"$'\n'"$out"
grep -qx '  b -> a: fa' <<<"$out" || fail "edge b -> a not shown:"$'\n'"$out"
! grep -q 'c ->' <<<"$out" || fail "c is on no cycle:"$'\n'"$out"

run 0 "b -> a: the test allows it"
grep -q 'no cycle among 3 files' <<<"$out" || fail "no success line:"$'\n'"$out"

run 1 "b -> a: allowed
c -> b: c calls nothing in b"
grep -q 'c -> b calls nothing: remove the entry' <<<"$out" || fail "stale entry not reported:"$'\n'"$out"

run 2 "b -> a"
grep -q 'not `<from> -> <to>: <reason>`' <<<"$out" || fail "entry without a reason taken:"$'\n'"$out"

# the module: only the allowed cycles
out=$("$layers" 2>&1) || fail "the module has a cycle of calls between files:"$'\n'"$out"
echo "$out"
