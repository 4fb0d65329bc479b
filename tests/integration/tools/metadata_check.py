#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Offline check of dm-remap metadata on a spare device or image.

Mirrors the kernel's rules (kernel/dm-remap-metadata.c, docs/on-disk-format.md):
the constructor's choice (format, load or refuse) from the two superblocks,
then the load at first resume: the newest *usable* copy wins, a copy being
usable when its superblock is valid, its UUID is the adopted one and every
table block in use is valid (magic, CRC-32C of bytes 4..4095, index, copy,
seq <= the superblock's seq, entries valid).

Usable as a module (the crash-consistency replayer loads images from
memory) and as a command:

    metadata_check.py [--block-size N] [--main-sectors N] [--json] [--list]
                      [--strict] SPARE

Exit status: 0 a consistent copy exists (the kernel would load it),
1 no consistent copy or refused (damaged, unknown data, mismatch),
3 blank (the kernel would format it), 2 usage error. A report goes to
stderr; --list prints the remaps of the copy that would be loaded as
"<block> <spare_block> <flags>" lines ascending by block (like the target's
list message); --json prints the whole verdict as JSON on stdout. --strict
also counts as damage what the kernel ignores on load (nr_remaps not
matching the table, non-zero padding).
"""
import json
import mmap
import os
import struct
import sys

META = 4096
META_SECTORS = 8
EPB = 127
MAGIC = 0x504D5244
TABLE_MAGIC = 0x4C424154
VERSION = 1
FREE = 0xFFFFFFFFFFFFFFFF
KNOWN_FLAGS = 0x3
U32_MAX = 0xFFFFFFFF
MAX_SEQ = 2**63 - 1
LAYOUT_FIELDS = ("block_size", "main_sectors", "copy_offset0", "copy_offset1",
                 "copy_sectors", "table_blocks", "pool_offset", "pool_blocks")

# ---------------------------------------------------------------------------
# CRC-32C (Castagnoli), reflected, init and final xor 0xffffffff.


def _make_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_TABLE = _make_table()
_CRC_CACHE = {}


def _crc_py(data):
    c = 0xFFFFFFFF
    t = _TABLE
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def _crc_alg():
    """The kernel's crc32c through AF_ALG, if this kernel offers it."""
    try:
        import socket
        s = socket.socket(socket.AF_ALG, socket.SOCK_SEQPACKET, 0)
        s.bind(("hash", "crc32c"))

        def crc(data):
            op, _ = s.accept()
            try:
                op.sendall(data)
                return struct.unpack("<I", op.recv(4))[0]
            finally:
                op.close()
        if crc(b"123456789") != 0xE3069283:
            return None
        return crc
    except (OSError, AttributeError, ImportError):
        return None


_crc_impl = None


def crc32c(data):
    """CRC-32C of data; results cached by content (blocks repeat a lot)."""
    global _crc_impl
    data = bytes(data)
    r = _CRC_CACHE.get(data)
    if r is None:
        if _crc_impl is None:
            _crc_impl = _crc_alg() or _crc_py
        r = _crc_impl(data)
        if len(_CRC_CACHE) > 200000:
            _CRC_CACHE.clear()
        _CRC_CACHE[data] = r
    return r


assert _crc_py(b"123456789") == 0xE3069283

# ---------------------------------------------------------------------------
# Structures

SB_FMT = "<IIIIQ16sIIQQ2QQQQQQQQQ"
SB_FIELDS = ("crc magic version copy seq uuid block_size meta_block_size "
             "main_sectors spare_sectors copy_offset0 copy_offset1 "
             "copy_sectors table_blocks pool_offset pool_blocks table_used "
             "nr_remaps format_time commit_time").split()
assert struct.calcsize(SB_FMT) == 144


def parse_superblock(buf):
    sb = dict(zip(SB_FIELDS, struct.unpack_from(SB_FMT, buf, 0)))
    sb["uuid"] = sb["uuid"].hex()
    return sb


def is_pow2(x):
    return x > 0 and (x & (x - 1)) == 0


def used_blocks(table_used):
    return (table_used + EPB - 1) // EPB


def geometry(spare_sectors, block_size):
    """remap_geometry_compute(); None for -ENOSPC."""
    bs = block_size // 512
    align = max(META_SECTORS, bs)
    pool = spare_sectors // bs
    cs = -(-((1 + used_blocks(pool)) * META_SECTORS) // align) * align
    if 2 * cs + bs > spare_sectors:
        return None
    c1 = (spare_sectors - cs) // META_SECTORS * META_SECTORS
    pool = (c1 - cs) // bs
    if not pool:
        return None
    pool = min(pool, U32_MAX)
    return {"copy_sectors": cs, "copy_offset": [0, c1], "pool_offset": cs,
            "pool_blocks": pool, "table_blocks": used_blocks(pool)}


def geometry_fits(sb, device_sectors):
    cs = sb["copy_sectors"]
    pool_end = sb["pool_offset"] + sb["pool_blocks"] * (sb["block_size"] >> 9)
    if cs % META_SECTORS or sb["copy_offset1"] % META_SECTORS or \
            sb["pool_offset"] % (sb["block_size"] >> 9):
        return False
    return (cs >= (1 + sb["table_blocks"]) * META_SECTORS and
            sb["copy_offset0"] == 0 and
            sb["pool_offset"] >= cs and
            pool_end <= sb["copy_offset1"] and
            sb["copy_offset1"] + cs <= device_sectors and
            sb["table_blocks"] * EPB >= sb["pool_blocks"] and
            sb["table_used"] <= sb["pool_blocks"] and
            sb["pool_blocks"] <= U32_MAX)


def check_superblock(buf, copy, device_sectors):
    """(error, sb): error None, 'ENODATA' (no magic) or a reason string."""
    if buf is None:
        return "read error", None
    sb = parse_superblock(buf)
    if sb["magic"] != MAGIC:
        return "ENODATA", sb
    if sb["crc"] != crc32c(buf[4:META]):
        return "superblock crc mismatch", sb
    if sb["version"] != VERSION:
        return "unsupported version %d" % sb["version"], sb
    bs = sb["block_size"]
    if sb["copy"] != copy:
        return "copy field %d at copy %d" % (sb["copy"], copy), sb
    if sb["meta_block_size"] != META:
        return "meta_block_size %d" % sb["meta_block_size"], sb
    if not is_pow2(bs) or bs < 512 or bs > 65536:
        return "bad block_size %d" % bs, sb
    if not 0 < sb["seq"] <= MAX_SEQ:
        return "seq %d out of range" % sb["seq"], sb
    if not geometry_fits(sb, device_sectors):
        return "geometry does not fit", sb
    return None, sb


ENTRY_FMT = "<QII2Q"


def check_table_block(buf, copy, index, seq, main_blocks, spb=128):
    """(error, entries): entries a list of (slot, block, flags, lost0, lost1)."""
    if buf is None:
        return "read error", None
    crc, magic, bseq, bindex, bcopy, _res = struct.unpack_from("<IIQQII", buf, 0)
    if magic != TABLE_MAGIC:
        return "table magic", None
    if crc != crc32c(buf[4:META]):
        return "table crc mismatch", None
    if bindex != index:
        return "index %d, expected %d" % (bindex, index), None
    if bcopy != copy:
        return "copy field %d" % bcopy, None
    if bseq > seq:
        return "seq %d newer than the superblock's %d (torn)" % (bseq, seq), None
    entries = []
    for slot in range(EPB):
        block, flags, reserved, l0, l1 = struct.unpack_from(ENTRY_FMT, buf, 32 + 32 * slot)
        if block == FREE:
            if flags:
                return "free entry %d with flags" % slot, None
            continue
        if (l0 | l1 << 64) >> spb:
            return "entry %d: lost bits beyond the block's %d sectors" % (slot, spb), None
        if block >= main_blocks or reserved or flags & ~KNOWN_FLAGS:
            return "invalid entry %d (block %d flags %#x reserved %#x)" % (
                slot, block, flags, reserved), None
        entries.append((slot, block, flags, l0, l1))
    return None, entries


class Image:
    """A spare device, image file or in-memory bytes, read by 4 KiB block."""

    def __init__(self, path=None, data=None):
        self.data = data
        self.fd = None
        if data is not None:
            self.sectors = len(data) // 512
            return
        flags = os.O_RDONLY
        try:
            self.fd = os.open(path, flags | os.O_DIRECT)
        except OSError:
            self.fd = os.open(path, flags)
        self.sectors = os.lseek(self.fd, 0, os.SEEK_END) // 512
        self.buf = mmap.mmap(-1, META)

    def read(self, sector):
        """The 4 KiB metadata block at @sector, or None (beyond the end, EIO)."""
        if sector < 0 or sector + META_SECTORS > self.sectors:
            return None
        if self.data is not None:
            return bytes(self.data[sector * 512:sector * 512 + META])
        try:
            n = os.preadv(self.fd, [self.buf], sector * 512)
        except OSError:
            return None
        if n != META:
            return None
        return bytes(self.buf)

    def close(self):
        if self.fd is not None:
            os.close(self.fd)


def find_superblocks(img, block_size):
    """What the constructor reads: copy 0 at 0, copy 1 where the geometry of
    @block_size puts it on a device of this size."""
    geo = geometry(img.sectors, block_size)
    if geo is None:
        return None, None, None
    b0 = img.read(0)
    b1 = img.read(geo["copy_offset"][1])
    return geo, check_superblock(b0, 0, img.sectors), check_superblock(b1, 1, img.sectors)


def copy_state(img, copy, sb, main_blocks):
    """(error, remaps {spare: (block, flags, lost0, lost1)}) of a copy whose
    superblock is valid."""
    base = sb["copy_offset%d" % copy]
    remaps = {}
    for i in range(used_blocks(sb["table_used"])):
        err, entries = check_table_block(img.read(base + META_SECTORS * (1 + i)),
                                         copy, i, sb["seq"], main_blocks,
                                         sb["block_size"] // 512)
        if err:
            return "table block %d: %s" % (i, err), None
        for slot, block, flags, l0, l1 in entries:
            remaps[i * EPB + slot] = (block, flags, l0, l1)
    return None, remaps


def check(img, block_size=None, main_sectors=None, strict=False):
    """The kernel's verdict on @img. Returns a dict:
    verdict: 'ok' | 'degraded' (loads; a copy is bad or stale) |
             'blank' (would be formatted) | 'refused' | 'no-consistent-copy'
    reason, copies (per copy: sb fields, error), best, seq, remaps,
    block_map {block: spare}."""
    res = {"verdict": None, "reason": "", "copies": [None, None], "best": None,
           "seq": None, "remaps": {}, "warnings": []}
    bs = block_size
    if bs is None:
        # take it from whichever superblock has the magic, else scan
        b0 = img.read(0)
        if b0 is not None and parse_superblock(b0)["magic"] == MAGIC:
            bs = parse_superblock(b0)["block_size"]
        else:
            for cand in (2 ** k for k in range(9, 17)):
                geo = geometry(img.sectors, cand)
                if geo and not check_superblock(img.read(geo["copy_offset"][1]), 1, img.sectors)[0]:
                    bs = cand
                    break
        if bs is None or not is_pow2(bs) or not 512 <= bs <= 65536:
            bs = 4096
    res["block_size"] = bs
    geo, s0, s1 = find_superblocks(img, bs)
    if geo is None:
        res.update(verdict="refused", reason="spare too small")
        return res
    (e0, sb0), (e1, sb1) = s0, s1
    errs, sbs = [e0, e1], [sb0, sb1]
    for c in range(2):
        res["copies"][c] = {"superblock_error": errs[c], "table_error": None,
                            "seq": sbs[c]["seq"] if sbs[c] and not errs[c] else None}
    if e0 and e1:
        # refuse_unknown(): another block size, damaged, unknown data, blank
        for cand in (2 ** k for k in range(9, 17)):
            if cand == bs:
                continue
            g = geometry(img.sectors, cand)
            if g and not check_superblock(img.read(g["copy_offset"][1]), 1, img.sectors)[0]:
                res.update(verdict="refused", reason="formatted with block_size %d" % cand)
                return res
        if (e0 or "").startswith("unsupported version") or (e1 or "").startswith("unsupported version"):
            res.update(verdict="refused", reason="unsupported format version")
            return res
        if e0 != "ENODATA" or e1 != "ENODATA":
            res.update(verdict="refused",
                       reason="metadata damaged, no valid superblock (%s; %s)" % (e0, e1))
            return res
        first = img.read(0)
        if first is None:
            res.update(verdict="refused", reason="cannot read the spare")
        elif any(first):
            res.update(verdict="refused", reason="unknown data")
        elif any(tb is not None and struct.unpack_from("<I", tb, 4)[0] == TABLE_MAGIC
                 for tb in (img.read(geo["copy_offset"][c] + META_SECTORS) for c in range(2))):
            # table_left_behind(): superblocks gone, a table still there
            res.update(verdict="refused", reason="table blocks without superblocks (damaged)")
        else:
            res.update(verdict="blank", reason="no metadata; would be formatted")
        return res
    newest = 1 if e0 or (not e1 and sb1["seq"] > sb0["seq"]) else 0
    if not e0 and not e1 and sb0["uuid"] != sb1["uuid"]:
        res.update(verdict="refused", reason="two different metadata sets")
        return res
    adopted = sbs[newest]
    if adopted["block_size"] != bs:
        res.update(verdict="refused", reason="block_size mismatch")
        return res
    if main_sectors is not None and adopted["main_sectors"] != main_sectors:
        res.update(verdict="refused", reason="main_sectors mismatch")
        return res
    res["geometry"] = {k: adopted[k] for k in ("copy_offset0", "copy_offset1", "copy_sectors",
                                              "table_blocks", "pool_offset", "pool_blocks")}
    res["uuid"] = adopted["uuid"]
    main_blocks = adopted["main_sectors"] // (bs // 512)

    # load(): both copies read in full, copy 1 at the adopted copy_offset[1]
    usable, states = [False, False], [None, None]
    for c in range(2):
        off = 0 if c == 0 else adopted["copy_offset1"]
        err, sb = check_superblock(img.read(off), c, img.sectors)
        info = res["copies"][c]
        info["superblock_error"] = err
        info["seq"] = sb["seq"] if sb and not err else None
        if err:
            continue
        info["table_used"] = sb["table_used"]
        info["nr_remaps"] = sb["nr_remaps"]
        if sb["uuid"] != adopted["uuid"]:
            info["table_error"] = "uuid differs from the adopted one"
            continue
        if any(sb[k] != adopted[k] for k in LAYOUT_FIELDS):
            info["table_error"] = "layout differs from the adopted one"
            continue
        terr, remaps = copy_state(img, c, sb, main_blocks)
        info["table_error"] = terr
        if terr:
            continue
        usable[c] = True
        states[c] = (sb, remaps)
        if len(remaps) != sb["nr_remaps"]:
            res["warnings"].append("copy %d: nr_remaps %d but %d entries in use" %
                                   (c, sb["nr_remaps"], len(remaps)))
        if any(img.read(off)[144:]):
            res["warnings"].append("copy %d: superblock padding not zero" % c)
    best = None
    for c in range(2):
        if usable[c] and (best is None or states[c][0]["seq"] > states[best][0]["seq"]):
            best = c
    if best is None:
        res.update(verdict="no-consistent-copy", reason="no usable copy")
        return res
    sb, remaps = states[best]
    blocks = {}
    for spare, (block, *_rest) in remaps.items():
        if block in blocks:
            res.update(verdict="no-consistent-copy",
                       reason="block %d on spare blocks %d and %d" % (block, blocks[block], spare))
            return res
        blocks[block] = spare
    degraded = not all(usable) or states[0][0]["seq"] != states[1][0]["seq"]
    res.update(verdict="degraded" if degraded else "ok", best=best, seq=sb["seq"],
               remaps=remaps, block_map=blocks, table_used=sb["table_used"])
    if strict and res["warnings"]:
        res.update(verdict="no-consistent-copy", reason="; ".join(res["warnings"]))
    return res


def flags_letters(flags):
    s = ("L" if flags & 1 else "") + ("A" if flags & 2 else "")
    return s or "-"


def list_lines(res):
    return ["%d %d %s" % (block, spare, flags_letters(res["remaps"][spare][1]))
            for block, spare in sorted(res.get("block_map", {}).items())]


def report(res, name):
    out = ["%s: %s%s" % (name, res["verdict"], (": " + res["reason"]) if res["reason"] else "")]
    for c, info in enumerate(res["copies"]):
        if info is None:
            continue
        what = info["superblock_error"] or info["table_error"] or "consistent"
        if what == "ENODATA":
            what = "no superblock"
        out.append("  copy %d: seq %s: %s" % (c, info["seq"], what))
    if res["best"] is not None:
        out.append("  loads copy %d, seq %d, %d remaps" % (res["best"], res["seq"], len(res["remaps"])))
    for w in res["warnings"]:
        out.append("  warning: " + w)
    return "\n".join(out)


def main(argv):
    import argparse
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--block-size", type=int)
    p.add_argument("--main-sectors", type=int)
    p.add_argument("--json", action="store_true")
    p.add_argument("--list", action="store_true")
    p.add_argument("--strict", action="store_true")
    p.add_argument("spare")
    try:
        a = p.parse_args(argv)
    except SystemExit as e:
        return 2 if e.code else 0
    img = Image(a.spare)
    try:
        res = check(img, a.block_size, a.main_sectors, a.strict)
    finally:
        img.close()
    print(report(res, a.spare), file=sys.stderr)
    if a.json:
        j = dict(res)
        j["remaps"] = [{"spare_block": s, "block": b, "flags": f, "lost": [l0, l1]}
                       for s, (b, f, l0, l1) in sorted(res["remaps"].items())]
        j.pop("block_map", None)
        print(json.dumps(j, indent=1))
    if a.list:
        for line in list_lines(res):
            print(line)
    return {"ok": 0, "degraded": 0, "blank": 3}.get(res["verdict"], 1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
