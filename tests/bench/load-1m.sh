#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark, not a test: how long a remap target takes to load 1,000,000
# remaps from its spare, and the kernel memory they take. The metadata is
# written offline with dmremap metadata restore (making 1M remaps through
# the target would copy 1M blocks first). Prints "figure: ..." lines for
# tests/bench/run.sh: the median of three loads and the memory per remap.
# Run in the VM:  tests/integration/vm/run-in-vm.sh -- tests/bench/load-1m.sh
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
SCENARIO_NAME=bench-load
source "$REPO/tests/integration/lib.sh"
source "$REPO/tests/integration/remap-lib.sh"
n=${DMREMAP_BENCH_REMAPS:-1000000}

main=$(mk_loop 512M main)
spare=$(mk_loop 640M spare)
table="0 $(blockdev --getsz "$main") remap $main $spare 2 block_size 512"
dm_create b "$table"
dm_remove b
"$REPO/build/bin/dmremap" metadata dump "$spare" -o "$SCENARIO_OUT/empty.json"
python3 - "$SCENARIO_OUT/empty.json" "$SCENARIO_OUT/full.json" "$n" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
n = int(sys.argv[3])
d["superblock"]["table_used"] = n
d["superblock"]["nr_remaps"] = n
with open(sys.argv[2], "w") as f:
    f.write(json.dumps({k: v for k, v in d.items() if k != "remaps"})[:-1])
    f.write(', "remaps": [')
    f.write(",".join('{"block":%d,"spare_block":%d,"flags":[],"lost":[]}' % (i, i) for i in range(n)))
    f.write("]}")
PY
t0=$(date +%s.%N)
"$REPO/build/bin/dmremap" metadata restore "$SCENARIO_OUT/full.json" "$spare"
t1=$(date +%s.%N)
echo "restore of $n remaps: $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s"
loads=()
for round in 1 2 3; do
	mark=$(kernel_log_mark)
	t0=$(date +%s.%N)
	dm_create b "$table"
	t1=$(date +%s.%N)
	kms=$(kernel_log_since_mark "$mark" | grep -o 'loaded [0-9]* remaps in [0-9]* ms' | grep -o '[0-9]* ms' | cut -d' ' -f1)
	loads+=("$kms")
	echo "round $round: dmsetup create with $n remaps: $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s;" \
		"kernel: loaded in $kms ms"
	[[ $(remap_status b remapped) == "$n" ]] || die "loaded $(remap_status b remapped) remaps, not $n"
	bpr=$(remap_stat b bytes_per_remap)
	echo "  $bpr bytes per remap, $(remap_stat b hash_buckets) buckets, table_bytes $(remap_stat b table_bytes)"
	dm_remove b
done
median=$(printf '%s\n' "${loads[@]}" | sort -n | sed -n 2p)
echo "figure: load.1m.kernel_ms $median ms lower"
echo "figure: load.1m.bytes_per_remap $bpr bytes lower"
