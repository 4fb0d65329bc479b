#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Reads and replays a dm-log-writes log (replay-log is not packaged in Debian).

The format (Linux drivers/md/dm-log-writes.c, 6.1): at byte 0 a super
    struct log_write_super { __le64 magic, version, nr_entries; __le32 sectorsize; }
with magic 0x6a736677736872 and version 1; then for each of nr_entries
entries, starting at byte sectorsize: one sector holding
    struct log_write_entry { __le64 sector, nr_sectors, flags, data_len; }
(followed in that sector by data_len bytes of mark text for a MARK entry),
then, unless the entry is a DISCARD or a MARK, nr_sectors sectors of the data
written. sector and nr_sectors count in units of sectorsize. Writes appear in
the order they reached the medium: those completed before a FLUSH are logged
before the FLUSH entry; FUA writes when they complete.

As a command:
    log_writes.py LOG --replay IMAGE [--end-mark NAME] [--limit N]
        applies the entries to IMAGE (which must start as the device did;
        a zeroed file for a blank device), up to and including the mark
        NAME or the first N entries.
    log_writes.py LOG --dump
        prints one line per entry.
"""
import os
import struct
import sys

FLUSH = 1 << 0
FUA = 1 << 1
DISCARD = 1 << 2
MARK = 1 << 3
METADATA = 1 << 4
LOG_MAGIC = 0x6A736677736872
LOG_VERSION = 1


class LogError(Exception):
    pass


class Entry:
    __slots__ = ("index", "sector", "nr_sectors", "flags", "data_len", "mark",
                 "data_offset")

    def __repr__(self):
        names = [n for n, f in (("FLUSH", FLUSH), ("FUA", FUA), ("DISCARD", DISCARD),
                                ("MARK", MARK), ("META", METADATA)) if self.flags & f]
        what = "mark %r" % self.mark if self.flags & MARK else \
            "sector %d +%d" % (self.sector, self.nr_sectors)
        return "#%d %s %s" % (self.index, what, "|".join(names))


def read_log(path):
    """(sectorsize, [Entry]) of the log at @path. Entry.data_offset is the
    byte offset of the entry's data in the log."""
    with open(path, "rb") as f:
        head = f.read(32)
        if len(head) < 28:
            raise LogError("log too short")
        magic, version, nr, ssize = struct.unpack_from("<QQQI", head, 0)
        if magic != LOG_MAGIC:
            raise LogError("not a dm-log-writes log (magic %#x)" % magic)
        if version != LOG_VERSION:
            raise LogError("log version %d" % version)
        if ssize < 512 or ssize & (ssize - 1):
            raise LogError("bad sectorsize %d" % ssize)
        entries = []
        pos = ssize
        size = os.fstat(f.fileno()).st_size
        for i in range(nr):
            f.seek(pos)
            hdr = f.read(ssize)
            if len(hdr) != ssize:
                raise LogError("entry %d: truncated at byte %d" % (i, pos))
            e = Entry()
            e.index = i
            e.sector, e.nr_sectors, e.flags, e.data_len = struct.unpack_from("<QQQQ", hdr, 0)
            e.mark = None
            if e.flags & MARK:
                e.mark = hdr[32:32 + e.data_len].decode("utf-8", "replace")
            pos += ssize
            e.data_offset = pos
            if not (e.flags & (DISCARD | MARK)):
                pos += e.nr_sectors * ssize
            if pos > size:
                raise LogError("entry %d: data beyond the end of the log" % i)
            entries.append(e)
    return ssize, entries


class Replayer:
    """Applies entries in order to a bytearray image (or a file)."""

    def __init__(self, log_path, sectorsize, image):
        self.log = open(log_path, "rb")
        self.ssize = sectorsize
        self.image = image          # bytearray, or a writable file object

    def apply(self, e):
        if e.flags & MARK:
            return
        start = e.sector * self.ssize
        length = e.nr_sectors * self.ssize
        if e.flags & DISCARD:
            data = bytes(length)    # loop devices read discarded ranges as zeros
        else:
            if not length:
                return              # an empty FLUSH
            self.log.seek(e.data_offset)
            data = self.log.read(length)
            if len(data) != length:
                raise LogError("entry %d: short data" % e.index)
        if isinstance(self.image, bytearray):
            if start + length > len(self.image):
                raise LogError("entry %d: write beyond the image" % e.index)
            self.image[start:start + length] = data
        else:
            self.image.seek(start)
            self.image.write(data)

    def close(self):
        self.log.close()


def main(argv):
    import argparse
    p = argparse.ArgumentParser(description="replay a dm-log-writes log")
    p.add_argument("log")
    p.add_argument("--replay", metavar="IMAGE")
    p.add_argument("--end-mark")
    p.add_argument("--limit", type=int)
    p.add_argument("--dump", action="store_true")
    a = p.parse_args(argv)
    ssize, entries = read_log(a.log)
    if a.dump:
        for e in entries:
            print(e)
    if a.replay:
        with open(a.replay, "r+b") as img:
            r = Replayer(a.log, ssize, img)
            for e in entries[:a.limit]:
                r.apply(e)
                if a.end_mark is not None and e.mark == a.end_mark:
                    break
            r.close()
    print("%d entries, sectorsize %d" % (len(entries), ssize), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
