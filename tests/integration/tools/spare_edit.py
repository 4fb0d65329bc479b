#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Small edits and reads of a block device or image, bypassing the page
cache (O_DIRECT on devices), for metadata damage tests.

  spare_edit.py DEV flip BYTE [MASK]      xor one byte with MASK (default 0x01)
  spare_edit.py DEV random SECTOR [N]     N sectors (default 8) of random bytes
  spare_edit.py DEV zero SECTOR [N]       N sectors (default 8) of zeros
  spare_edit.py DEV sha                   sha256 of the whole device
  spare_edit.py DEV geometry              copy_offset1 table_used table_blocks
                                          (from the newest valid superblock)
  spare_edit.py DEV entry SECTOR SLOT BLOCK FLAGS [LOST0 [LOST1]]
                                          set entry SLOT of the table block at
                                          SECTOR (BLOCK -1: free) and reseal
                                          its CRC
  spare_edit.py DEV sb SECTOR FIELD VALUE set a field of the superblock at
                                          SECTOR and reseal its CRC
"""
import hashlib
import mmap
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metadata_check as mc  # noqa: E402


def open_dev(path, write):
    flags = os.O_RDWR if write else os.O_RDONLY
    try:
        return os.open(path, flags | os.O_DIRECT), True
    except OSError:
        return os.open(path, flags), False


def rw_sectors(path, sector, n, fill):
    """Reads the 4 KiB-aligned span around the sectors, changes it, writes it."""
    start = sector * 512 // 4096 * 4096
    end = -(-((sector + n) * 512) // 4096) * 4096
    fd, _ = open_dev(path, True)
    buf = mmap.mmap(-1, end - start)
    if os.preadv(fd, [buf], start) != end - start:
        raise SystemExit("short read")
    fill(buf, sector * 512 - start, n * 512)
    if os.pwritev(fd, [buf], start) != end - start:
        raise SystemExit("short write")
    os.fsync(fd)
    os.close(fd)


def reseal(buf, off):
    """A metadata block's CRC32C of bytes 4..4095, stored in bytes 0..3."""
    crc = mc.crc32c(bytes(buf[off + 4:off + 4096]))
    buf[off:off + 4] = struct.pack("<I", crc)


def set_entry(path, sector, slot, block, flags, lost):
    def f(buf, off, _n):
        e = off + 32 + 32 * slot
        buf[e:e + 32] = struct.pack("<QII2Q", block & (2**64 - 1), flags, 0, *lost)
        reseal(buf, off)
    rw_sectors(path, sector, 8, f)


def set_sb_field(path, sector, field, value):
    fields = mc.SB_FIELDS
    fmt = mc.SB_FMT

    def f(buf, off, _n):
        vals = list(struct.unpack_from(fmt, buf, off))
        vals[fields.index(field)] = value
        struct.pack_into(fmt, buf, off, *vals)
        reseal(buf, off)
    rw_sectors(path, sector, 8, f)


def main(argv):
    path, cmd = argv[0], argv[1]
    args = [] if cmd == "sb" else [int(x, 0) for x in argv[2:]]
    if cmd == "flip":
        byte, mask = args[0], (args[1] if len(args) > 1 else 1)

        def f(buf, off, _n):
            buf[off + byte % 512] ^= mask
        rw_sectors(path, byte // 512, 1, f)
    elif cmd in ("random", "zero"):
        sector, n = args[0], (args[1] if len(args) > 1 else 8)

        def f(buf, off, length):
            buf[off:off + length] = os.urandom(length) if cmd == "random" else bytes(length)
        rw_sectors(path, sector, n, f)
    elif cmd == "sha":
        fd, _ = open_dev(path, False)
        h = hashlib.sha256()
        buf = mmap.mmap(-1, 1 << 20)
        off = 0
        while True:
            n = os.preadv(fd, [buf], off)
            if n <= 0:
                break
            h.update(memoryview(buf)[:n])
            off += n
        os.close(fd)
        print(h.hexdigest())
    elif cmd == "geometry":
        img = mc.Image(path)
        res = mc.check(img, 4096)
        img.close()
        if res["verdict"] not in ("ok", "degraded"):
            raise SystemExit("no consistent metadata: " + res["reason"])
        g = res["geometry"]
        print(g["copy_offset1"], res["table_used"], g["table_blocks"], g["copy_sectors"])
    elif cmd == "entry":
        lost = (args[4:] + [0, 0])[:2]
        set_entry(path, args[0], args[1], args[2], args[3], lost)
    elif cmd == "sb":
        set_sb_field(path, int(argv[2], 0), argv[3], int(argv[4], 0))
    else:
        raise SystemExit(__doc__)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
