#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A dm-linear table that routes like the remap target: reads the target's
`list` (or `dmremap remaps`) lines "<block> <spare_block> ..." on stdin
and prints one linear segment per run of blocks, remapped blocks to
pool_offset + spare_block * block_size / 512 of the spare, the rest to
main. The physical limit for remapped I/O (tests/bench/io-overhead.sh).

Usage: same-routing.py BLOCK_SIZE SECTORS POOL_OFFSET MAIN SPARE
"""
import sys
bs, size, pool, main, spare = int(sys.argv[1]) // 512, int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
remapped = {}
for line in sys.stdin:
    f = line.split()
    if len(f) >= 2 and f[0].isdigit():
        remapped[int(f[0])] = int(f[1])
segs = []  # [start, len, dev, offset]
def add(start, length, dev, off):
    if segs and segs[-1][2] == dev and segs[-1][0] + segs[-1][1] == start and segs[-1][3] + segs[-1][1] == off:
        segs[-1][1] += length
    else:
        segs.append([start, length, dev, off])
last = 0
for b in sorted(remapped):
    if b * bs > last:
        add(last, b * bs - last, main, last)
    add(b * bs, bs, spare, pool + remapped[b] * bs)
    last = (b + 1) * bs
if last < size:
    add(last, size - last, main, last)
for s in segs:
    print("%d %d linear %s %d" % tuple(s))
