#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks that each remapped block's data, read through the target, is on
the spare device at the spare block the target reports.

stdin: lines "<block> <spare_block> <flags>" (the list message's reply).
argv: target device, spare device, block size (bytes), pool offset (sectors).

Both devices are read with O_DIRECT in windows of up to 1 MiB, each window
holding at least one wanted block read once: with tens of thousands of
remaps, one read per block costs minutes under TCG.
"""
import mmap
import os
import sys

WINDOW = 1 << 20
ALIGN = 4096  # O_DIRECT: a multiple of any logical block size in the tests


def main():
    target, spare, block_size, pool_offset = sys.argv[1:5]
    block_size, pool_offset = int(block_size), int(pool_offset) * 512
    entries = []
    for line in sys.stdin:
        fields = line.split()
        if fields:
            entries.append((int(fields[0]), int(fields[1])))
    if not entries:
        print("checked 0 remapped blocks, 0 differ")
        return 2

    # The spare's copies first (kept: a few hundred MiB at most), then the
    # target's blocks compared against them as their windows are read.
    # (Offsets map to lists: two blocks listed with one spare block must
    # still be compared each, and differ.)
    spare_at, target_at = {}, {}
    for i, (block, spare_block) in enumerate(entries):
        spare_at.setdefault(pool_offset + spare_block * block_size, []).append(i)
        target_at.setdefault(block * block_size, []).append(i)
    on_spare = {}
    for offset, data in read_blocks(spare, spare_at, block_size):
        for i in spare_at[offset]:
            on_spare[i] = data
    bad = []
    for offset, data in read_blocks(target, target_at, block_size):
        bad += [entries[i][0] for i in target_at[offset] if data != on_spare[i]]

    print(f"checked {len(entries)} remapped blocks, {len(bad)} differ")
    if bad:
        print("first differing blocks:", sorted(bad)[:10])
        return 1
    return 0


def read_blocks(path, offsets, size):
    """Yields (offset, bytes) for each offset, in ascending order."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    try:
        dev_end = os.lseek(fd, 0, os.SEEK_END)
        # O_DIRECT needs an aligned buffer: an anonymous mmap is page-aligned.
        buf = mmap.mmap(-1, WINDOW + size + ALIGN)
        view = memoryview(buf)
        todo = sorted(offsets)
        i = 0
        while i < len(todo):
            start = todo[i] // WINDOW * WINDOW
            j = i
            while j < len(todo) and todo[j] < start + WINDOW:
                j += 1
            end = todo[j - 1] + size
            length = min(-(-(end - start) // ALIGN) * ALIGN, dev_end - start)
            n = os.preadv(fd, [view[:length]], start)
            if n < end - start:
                raise OSError(f"{path}: short read at {start}: {n} of {end - start}")
            for off in todo[i:j]:
                yield off, bytes(view[off - start:off - start + size])
            i = j
        view.release()
        buf.close()
    finally:
        os.close(fd)


if __name__ == "__main__":
    sys.exit(main())
