#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks that each remapped block's data, read through the target, is on
the spare device at the spare block the target reports.

stdin: lines "<block> <spare_block> <flags>" (the list message's reply).
argv: target device, spare device, block size (bytes), pool offset (sectors).
"""
import mmap
import os
import sys


def main():
    target, spare, block_size, pool_offset = sys.argv[1:5]
    block_size, pool_offset = int(block_size), int(pool_offset) * 512
    checked = 0
    bad = []
    tfd = os.open(target, os.O_RDONLY | os.O_DIRECT)
    sfd = os.open(spare, os.O_RDONLY | os.O_DIRECT)
    try:
        for line in sys.stdin:
            fields = line.split()
            if not fields:
                continue
            block, spare_block = int(fields[0]), int(fields[1])
            via_target = read(tfd, block * block_size, block_size)
            on_spare = read(sfd, pool_offset + spare_block * block_size, block_size)
            if via_target != on_spare:
                bad.append(block)
            checked += 1
    finally:
        os.close(tfd)
        os.close(sfd)
    print(f"checked {checked} remapped blocks, {len(bad)} differ")
    if bad:
        print("first differing blocks:", bad[:10])
        return 1
    return 0 if checked else 2


def read(fd, offset, size):
    # O_DIRECT needs an aligned buffer: an anonymous mmap is page-aligned.
    buf = mmap.mmap(-1, size)
    n = os.preadv(fd, [buf], offset)
    if n != size:
        raise OSError(f"short read at {offset}: {n} of {size}")
    return bytes(buf)


if __name__ == "__main__":
    sys.exit(main())
