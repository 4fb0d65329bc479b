#!/usr/bin/env bash
# tests/bench/collect.py flags a ratio or size that moved past the band in
# the wrong direction, and never an absolute time; it refuses logs with no
# figures.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
collect=$REPO/tests/bench/collect.py
mkdir "$tmp/base" "$tmp/now" "$tmp/empty"
cat >"$tmp/base/a.log" <<'LOG'
figure: io.none.randread-4k.qd16.iops_ratio 1.000 ratio higher
figure: io.none.randread-4k.qd16.p99_ratio 1.000 ratio lower
figure: load.1m.kernel_ms 2000 ms lower
figure: table.1m.bytes_per_remap 42 bytes lower
LOG
"$collect" --logs "$tmp/base" --out "$tmp/base.json" >/dev/null
# Within the band, or better: no regression, status 0.
sed -e 's/ 1.000 ratio higher/ 0.95 ratio higher/' -e 's/2000 ms/9000 ms/' \
	-e 's/42 bytes/40 bytes/' "$tmp/base/a.log" >"$tmp/now/a.log"
"$collect" --logs "$tmp/now" --out "$tmp/n1.json" --baseline "$tmp/base.json" >"$tmp/out1" ||
	{ cat "$tmp/out1"; echo "flagged a run within the band"; exit 1; }
grep -q 'load.1m.kernel_ms.*(not compared)' "$tmp/out1" || { cat "$tmp/out1"; echo "time figure not marked"; exit 1; }
# A ratio 15% worse and a size 20% worse: both flagged, status 3.
sed -e 's/ 1.000 ratio higher/ 0.85 ratio higher/' -e 's/42 bytes/51 bytes/' \
	"$tmp/base/a.log" >"$tmp/now/a.log"
rc=0
"$collect" --logs "$tmp/now" --out "$tmp/n2.json" --baseline "$tmp/base.json" >"$tmp/out2" || rc=$?
[[ $rc == 3 ]] || { cat "$tmp/out2"; echo "expected status 3, got $rc"; exit 1; }
[[ $(grep -c REGRESSED "$tmp/out2") == 2 ]] || { cat "$tmp/out2"; echo "expected 2 regressions"; exit 1; }
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["figures"]["table.1m.bytes_per_remap"]["value"] == 51' "$tmp/n2.json"
rc=0
"$collect" --logs "$tmp/empty" --out "$tmp/n3.json" 2>/dev/null || rc=$?
[[ $rc == 2 ]] || { echo "no figures: expected status 2, got $rc"; exit 1; }
