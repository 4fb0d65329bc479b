#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Digest of a block device's content that also records which sectors
cannot be read: two runs print the same lines exactly when the device
reads the same data and fails the same sectors.

Usage: blockdigest.py DEV [CHUNK_KIB]
Prints one line per chunk (default 1 MiB) "<byte offset> <sha1>"; a chunk
that fails to read is read again sector by sector and printed as
"<byte offset> partial <sha1 of the readable sectors> eio=<s1>,<s2>,..."
(sector numbers of the device). Reads with O_DIRECT: never the page cache.
"""
import hashlib
import mmap
import os
import sys


def main(argv):
    dev = argv[0]
    chunk = int(argv[1]) * 1024 if len(argv) > 1 else 1 << 20
    fd = os.open(dev, os.O_RDONLY | os.O_DIRECT)
    size = os.lseek(fd, 0, os.SEEK_END)
    buf = mmap.mmap(-1, chunk)
    sec = mmap.mmap(-1, 512)
    bad_total = 0
    off = 0
    while off < size:
        n = min(chunk, size - off)
        view = memoryview(buf)[:n]
        try:
            got = os.preadv(fd, [view], off)
            if got != n:
                raise OSError("short read")
            print("%d %s" % (off, hashlib.sha1(view).hexdigest()))
        except OSError:
            h = hashlib.sha1()
            bad = []
            for s in range(off // 512, (off + n) // 512):
                try:
                    if os.preadv(fd, [sec], s * 512) != 512:
                        raise OSError("short read")
                    h.update(sec)
                except OSError:
                    bad.append(s)
            bad_total += len(bad)
            print("%d partial %s eio=%s" % (off, h.hexdigest(), ",".join(map(str, bad))))
        off += n
    os.close(fd)
    print("unreadable sectors: %d" % bad_total, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
