#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generated inputs for the kernel target, for scenario 38-kernel-input-fuzz.

    kfuzz.py OUTDIR NAME=DEV:FILE...

Talks to device-mapper through its ioctls (/dev/mapper/control), so that
thousands of table loads and messages cost one process, and reads the kernel
log from /dev/kmsg after every input. Four phases, each with its own random
generator seeded from DMREMAP_FUZZ_SEED (printed; default fixed):

  tables    table lines: argument counts, numbers at and past every limit,
            unknown, repeated and incomplete feature arguments, long words,
            nonexistent, busy, equal and overlapping devices, edge lengths
  messages  every message with good, edge and bad arguments, random verbs,
            huge counts, on a live device whose remaps the script models
  sysfs     writes of edge values to every file of /sys/kernel/dm_remap/dm-N/
  images    metadata images made by the kernel, mutated (bit flips, bytes,
            edge integers in header fields with and without a new CRC,
            entries, swapped, stale and truncated copies), loaded as spares

Every input is either accepted, and then the device works as the model says
(status parses, data reads back, a change shows in list/table/sysfs), or
refused with a reason in the kernel log (a "device-mapper: ..." line that is
not a generic one) and nothing changed. Where the documented rules predict
the verdict (docs/target.md, docs/on-disk-format.md through the offline
checker metadata_check.py), the kernel must agree. Counts per phase:
DMREMAP_FUZZ_TABLES, _MESSAGES, _SYSFS, _IMAGES. Every kernel log record
read goes to OUTDIR/kmsg.log for tests/kernel-reports.sh. Exit status 0 when
no input failed; each failure prints its phase, number and input.
"""
import ctypes
import errno
import fcntl
import mmap
import os
import random
import re
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metadata_check as mc  # noqa: E402

SEED = int(os.environ.get("DMREMAP_FUZZ_SEED", "38038"), 0)
COUNTS = {k: int(os.environ.get("DMREMAP_FUZZ_" + k.upper(), d))
          for k, d in (("tables", 900), ("messages", 2500), ("sysfs", 400), ("images", 300))}
MAX_FAILURES = 25
# the superblock's fields (metadata_check.SB_FIELDS): struct codes and offsets
SB_CODES = ["I", "I", "I", "I", "Q", "16s", "I", "I"] + ["Q"] * 12
SB_OFFSETS = [sum(struct.calcsize("<" + c) for c in SB_CODES[:i]) for i in range(len(SB_CODES))]
assert SB_OFFSETS[-1] == 136

# ---------------------------------------------------------------------------
# device-mapper ioctls (include/uapi/linux/dm-ioctl.h)

DM_HDR = "<3IIIIiIIIQ128s129s7s"
DM_HDR_SIZE = struct.calcsize(DM_HDR)
assert DM_HDR_SIZE == 312
DM_DEV_CREATE, DM_DEV_REMOVE, DM_DEV_SUSPEND = 3, 4, 6
DM_TABLE_LOAD, DM_TABLE_STATUS, DM_TARGET_MSG = 9, 12, 14
DM_READONLY_FLAG, DM_SUSPEND_FLAG = 1, 2
DM_STATUS_TABLE_FLAG, DM_BUFFER_FULL_FLAG, DM_DATA_OUT_FLAG = 16, 256, 65536
SPEC = "<QQiI16s"
SPEC_SIZE = struct.calcsize(SPEC)


class DmError(Exception):
    def __init__(self, err):
        super().__init__(os.strerror(err))
        self.errno = err


class Dm:
    def __init__(self):
        self.fd = os.open("/dev/mapper/control", os.O_RDWR)

    def call(self, cmd, name=b"", flags=0, payload=b"", count=0, size=16384):
        """(header dict, buffer); raises DmError."""
        size = max(size, DM_HDR_SIZE + len(payload) + 8)
        while True:
            buf = bytearray(size)
            struct.pack_into(DM_HDR, buf, 0, 4, 0, 0, size, DM_HDR_SIZE, count, 0, flags,
                             0, 0, 0, name, b"", b"")
            buf[DM_HDR_SIZE:DM_HDR_SIZE + len(payload)] = payload
            try:
                fcntl.ioctl(self.fd, 0xC138FD00 | cmd, buf, True)
            except OSError as e:
                raise DmError(e.errno) from None
            f = struct.unpack_from(DM_HDR, buf, 0)
            hdr = {"data_size": f[3], "data_start": f[4], "target_count": f[5],
                   "flags": f[7], "dev": f[10]}
            if hdr["flags"] & DM_BUFFER_FULL_FLAG and size < (64 << 20):
                size *= 4
                continue
            return hdr, buf

    def create(self, name):
        hdr, _ = self.call(DM_DEV_CREATE, name)
        d = hdr["dev"]
        return os.makedev((d >> 8) & 0xFFF, (d & 0xFF) | ((d >> 12) & 0xFFF00))

    def load(self, name, targets, flags=0):
        """targets: [(start, length, type bytes, params bytes)]"""
        out = bytearray()
        for start, length, ttype, params in targets:
            body = params + b"\0"
            body += b"\0" * (-(SPEC_SIZE + len(body)) % 8)
            out += struct.pack(SPEC, start, length, 0, SPEC_SIZE + len(body), ttype) + body
        self.call(DM_TABLE_LOAD, name, flags, bytes(out), len(targets))

    def resume(self, name):
        self.call(DM_DEV_SUSPEND, name)

    def remove(self, name):
        self.call(DM_DEV_REMOVE, name)

    def status(self, name, table=False):
        """[(start, length, type, text)] of the live table."""
        hdr, buf = self.call(DM_TABLE_STATUS, name, DM_STATUS_TABLE_FLAG if table else 0)
        res, pos = [], hdr["data_start"]
        for _ in range(hdr["target_count"]):
            start, length, _st, nxt, ttype = struct.unpack_from(SPEC, buf, pos)
            text = bytes(buf[pos + SPEC_SIZE:buf.index(b"\0", pos + SPEC_SIZE)])
            res.append((start, length, ttype.rstrip(b"\0"), text))
            pos = hdr["data_start"] + nxt
        return res

    def message(self, name, msg, sector=0):
        """The reply (bytes, b'' for none); raises DmError."""
        hdr, buf = self.call(DM_TARGET_MSG, name, 0, struct.pack("<Q", sector) + msg + b"\0",
                             size=65536)
        if not hdr["flags"] & DM_DATA_OUT_FLAG:
            return b""
        start = hdr["data_start"]
        return bytes(buf[start:buf.index(b"\0", start)])


# ---------------------------------------------------------------------------
# The kernel log

GENERIC = re.compile(r"error adding target to table|preresume failed, error = |"
                     r"Unknown error|^device-mapper: remap: *$")


class Kmsg:
    def __init__(self, path):
        self.fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
        os.lseek(self.fd, 0, os.SEEK_END)
        self.out = open(path, "w", buffering=1 << 20, errors="replace")
        self.lost = 0

    def flush(self):
        """What drain() gets once a line of ours ends the kernel's last
        record: printk keeps a record open while it has no final newline,
        and one cut at 1024 bytes has lost its newline."""
        with open("/dev/kmsg", "w") as fh:
            fh.write("kfuzz: end of the previous record\n")
        return self.drain()

    def drain(self):
        lines = []
        while True:
            try:
                rec = os.read(self.fd, 8192)
            except BlockingIOError:
                return lines
            except BrokenPipeError:
                self.lost += 1
                continue
            head, _, msg = rec.decode("utf-8", "replace").partition(";")
            msg = msg.split("\n", 1)[0]
            self.out.write(msg + "\n")
            lines.append(msg)


def reasons(lines):
    """The kernel's specific reasons among @lines."""
    return [ln for ln in lines if ln.startswith("device-mapper:") and not GENERIC.search(ln)]


# ---------------------------------------------------------------------------
# Block devices

LOOP_SET_CAPACITY, LOOP_SET_BLOCK_SIZE = 0x4C07, 0x4C09
BLKGETSIZE64, BLKSSZGET = 0x80081272, 0x1268
_libc = ctypes.CDLL(None, use_errno=True)


def punch(path, offset=0, length=None):
    """Zero a range of a backing file (tmpfs) by punching a hole."""
    fd = os.open(path, os.O_RDWR)
    try:
        if length is None:
            length = os.fstat(fd).st_size - offset
        if _libc.fallocate(fd, 3, ctypes.c_long(offset), ctypes.c_long(length)):
            os.pwrite(fd, bytes(length), offset)
    finally:
        os.close(fd)


def dev_size(dev):
    fd = os.open(dev, os.O_RDONLY)
    try:
        return struct.unpack("Q", fcntl.ioctl(fd, BLKGETSIZE64, b"\0" * 8))[0] // 512
    finally:
        os.close(fd)


def dev_lbs(dev):
    fd = os.open(dev, os.O_RDONLY)
    try:
        return struct.unpack("i", fcntl.ioctl(fd, BLKSSZGET, b"\0" * 4))[0]
    finally:
        os.close(fd)


class Node:
    """A block node for a dm device (/tmp is nodev in the test VM)."""

    def __init__(self, rdev):
        self.path = "/dev/kfuzz-node-%d-%d" % (os.major(rdev), os.minor(rdev))
        if os.path.exists(self.path):
            os.unlink(self.path)
        os.mknod(self.path, 0o600 | 0o060000, rdev)

    def rw(self, offset, data=None, length=None):
        """O_DIRECT write of @data or read of @length bytes at @offset."""
        fd = os.open(self.path, (os.O_RDWR if data is not None else os.O_RDONLY) | os.O_DIRECT)
        try:
            n = len(data) if data is not None else length
            buf = mmap.mmap(-1, n)
            if data is not None:
                buf[:] = data
                if os.pwritev(fd, [buf], offset) != n:
                    raise OSError(errno.EIO, "short write")
                return None
            if os.preadv(fd, [buf], offset) != n:
                raise OSError(errno.EIO, "short read")
            return bytes(buf)
        finally:
            os.close(fd)

    def close(self):
        os.unlink(self.path)


def pattern(seed, block, size):
    """Known data of block @block of @size bytes: each sector holds its
    number and the seed, so that the same sectors read the same under any
    block size."""
    first = block * size // 512
    return b"".join(struct.pack("<QQ", s, seed) * 32 for s in range(first, first + size // 512))


# ---------------------------------------------------------------------------
# Numbers and words at and past every limit

def edge_numbers(limit):
    vals = [0, 1, 2, limit - 1, limit, limit + 1, 2**31 - 1, 2**31, 2**32 - 1, 2**32,
            2**32 + 1, 2**32 + limit, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**64 + 1,
            10**30]
    return [str(v).encode() for v in vals if v >= 0]


ODD_NUMBERS = [b"-1", b"-0", b"+1", b"+4096", b"0x10", b"010", b"1e3", b"1.5", b"4k",
               b"00000000000000000000000000000000000004096", b"\xd9\xa3", b"1_000",
               b"9" * 300, b"NaN", b"one", b"\xff\xfe"]


def any_number(rng, limit):
    if rng.random() < 0.75:
        return rng.choice(edge_numbers(limit))
    return rng.choice(ODD_NUMBERS)


def random_word(rng, n=None):
    n = n or rng.randint(1, 20)
    alphabet = b"abcdefghijklmnopqrstuvwxyz_ABCXYZ0123456789-.:/%+=,#~"
    return bytes(rng.choice(alphabet) for _ in range(n))


KSPACE = b" \t\n\v\f\r\xa0"


def dm_split(s):
    """dm_split_args(): words split at (kernel) white space, backslash quotes."""
    words, i, n = [], 0, len(s)
    while True:
        while i < n and s[i] in KSPACE:
            i += 1
        if i >= n:
            return words
        w = bytearray()
        while i < n:
            if s[i] == 0x5C and i + 1 < n:
                w.append(s[i + 1])
                i += 2
                continue
            if s[i] in KSPACE:
                break
            w.append(s[i])
            i += 1
        words.append(bytes(w))


def kstrtou(s, bits, plus=True):
    """kstrto*(s, 10): an optional '+' (plus=False: remap_parse_number()
    and remap_parse_u64(), which every number of the table line, the
    messages and sysfs goes through: digits only),
    decimal digits, an optional final newline, no overflow. None if
    invalid."""
    m = re.fullmatch(rb"(\+?)([0-9]+)\n?" if plus else rb"()([0-9]+)\n?", s)
    if not m:
        return None
    v = int(m.group(2))
    return v if v < 2**bits else None


SWITCH_WORDS = {b"on": True, b"off": False, b"1": True, b"0": False, b"y": True, b"n": False,
                b"yes": True, b"no": False, b"t": True, b"f": False, b"true": True, b"false": False}


def switch_word(s):
    """auto_remap's value (kernel/dm-remap-tunables.c, shared by the set
    message and the sysfs store): one of SWITCH_WORDS in any case, with
    one optional final newline; None if invalid."""
    if s.endswith(b"\n"):
        s = s[:-1]
    return SWITCH_WORDS.get(s.lower())


# ---------------------------------------------------------------------------

class Fuzz:
    def __init__(self, outdir, devs):
        self.out = outdir
        self.devs = devs                    # name -> (dev, file)
        self.dm = Dm()
        self.kmsg = Kmsg(os.path.join(outdir, "kmsg.log"))
        self.failures = 0
        self.stats = {}

    def fail(self, phase, i, what, detail, lines=()):
        self.failures += 1
        print("FAILED input %s #%d: %s" % (phase, i, what))
        print("    %s" % detail)
        for ln in lines[-8:]:
            print("    kernel: %s" % ln)
        if self.failures >= MAX_FAILURES:
            print("kfuzz: %d failures, stopping" % self.failures)
            self.finish()

    def count(self, phase, outcome):
        self.stats.setdefault(phase, {}).setdefault(outcome, 0)
        self.stats[phase][outcome] += 1

    def finish(self):
        for phase, st in self.stats.items():
            print("kfuzz: %s: %d inputs (%s)" % (phase, sum(st.values()), ", ".join(
                "%s %d" % kv for kv in sorted(st.items()))))
        if self.kmsg.lost:
            print("kfuzz: %d kernel log records overwritten before they were read" % self.kmsg.lost)
            self.failures += 1
        self.kmsg.out.close()
        print("kfuzz: seed %d, %d failures" % (SEED, self.failures))
        sys.exit(1 if self.failures else 0)

    def remove(self, name):
        for _ in range(50):
            try:
                self.dm.remove(name)
                return
            except DmError as e:
                if e.errno == errno.ENXIO:
                    return
                if e.errno != errno.EBUSY:
                    raise
                time.sleep(0.1)
        raise RuntimeError("cannot remove %s" % name)

    def try_create(self, name, targets, flags=0):
        """(stage, errno, kernel lines): stage None when the device is live."""
        self.kmsg.drain()
        stage, err = None, 0
        rdev = self.dm.create(name)
        try:
            self.dm.load(name, targets, flags)
            stage = "resume"
            self.dm.resume(name)
            stage = None
        except DmError as e:
            stage = stage or "load"
            err = e.errno
        lines = self.kmsg.drain()
        if stage:
            self.remove(name)
            lines += self.kmsg.drain()
        return stage, err, lines, rdev

    # -----------------------------------------------------------------------
    # Table lines

    def table_setup(self):
        d = self.devs
        st = {}
        for key in ("M", "S", "T", "O", "B", "RM", "RS"):
            dev = d[key][0]
            rdev = os.stat(dev).st_rdev
            st[key] = {"dev": dev, "file": d[key][1], "sectors": dev_size(dev),
                       "lbs": dev_lbs(dev), "majmin": "%d:%d" % (os.major(rdev), os.minor(rdev)),
                       "content": {"M": "data", "RM": "busy", "RS": "busy"}.get(key, "blank")}
        half = st["M"]["sectors"] // 2
        rdev = self.dm.create(b"kfuzz-L")
        self.dm.load(b"kfuzz-L", [(0, half, b"linear", b"%s %d" % (st["M"]["dev"].encode(), half))])
        self.dm.resume(b"kfuzz-L")
        self.l_node = Node(rdev)
        st["L"] = {"dev": self.l_node.path, "file": None, "sectors": half, "lbs": 512,
                   "majmin": "%d:%d" % (os.major(rdev), os.minor(rdev)), "content": "blank",
                   "half": half}
        self.tdev = st
        tokens = []
        for key, s in st.items():
            mj, mn = s["majmin"].split(":")
            for t in (s["dev"], s["majmin"], "%03d:%05d" % (int(mj), int(mn))):
                tokens.append((t.encode(), key))
        for t in (b"/dev/nonexistent", b"/dev/loop-kfuzz", b"999:999", b"4095:1048575",
                  b"0:0", b":", b"7:", b":7", b"-1:-1", b"/dev/null", b"/etc/hostname", b"/tmp",
                  b"/" + b"a" * 5000, b"relative-name", b"/dev/mapper/control",
                  b"/dev/mapper/kfuzz-no-such"):
            tokens.append((t, None))
        self.dev_tokens = tokens

    def dev_token(self, rng, want=None):
        if want:
            s = self.tdev[want]
            return rng.choice([s["dev"].encode(), s["majmin"].encode()])
        return rng.choice(self.dev_tokens)[0]

    def resolve(self, tok):
        for t, key in self.dev_tokens:
            if t == tok:
                return key
        return None

    def gen_table(self, rng):
        """(begin, length, type, params bytes, flags)"""
        main_key = rng.choices(["M", "S", "O", "B", "L", "T", None],
                               [60, 5, 5, 5, 5, 2, 6])[0]
        spare_key = rng.choices(["S", "O", "B", "L", "T", "M", "RS", "RM", None],
                                [50, 10, 8, 8, 5, 5, 4, 4, 6])[0]
        main = self.dev_token(rng, main_key) if main_key else self.dev_token(rng)
        spare = self.dev_token(rng, spare_key) if spare_key else self.dev_token(rng)
        if rng.random() < 0.04:
            spare = main
        feats = []
        for _ in range(rng.choices([0, 1, 2, 3], [30, 35, 20, 15])[0]):
            k = rng.random()
            if k < 0.35:
                feats += [rng.choice([b"block_size", b"BLOCK_SIZE", b"Block_Size"]),
                          rng.choice([b"512", b"1024", b"2048", b"4096", b"8192", b"16384",
                                      b"32768", b"65536"]) if rng.random() < 0.5
                          else any_number(rng, rng.choice([512, 4096, 65536, 131072]))]
            elif k < 0.6:
                feats += [rng.choice([b"read_retries", b"READ_RETRIES"]),
                          str(rng.randint(0, 16)).encode() if rng.random() < 0.4
                          else any_number(rng, 16)]
            elif k < 0.8:
                feats += [rng.choice([b"no_auto_remap", b"NO_AUTO_REMAP", b"No_Auto_Remap"])]
            elif k < 0.9:
                feats += [random_word(rng)]
            else:
                feats += [rng.choice([b"auto_remap", b"block_size", b"read_retries", b"discard",
                                      b"no_auto_remap=1", b"block_size=4096", b"",
                                      random_word(rng, 5000)])]
        feats = [f for f in feats if f]
        words = [main, spare]
        r = rng.random()
        if feats or r < 0.1:
            count = str(len(feats)).encode()
            if rng.random() < 0.25:
                count = rng.choice([any_number(rng, 5), str(len(feats) + rng.choice([-1, 1])).encode()])
            words += [count] + feats
        r = rng.random()
        if r < 0.05:
            words = words[:rng.randint(0, 1)]
        elif r < 0.1:
            words += [random_word(rng) for _ in range(rng.randint(1, 3))]
        elif r < 0.12:
            words = [random_word(rng, rng.randint(1, 5000)) for _ in range(rng.randint(1, 40))]
        sep = b" " if rng.random() < 0.9 else rng.choice([b"\t", b"  ", b" \xa0 ", b"\n"])
        params = sep.join(words)
        if rng.random() < 0.03:
            params = params.replace(b"_", b"\\_", 1)
        # the length: the main device's, or an edge one
        msz = self.tdev[main_key]["sectors"] if main_key else 32768
        bs8 = 8
        length = msz
        r = rng.random()
        if r < 0.3:
            length = rng.choice([0, 1, 7, bs8, msz - bs8, msz - 1, msz + bs8, msz // 2, 2 * msz,
                                 2**32, 2**40, 2**63 - 1, 2**64 - 1, msz - 128, msz - 64])
            length = max(0, min(length, 2**64 - 1))
        begin = 0 if rng.random() < 0.98 else rng.choice([1, 8, msz])
        ttype = b"remap" if rng.random() < 0.9 else b"dm-remap-v4"
        flags = DM_READONLY_FLAG if rng.random() < 0.02 else 0
        return begin, length, ttype, params, flags

    def model_table(self, begin, length, params):
        """('refuse', reason or None) or ('accept', config); None: not predicted."""
        if begin or not length or length > (2**63 - 1) >> 9:
            return "refuse", None       # device-mapper's own checks
        words = dm_split(params)
        if len(words) < 2:
            return "refuse", "Invalid argument count"
        feats, cfg = words[2:], {"bs": 4096, "auto": True, "rr": 2}
        if feats:
            n = kstrtou(feats[0], 64, plus=False)
            if n is None or n > 5 or n > len(feats) - 1:
                return "refuse", "Invalid number of feature arguments"
            i = 1
            while n > 0:
                name = feats[i].lower()
                i, n = i + 1, n - 1
                if name == b"no_auto_remap":
                    cfg["auto"] = False
                elif name == b"block_size" and n:
                    v = kstrtou(feats[i], 32, plus=False)
                    i, n = i + 1, n - 1
                    if v is None:
                        return "refuse", "Invalid block_size: not a number"
                    cfg["bs"] = v
                elif name == b"read_retries" and n:
                    v = kstrtou(feats[i], 64, plus=False)
                    i, n = i + 1, n - 1
                    if v is None or v > 16:
                        return "refuse", "Invalid read_retries: must be 0 to 16"
                    cfg["rr"] = v
                else:
                    return "refuse", "Unknown or incomplete feature argument"
            if i < len(feats):
                return "refuse", "Too many arguments"
        mk, sk = self.resolve(words[0]), self.resolve(words[1])
        if mk is None:
            return "refuse", "Cannot open the main device"
        if sk is None:
            return "refuse", "Cannot open the spare device"
        m, s, bs = self.tdev[mk], self.tdev[sk], cfg["bs"]
        if not mc.is_pow2(bs) or not 512 <= bs <= 65536:
            return "refuse", "Invalid block_size: must be a power of two"
        if bs < m["lbs"] or bs < s["lbs"]:
            return "refuse", "smaller than a device's logical block size"
        if mk == sk:
            return "refuse", "Main and spare must be different devices"
        if length > m["sectors"]:
            return "refuse", "Target length exceeds the main device"
        if length % (bs // 512):
            return "refuse", "Target length is not a multiple of block_size"
        if {mk, sk} & {"RM", "RS"}:
            return "refuse", "Device is used by another remap device"
        if mk == "L" and sk == "M" or mk == "M" and sk == "L":
            return None           # overlapping: what the spare holds depends on the main
        if mc.geometry(s["sectors"], bs) is None:
            return "refuse", "Spare device too small"
        if s["content"] != "blank":
            return "refuse", "Spare device holds unknown data"
        cfg.update(main=mk, spare=sk, nr_blocks=length // (bs // 512),
                   pool=mc.geometry(s["sectors"], bs)["pool_blocks"])
        return "accept", cfg

    def wipe_blank_devices(self):
        for key, s in self.tdev.items():
            if s["content"] != "blank":
                continue
            if key == "L":
                punch(self.tdev["M"]["file"], s["half"] * 512)
            else:
                punch(s["file"])

    def blank_written(self):
        """The first blank device whose first 4 KiB are not zero any more."""
        for key, s in self.tdev.items():
            if s["content"] != "blank":
                continue
            path, off = (self.tdev["M"]["file"], s["half"] * 512) if key == "L" else (s["file"], 0)
            with open(path, "rb") as fh:
                fh.seek(off)
                if any(fh.read(4096)):
                    return key
        return None

    def check_accepted_table(self, name, rdev, cfg, readonly):
        """Status, table line and a write/read/remap/read of block 0; an
        error string or None."""
        st = self.dm.status(name)
        if len(st) != 1:
            return None
        f = st[0][3].split()
        if len(f) < 13 or not all(x.isdigit() for i, x in enumerate(f[:9])):
            return "status does not parse: %r" % st[0][3]
        if cfg:
            want = [str(cfg["bs"]), "0", str(cfg["pool"]), str(cfg["pool"])]
            if f[:4] != [w.encode() for w in want] or f[9] != b"ok":
                return "status %r, expected block_size remapped spare_total spare_free %s, ok" % (
                    st[0][3], " ".join(want))
            feats = []
            if cfg["bs"] != 4096:
                feats += [b"block_size", str(cfg["bs"]).encode()]
            if not cfg["auto"]:
                feats += [b"no_auto_remap"]
            if cfg["rr"] != 2:
                feats += [b"read_retries", str(cfg["rr"]).encode()]
            t = self.dm.status(name, table=True)[0][3].split()
            wantt = [self.tdev[cfg["main"]]["majmin"].encode(),
                     self.tdev[cfg["spare"]]["majmin"].encode()]
            if feats:
                wantt += [str(len(feats)).encode()] + feats
            if t != wantt:
                return "table line %r, expected %r" % (b" ".join(t), b" ".join(wantt))
        bs = int(f[0])
        node = Node(rdev)
        try:
            if readonly:
                node.rw(0, length=bs)
                return None
            data = os.urandom(bs)
            node.rw(0, data)
            if node.rw(0, length=bs) != data:
                return "block 0 does not read back what was written"
            reply = self.dm.message(name, b"remap 0")
            if reply != b"0 0\n":
                return "remap 0 replied %r" % reply
            if node.rw(0, length=bs) != data:
                return "block 0 does not read back after remap 0"
        finally:
            node.close()
        return None

    def phase_tables(self):
        rng = random.Random("%d-tables" % SEED)
        self.table_setup()
        name = b"kfuzz-t"
        for i in range(COUNTS["tables"]):
            begin, length, ttype, params, flags = self.gen_table(rng)
            targets = [(begin, length, ttype, params)]
            if rng.random() < 0.02:
                # two remap targets in one table (sharing is not checked)
                targets = [(0, 16384, b"remap", b"%s %s" % (self.dev_token(rng, "M"),
                                                             self.dev_token(rng, "S"))),
                           (16384, 16384, b"remap", b"%s %s" % (self.dev_token(rng, "O"),
                                                                 self.dev_token(rng, "S")))]
            what = "%r" % [(b, ln, t, p[:300] + (b"...(%d bytes)" % len(p) if len(p) > 300 else b""))
                           for b, ln, t, p in targets] + (" read-only" if flags else "")
            model = self.model_table(begin, length, params) if len(targets) == 1 else None
            stage, err, lines, rdev = self.try_create(name, targets, flags)
            why = reasons(lines)
            if stage:
                self.count("tables", "refused")
                if not why:
                    self.fail("tables", i, what, "refused (%s, %s) with no reason in the kernel log"
                              % (stage, os.strerror(err)), lines)
                elif model and model[0] == "accept":
                    self.fail("tables", i, what, "refused, the documented rules accept it", lines)
                elif model and model[1] and not any(model[1] in ln for ln in why):
                    self.fail("tables", i, what, "refused, but not with '%s'" % model[1], lines)
                written = self.blank_written()
                if written:
                    self.fail("tables", i, what, "refused, but %s was written" % written)
                    self.wipe_blank_devices()
                continue
            self.count("tables", "accepted")
            try:
                if model and model[0] == "refuse":
                    self.fail("tables", i, what, "accepted; the documented rules refuse it (%s)"
                              % model[1], lines)
                else:
                    cfg = model[1] if model else None
                    problem = self.check_accepted_table(name, rdev, cfg, flags & DM_READONLY_FLAG)
                    if problem:
                        self.fail("tables", i, what, problem, self.kmsg.drain())
            finally:
                self.remove(name)
                self.wipe_blank_devices()
        self.l_node.close()
        self.remove(b"kfuzz-L")

    # -----------------------------------------------------------------------
    # Messages, on a live device whose remaps are modelled

    def r0_setup(self):
        name = b"kfuzz-r0"
        main, spare = self.devs["RM"][0], self.devs["RS"][0]
        size = dev_size(main)
        stage, err, lines, rdev = self.try_create(name, [(0, size, b"remap", b"%s %s" % (
            main.encode(), spare.encode()))])
        if stage:
            raise RuntimeError("cannot create the message device: %s %s" % (stage, lines))
        self.r0, self.r0_node = name, Node(rdev)
        self.r0_blocks = size // 8
        chunk = 256
        for b in range(0, self.r0_blocks, chunk):
            self.r0_node.rw(b * 4096, b"".join(pattern(SEED, x, 4096) for x in range(b, b + chunk)))
        self.r0_pool = int(self.dm.status(name)[0][3].split()[2])
        self.remapped = {}        # block -> spare
        self.tun = {"rr": 2, "auto": True}
        self.minor = os.minor(rdev)

    def r0_state(self):
        return (self.dm.status(self.r0)[0][3], self.dm.status(self.r0, table=True)[0][3],
                self.dm.message(self.r0, b"list 0 18446744073709551615"))

    def expected_list(self, start=0, count=1000):
        lines = [b"%d %d -\n" % (b, self.remapped[b]) for b in sorted(self.remapped) if b >= start]
        return b"".join(lines[:count])

    def expected_table(self):
        t = [b"%d:%d" % (os.major(os.stat(self.devs[k][0]).st_rdev),
                         os.minor(os.stat(self.devs[k][0]).st_rdev)) for k in ("RM", "RS")]
        feats = ([] if self.tun["auto"] else [b"no_auto_remap"]) + (
            [] if self.tun["rr"] == 2 else [b"read_retries", b"%d" % self.tun["rr"]])
        return b" ".join(t + ([b"%d" % len(feats)] + feats if feats else []))

    def check_data(self, blocks, chunk=1):
        """Blocks (runs of @chunk from each) read back their known data."""
        for b in blocks:
            if chunk > 1 and b % chunk:
                continue
            n = min(chunk, self.r0_blocks - b)
            data = self.r0_node.rw(b * 4096, length=4096 * n)
            for j in range(n):
                if data[j * 4096:(j + 1) * 4096] != pattern(SEED, b + j, 4096):
                    return "block %d does not read back its data" % (b + j)
        return None

    def gen_blocks(self, rng, limit, n=None):
        nb = self.r0_blocks
        if n is None:
            n = rng.choices([1, rng.randint(2, 8), rng.randint(9, 64), rng.randint(65, 400), 0,
                             limit, limit + 1, 5000], [30, 30, 15, 4, 4, 3, 3, 2])[0]
        out = []
        for _ in range(n):
            r = rng.random()
            if r < 0.85:
                if self.remapped and rng.random() < 0.3:
                    out.append(str(rng.choice(list(self.remapped))).encode())
                else:
                    out.append(str(rng.randrange(nb)).encode())
            else:
                out.append(any_number(rng, nb))
        return out

    def gen_message(self, rng):
        """(message bytes, sector)"""
        verbs = [b"remap", b"unremap", b"list", b"stats", b"health", b"commit", b"scrub",
                 b"clear_stats", b"set"]
        k = rng.choices(["remap", "unremap", "list", "noarg", "set", "scrub", "random", "case",
                         "sector", "fill"], [28, 14, 10, 8, 12, 6, 12, 6, 4, 1])[0]
        if k == "fill":
            # the pool's last free block, or one more than it has
            free = [b for b in range(self.r0_blocks) if b not in self.remapped]
            n = min(1024, self.r0_pool - len(self.remapped) + rng.choice([0, 1]))
            words = [b"remap"] + [str(b).encode() for b in rng.sample(free, n)]
        elif k == "remap":
            words = [b"remap"] + self.gen_blocks(rng, 1024)
        elif k == "unremap":
            if self.remapped and rng.random() < 0.6:
                pick = rng.sample(sorted(self.remapped), min(len(self.remapped),
                                                            rng.choice([1, 2, 5, 50, 512, 513])))
                words = [b"unremap"] + [str(b).encode() for b in pick]
                if rng.random() < 0.2:
                    words += self.gen_blocks(rng, 512, 1)
            else:
                words = [b"unremap"] + self.gen_blocks(rng, 512)
        elif k == "list":
            words = [b"list"] + [any_number(rng, rng.choice([self.r0_blocks, 1000]))
                                 for _ in range(rng.choice([0, 1, 2, 2, 3]))]
        elif k == "noarg":
            words = [rng.choice([b"stats", b"health", b"commit", b"clear_stats"])]
            words += [random_word(rng) for _ in range(rng.choice([0, 0, 1, 2]))]
        elif k == "set":
            name = rng.choice([b"read_retries", b"auto_remap", b"READ_RETRIES", b"Auto_Remap",
                               b"read-retries", b"block_size", random_word(rng)])
            val = rng.choice([any_number(rng, 16), str(rng.randint(0, 16)).encode(), b"on",
                              b"off", b"ON", b"Off", b"yes", b"1", b"0", b"onn", b"o",
                              random_word(rng)])
            words = [b"set", name, val][:rng.choice([1, 2, 3, 3, 3, 3, 4])]
            if len(words) == 4:
                words.append(random_word(rng))
        elif k == "scrub":
            sub = rng.choice([b"start", b"stop", b"status", b"START", b"pause", random_word(rng)])
            words = [b"scrub", sub][:rng.choice([1, 2, 2])]
            if sub.lower() == b"start" and len(words) == 2 and rng.random() < 0.7:
                words.append(rng.choice([any_number(rng, 10000), str(rng.randint(1, 10000)).encode()]))
            if rng.random() < 0.1:
                words.append(random_word(rng))
        elif k == "random":
            words = [random_word(rng) if rng.random() < 0.95 else random_word(rng, 5000)]
            words += [rng.choice([random_word(rng), any_number(rng, 100)])
                      for _ in range(rng.choice([0, 1, 2, 5]))]
            if words[0].startswith(b"@"):
                words[0] = b"x" + words[0]
        elif k == "case":
            v = rng.choice(verbs)
            v = bytes(c ^ 0x20 if 0x61 <= c <= 0x7A and rng.random() < 0.5 else c for c in v)
            words = [v] + self.gen_blocks(rng, 8, rng.choice([0, 1, 2]))
        else:
            words = [rng.choice(verbs)] + self.gen_blocks(rng, 8, 1)
        msg = b" ".join(words)
        if rng.random() < 0.03:
            msg = msg.replace(b" ", rng.choice([b"\t", b"  ", b"\\ ", b" \xa0"]), 1)
        sector = 0
        if k == "sector":
            sector = rng.choice([1, self.r0_blocks * 8 - 1, self.r0_blocks * 8, 2**63, 2**64 - 1])
        return msg, sector

    def parse_blocks(self, args, limit):
        """The kernel's parse_blocks(): (blocks, None) or (None, reason)."""
        if not args or len(args) > limit:
            return None, "takes 1 to %d block numbers" % limit
        out = []
        for a in args:
            v = kstrtou(a, 64, plus=False)
            if v is None:
                return None, "invalid block number"
            if v >= self.r0_blocks:
                return None, "is beyond the device's"
            out.append(v)
        return out, None

    def model_message(self, msg, sector):
        """('refuse', reason|None) | ('accept', kind, data) | None"""
        if sector >= self.r0_blocks * 8:
            return "refuse", None
        w = dm_split(msg)
        if not w:
            return "refuse", None
        verb, args = w[0].lower(), w[1:]
        if w[0].startswith(b"@"):
            return None
        noargs = {b"stats", b"clear_stats", b"commit", b"health"}
        if verb in noargs and args:
            return "refuse", "takes no arguments"
        if verb == b"remap":
            blocks, why = self.parse_blocks(args, 1024)
            if why:
                return "refuse", why
            new = {b for b in blocks if b not in self.remapped}
            if len(new) > self.r0_pool - len(self.remapped):
                return "refuse", "spare pool is full"
            return "accept", "remap", blocks
        if verb == b"unremap":
            blocks, why = self.parse_blocks(args, 512)
            if why:
                return "refuse", why
            if any(b not in self.remapped for b in blocks):
                return "refuse", "block is not remapped"
            if len(set(blocks)) != len(blocks):
                return None
            return "accept", "unremap", blocks
        if verb == b"list":
            if len(args) > 2:
                return "refuse", "list takes at most"
            start = kstrtou(args[0], 64, plus=False) if args else 0
            if start is None:
                return "refuse", "list: invalid start block"
            count = kstrtou(args[1], 64, plus=False) if len(args) > 1 else 1000
            if count is None:
                return "refuse", "list: invalid count"
            return "accept", "list", (start, count)
        if verb in noargs:
            return "accept", verb.decode(), None
        if verb == b"set":
            if len(args) != 2:
                return "refuse", "set takes"
            name, val = args[0].lower(), args[1]
            if name == b"read_retries":
                v = kstrtou(val, 32, plus=False)
                if v is None or v > 16:
                    return "refuse", "set read_retries"
                return "accept", "set", ("rr", v)
            if name == b"auto_remap":
                on = switch_word(val)
                if on is None:
                    return "refuse", "set auto_remap"
                return "accept", "set", ("auto", on)
            return "refuse", "set: unknown tunable"
        if verb == b"scrub":
            if len(args) > 2:
                return "refuse", "scrub: too many arguments"
            sub = args[0].lower() if args else b""
            if sub == b"start":
                if len(args) == 2:
                    v = kstrtou(args[1], 32, plus=False)
                    if v is None or not 1 <= v <= 10000:
                        return "refuse", "scrub start takes an optional rate"
                return "accept", "scrub-start", None
            if sub in (b"stop", b"status") and len(args) == 1:
                return "accept", "scrub", sub
            return "refuse", "scrub takes start"
        return "refuse", "unknown message"

    def phase_messages(self):
        rng = random.Random("%d-messages" % SEED)
        for i in range(COUNTS["messages"]):
            msg, sector = self.gen_message(rng)
            what = "%r%s" % (msg[:300] + (b"...(%d bytes)" % len(msg) if len(msg) > 300 else b""),
                             " at sector %d" % sector if sector else "")
            model = self.model_message(msg, sector)
            before = self.r0_state()
            self.kmsg.drain()
            err = 0
            try:
                reply = self.dm.message(self.r0, msg, sector)
            except DmError as e:
                err, reply = e.errno, None
            lines = self.kmsg.drain()
            after = self.r0_state()
            if err:
                self.count("messages", "refused")
                why = reasons(lines)
                if not why:
                    lines += self.kmsg.flush()
                    why = reasons(lines)
                if not why:
                    self.fail("messages", i, what, "refused (%s) with no reason in the kernel log"
                              % os.strerror(err), lines)
                elif model and model[0] == "accept":
                    self.fail("messages", i, what, "refused; the documented rules accept it", lines)
                elif model and model[1] and not any(model[1] in ln for ln in why):
                    self.fail("messages", i, what, "refused, but not with '%s'" % model[1], lines)
                if before != after:
                    self.fail("messages", i, what, "refused, but the state changed: %r -> %r" % (
                        before[:2], after[:2]), lines)
                continue
            self.count("messages", "accepted")
            if model and model[0] == "refuse":
                self.fail("messages", i, what, "accepted; the documented rules refuse it (%s)"
                          % model[1], lines)
            problem = self.check_message_effect(model, reply, before, after) \
                if model and model[0] == "accept" else None
            if problem:
                self.fail("messages", i, what, problem, lines)
            # resynchronise the model with what the device says
            self.remapped = {}
            for ln in after[2].splitlines():
                b, s, _f = ln.split()
                self.remapped[int(b)] = int(s)
            if model and model[1] == "scrub-start":
                self.dm.message(self.r0, b"scrub stop")
            if i % 500 == 499:
                bad = self.check_data(sorted(self.remapped) + rng.sample(range(self.r0_blocks), 50))
                if bad:
                    self.fail("messages", i, "data check", bad)
        self.dm.message(self.r0, b"scrub stop")
        bad = self.check_data(range(self.r0_blocks), chunk=256)
        if bad:
            self.fail("messages", COUNTS["messages"], "final data check", bad)

    def check_message_effect(self, model, reply, before, after):
        kind, data = model[1], model[2]
        if kind == "remap":
            lines = reply.splitlines()
            if len(lines) != len(data):
                return "remap replied %d lines for %d blocks" % (len(lines), len(data))
            got = {}
            used = set(self.remapped.values())
            for b, ln in zip(data, lines):
                pb, ps = (int(x) for x in ln.split())
                if pb != b:
                    return "remap reply line %r for block %d" % (ln, b)
                if b in self.remapped and ps != self.remapped[b]:
                    return "block %d moved from spare %d to %d" % (b, self.remapped[b], ps)
                if b not in self.remapped and (ps in used and got.get(b) != ps or ps >= self.r0_pool):
                    return "block %d got spare block %d, in use or outside the pool" % (b, ps)
                used.add(ps)
                got[b] = ps
            self.remapped.update(got)
        elif kind == "unremap":
            if reply != b"".join(b"%d\n" % b for b in data):
                return "unremap replied %r" % reply[:200]
            for b in data:
                self.remapped.pop(b, None)
        elif kind == "list":
            start, count = data
            if reply != self.expected_list(start, count):
                return "list %d %d replied %r, expected %r" % (start, count, reply[:300],
                                                               self.expected_list(start, count)[:300])
        elif kind == "set":
            self.tun[data[0]] = data[1]
        elif kind == "commit":
            if not re.fullmatch(rb"seq=\d+\n", reply) or \
                    reply[4:-1] != after[0].split()[8]:
                return "commit replied %r, status says %r" % (reply, after[0])
        elif kind in ("stats", "health"):
            kv = dict(ln.split(b"=", 1) for ln in reply.splitlines()[1 if kind == "health" else 0:])
            if kv.get(b"remapped") != b"%d" % len(self.remapped):
                return "%s says remapped=%r, expected %d" % (kind, kv.get(b"remapped"), len(self.remapped))
        if kind in ("remap", "unremap") and after[2] != self.expected_list(0, 2**64):
            return "list after %s: %r, expected %r" % (kind, after[2][:300],
                                                        self.expected_list(0, 2**64)[:300])
        if after[1] != self.expected_table():
            return "table line %r, expected %r" % (after[1], self.expected_table())
        f = after[0].split()
        if f[1] != b"%d" % len(self.remapped) or f[3] != b"%d" % (self.r0_pool - len(self.remapped)):
            return "status %r: remapped/spare_free do not match %d remaps" % (after[0], len(self.remapped))
        return None

    # -----------------------------------------------------------------------
    # sysfs

    def phase_sysfs(self):
        rng = random.Random("%d-sysfs" % SEED)
        d = "/sys/kernel/dm_remap/dm-%d" % self.minor
        files = sorted(os.listdir(d))
        writable = [f for f in files if os.stat(os.path.join(d, f)).st_mode & 0o222]
        if sorted(writable) != ["auto_remap", "read_retries"]:
            self.fail("sysfs", 0, d, "writable files %r, docs/target.md lists auto_remap and "
                      "read_retries" % writable)
        values = [b"0", b"1", b"2", b"15", b"16", b"17", b"16\n", b"+3", b"-1", b"0x10", b" 5",
                  b"5 ", b"5\n\n", b"", b"\n", b"on", b"off", b"on\n", b"ON", b"Off", b"o", b"of",
                  b"y", b"n", b"Y", b"N", b"yes", b"no", b"true", b"false", b"t", b"f", b"x",
                  b"2\x00junk", b"4294967296", b"4294967297", b"18446744073709551617",
                  b"9" * 5000, b"1" * 4096 + b"x", b"\xff", b"\xa0"]
        for i in range(COUNTS["sysfs"]):
            f = rng.choice(writable * 10 + files)
            val = rng.choice(values) if rng.random() < 0.8 else (
                any_number(rng, 16) if rng.random() < 0.5 else random_word(rng))
            what = "%s <- %r" % (f, val[:100])
            path = os.path.join(d, f)
            with open(path, "rb") as fh:
                old = fh.read()
            table_before = self.dm.status(self.r0, table=True)[0][3]
            self.kmsg.drain()
            err = 0
            try:
                fd = os.open(path, os.O_WRONLY)
                try:
                    os.write(fd, val)
                finally:
                    os.close(fd)
            except OSError as e:
                err = e.errno
            lines = self.kmsg.drain()
            with open(path, "rb") as fh:
                new = fh.read()
            # the store sees at most a page, up to the first NUL
            stored = val[:4096].split(b"\0")[0]
            if f not in writable:
                want = ("refuse", errno.EACCES)
            elif not val:
                want = ("same", 0)
            elif len(val) > 4096:
                want = ("any", 0)
            elif f == "read_retries":
                v = kstrtou(stored, 32, plus=False)
                want = ("refuse", errno.EINVAL) if v is None or v > 16 else ("set", b"%d\n" % v)
            else:
                on = switch_word(stored)
                want = ("refuse", errno.EINVAL) if on is None else ("set", b"on\n" if on else b"off\n")
            if err:
                self.count("sysfs", "refused")
                if want[0] != "any" and (want[0] != "refuse" or err != want[1]):
                    self.fail("sysfs", i, what, "refused with %s, expected %s" % (
                        os.strerror(err), want), lines)
                if new != old or self.dm.status(self.r0, table=True)[0][3] != table_before:
                    self.fail("sysfs", i, what, "refused, but %s changed %r -> %r" % (f, old, new))
                continue
            self.count("sysfs", "accepted")
            if want[0] == "refuse":
                self.fail("sysfs", i, what, "accepted (%r -> %r), expected %s" % (
                    old, new, os.strerror(want[1])), lines)
            elif want[0] == "set" and new != want[1]:
                self.fail("sysfs", i, what, "reads %r afterwards, expected %r" % (new, want[1]))
            elif want[0] == "same" and new != old:
                self.fail("sysfs", i, what, "an empty write changed %r -> %r" % (old, new))
            elif new not in (b"on\n", b"off\n") and not (new.strip().isdigit() and int(new) <= 16):
                self.fail("sysfs", i, what, "reads %r afterwards" % new)
            if f == "read_retries":
                self.tun["rr"] = int(new)
            elif f == "auto_remap":
                self.tun["auto"] = new == b"on\n"
            t = self.dm.status(self.r0, table=True)[0][3]
            if t != self.expected_table():
                self.fail("sysfs", i, what, "table line %r, expected %r" % (t, self.expected_table()))

    def r0_remove(self):
        self.r0_node.close()
        self.remove(self.r0)

    # -----------------------------------------------------------------------
    # Metadata images

    def image_load(self, name, length, bs):
        params = b"%s %s" % (self.devs["IM"][0].encode(), self.devs["IS"][0].encode())
        if bs != 4096:
            params += b" 2 block_size %d" % bs
        return self.try_create(name, [(0, length, b"remap", params)])

    def write_spare(self, img):
        """Make the spare's backing file exactly @img and the loop see its size."""
        path = self.devs["IS"][1]
        with open(path, "r+b") as fh:
            fh.truncate(len(img))
            fh.seek(0)
            fh.write(img)
        fd = os.open(self.devs["IS"][0], os.O_RDONLY)
        try:
            fcntl.ioctl(fd, LOOP_SET_CAPACITY, 0)
        finally:
            os.close(fd)

    def read_spare(self):
        with open(self.devs["IS"][1], "rb") as fh:
            return fh.read()

    def make_bases(self):
        """Images the kernel wrote: (name, bs, image bytes, list reply)."""
        rng = random.Random("%d-bases" % SEED)
        length = dev_size(self.devs["IM"][0])
        bases = []
        for label, bs, nremap in (("bs4096", 4096, 300), ("bs512", 512, 200),
                                  ("bs65536", 65536, 12), ("empty", 4096, 0)):
            self.write_spare(bytes(self.spare_bytes))
            name = b"kfuzz-base"
            stage, err, lines, rdev = self.image_load(name, length, bs)
            if stage:
                raise RuntimeError("base %s: %s %s" % (label, stage, lines))
            node = Node(rdev)
            nb = length * 512 // bs
            for b in range(0, nb, max(1, (1 << 20) // bs)):
                n = min(nb - b, max(1, (1 << 20) // bs))
                node.rw(b * bs, b"".join(pattern(SEED, x, bs) for x in range(b, b + n)))
            blocks = rng.sample(range(nb), min(nremap, nb))
            for j in range(0, len(blocks), 100):
                self.dm.message(name, b"remap " + b" ".join(b"%d" % x for x in blocks[j:j + 100]))
            if blocks:
                self.dm.message(name, b"unremap " + b" ".join(b"%d" % x for x in blocks[:nremap // 10]))
            lst = self.dm.message(name, b"list 0 1000000")
            node.close()
            self.remove(name)
            bases.append((label, bs, self.read_spare(), lst))
            self.kmsg.drain()
        return bases, length

    def mutate(self, rng, img, bs):
        """A mutated copy of @img (bytearray) and a description."""
        img = bytearray(img)
        sb = mc.parse_superblock(img[:4096])
        c1 = sb["copy_offset1"] * 512
        copies = [0, c1]
        used = max(1, mc.used_blocks(sb["table_used"]))
        desc = []

        def reseal(off):
            img[off:off + 4] = struct.pack("<I", mc.crc32c(bytes(img[off + 4:off + 4096])))

        kinds = rng.choices(["flip", "bytes", "sbfield", "tbfield", "entry", "swap", "stale",
                             "truncate", "grow", "garbage", "dupentry"],
                            [12, 8, 25, 10, 18, 4, 4, 5, 2, 4, 5], k=rng.choice([1, 1, 1, 2, 3]))
        # a changed size last: the other mutations address both copies
        kinds.sort(key=lambda k: k in ("truncate", "grow"))
        for k in kinds:
            both = rng.random() < 0.6
            targets = copies if both else [rng.choice(copies)]
            seal = rng.random() < 0.85
            if k == "flip":
                blk = rng.choice([0] + [4096 * (1 + t) for t in range(used)])
                off = rng.choice(targets) + blk + rng.choice([rng.randrange(4096), rng.randrange(160)])
                img[off] ^= 1 << rng.randrange(8)
                desc.append("flip byte %d" % off)
                if seal and rng.random() < 0.5:
                    reseal(off // 4096 * 4096)
                    desc[-1] += " resealed"
            elif k == "bytes":
                for base in targets:
                    blk = base + rng.choice([0] + [4096 * (1 + t) for t in range(used)])
                    off = blk + rng.randrange(4096)
                    n = rng.choice([1, 4, 8, 32, 512])
                    fill = rng.choice([0, 0xFF])
                    img[off:off + n] = bytes([fill]) * len(img[off:off + n])
                    desc.append("%d bytes 0x%02x at %d" % (n, fill, off))
                    if seal:
                        reseal(blk)
            elif k == "sbfield":
                idx = rng.randrange(1, len(mc.SB_FIELDS))
                field, code, off = mc.SB_FIELDS[idx], SB_CODES[idx], SB_OFFSETS[idx]
                if code == "16s":
                    val = rng.choice([bytes(16), b"\xff" * 16, rng.randbytes(16)])
                    raw = val
                else:
                    bits = 32 if code == "I" else 64
                    cur = struct.unpack_from("<" + code, img, off)[0]
                    val = rng.choice([0, 1, cur - 1, cur + 1, cur * 2, cur // 2, 2**31 - 1, 2**31,
                                      2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1,
                                      rng.randrange(2**bits), cur + 8, cur - 8, cur ^ 0x80])
                    val %= 2**bits
                    raw = val.to_bytes(bits // 8, "little")
                for base in targets:
                    img[base + off:base + off + len(raw)] = raw
                    if seal:
                        reseal(base)
                desc.append("superblock %s = %s in copy %s%s" % (
                    field, val.hex() if code == "16s" else val, "both" if both else copies.index(targets[0]),
                    " resealed" if seal else ""))
            elif k == "tbfield":
                t = rng.randrange(used)
                field, off, size = rng.choice([("magic", 4, 4), ("seq", 8, 8), ("index", 16, 8),
                                               ("copy", 24, 4), ("reserved", 28, 4)])
                val = rng.choice([0, 1, 2, 2**32 - 1, 2**64 - 1, sb["seq"] + 1, sb["seq"],
                                  sb["seq"] - 1, t + 1, used]) % 2**(8 * size)
                for base in targets:
                    blk = base + 4096 * (1 + t)
                    img[blk + off:blk + off + size] = val.to_bytes(size, "little")
                    if seal:
                        reseal(blk)
                desc.append("table block %d %s = %d%s" % (t, field, val, " resealed" if seal else ""))
            elif k in ("entry", "dupentry"):
                t = rng.randrange(used)
                slot = rng.randrange(127)
                nb = sb["main_sectors"] // (bs // 512)
                if k == "dupentry":
                    src = rng.randrange(127)
                    e = bytes(img[4096 * (1 + t) + 32 + 32 * src:4096 * (1 + t) + 64 + 32 * src])
                    desc.append("table block %d entry %d = entry %d" % (t, slot, src))
                else:
                    block = rng.choice([0, 1, nb - 1, nb, nb + 1, 2**32, 2**63, 2**64 - 2,
                                        2**64 - 1, rng.randrange(nb)])
                    flags = rng.choice([0, 1, 2, 3, 4, 0x80000000, 2**32 - 1])
                    lost = rng.choice([0, 1, (1 << (bs // 512)) - 1, 1 << (bs // 512),
                                       1 << 127, 2**128 - 1, 1 << rng.randrange(128)])
                    reserved = rng.choice([0, 0, 0, 1])
                    lost &= 2**128 - 1
                    e = struct.pack("<QII2Q", block % 2**64, flags, reserved, lost & (2**64 - 1),
                                    lost >> 64)
                    desc.append("table block %d entry %d = block %d flags %#x reserved %d lost %#x"
                                % (t, slot, block, flags, reserved, lost))
                for base in targets:
                    blk = base + 4096 * (1 + t)
                    img[blk + 32 + 32 * slot:blk + 64 + 32 * slot] = e
                    if seal:
                        reseal(blk)
                desc[-1] += " in copy %s%s" % ("both" if both else copies.index(targets[0]),
                                               " resealed" if seal else "")
            elif k == "swap":
                n = 4096 * (1 + used)
                a, b = bytes(img[0:n]), bytes(img[c1:c1 + n])
                img[0:n], img[c1:c1 + n] = b, a
                desc.append("copies swapped")
            elif k == "stale":
                # one copy gets an older sequence number (a copy left behind)
                c = rng.choice(copies)
                img[c + 16:c + 24] = struct.pack("<Q", max(1, sb["seq"] - rng.choice([1, 2, 100])))
                reseal(c)
                desc.append("copy %d seq lowered" % copies.index(c))
            elif k == "truncate":
                cut = rng.choice([512, 4096, 8192, c1 // 2, len(img) - c1, len(img) - 4096,
                                  len(img) - 512, len(img) - 40 * 512])
                cut = max(512, min(cut, len(img) - 512)) // 512 * 512
                del img[len(img) - cut:]
                desc.append("truncated by %d bytes" % cut)
            elif k == "grow":
                img += bytes(rng.choice([4096, 1 << 20]))
                desc.append("grown to %d bytes" % len(img))
            elif k == "garbage":
                base = rng.choice(targets)
                blk = base + rng.choice([0] + [4096 * (1 + t) for t in range(used)])
                img[blk:blk + 4096] = rng.randbytes(4096)
                desc.append("garbage metadata block at %d" % blk)
        return img, "; ".join(desc)

    def oracle(self, img, bs, length):
        """('load', res) | ('refuse-ctr', reason) | ('refuse-resume', reason)"""
        res = mc.check(mc.Image(data=bytes(img)), bs, length)
        v = res["verdict"]
        if v in ("ok", "degraded"):
            pool = res["geometry"]["pool_blocks"]
            if any(s >= pool for s in res["remaps"]):
                return "refuse-resume", "an entry beyond the pool"
            return "load", res
        if v == "blank":
            return "format", res
        if v == "no-consistent-copy":
            return "refuse-resume", res["reason"]
        return "refuse-ctr", res["reason"]

    def check_loaded_image(self, name, rdev, img, res, bs):
        st = self.dm.status(name)[0][3].split()
        want_state = {"ok": b"ok", "degraded": b"degraded", "blank": b"ok"}[res["verdict"]]
        if len(st) < 13 or st[9] != want_state:
            return "status %r, expected metadata_state %s" % (b" ".join(st), want_state)
        lst = self.dm.message(name, b"list 0 1000000")
        got = {}
        for ln in lst.splitlines():
            b, s, fl = ln.split()
            got[int(b)] = (int(s), fl)
        want = res.get("block_map", {})
        got = {b: s for b, (s, _f) in got.items()}
        if got != want:
            return "%d remaps listed, the offline checker loads %d (differences: %r)" % (
                len(got), len(want), sorted(set(got.items()) ^ set(want.items()))[:6])
        if int(st[1]) != len(want):
            return "status remapped %s, %d remaps" % (st[1], len(want))
        node = Node(rdev)
        try:
            pool_off = res["geometry"]["pool_offset"] * 512 if "geometry" in res else 0
            lost = {b for b, s in want.items() if res["remaps"][s][1] & 1 and
                    (res["remaps"][s][2] | res["remaps"][s][3])}
            for b in sorted(set(want) - lost)[:8]:
                s = want[b]
                data = node.rw(b * bs, length=bs)
                if data != bytes(img[pool_off + s * bs:pool_off + (s + 1) * bs]):
                    return "block %d does not read its spare block %d" % (b, s)
            for b in [x for x in sorted(want)[:1] + [0] if x not in lost][:2]:
                data = os.urandom(bs)
                node.rw(b * bs, data)
                back = node.rw(b * bs, length=bs)
                # the main device keeps its known data for the next images
                node.rw(b * bs, pattern(SEED, b, bs))
                if back != data:
                    return "block %d does not read back what was written" % b
        finally:
            node.close()
        reply = self.dm.message(name, b"commit")
        st = self.dm.status(name)[0][3].split()
        if not re.fullmatch(rb"seq=\d+\n", reply) or st[9] != b"ok":
            return "commit replied %r, metadata_state %s afterwards" % (reply, st[9])
        return None

    def phase_images(self):
        rng = random.Random("%d-images" % SEED)
        self.spare_bytes = bytes(dev_size(self.devs["IS"][0]) * 512)
        bases, length = self.make_bases()
        name = b"kfuzz-img"
        current = None
        for i in range(COUNTS["images"]):
            label, bs, base, _lst = rng.choice(bases)
            img, desc = self.mutate(rng, base, bs)
            what = "%s: %s" % (label, desc)
            if current is None or len(current) != len(img):
                self.write_spare(img)
            else:
                self.patch_spare(current, img)
            current = img
            verdict, res = self.oracle(img, bs, length)
            stage, err, lines, rdev = self.image_load(name, length, bs)
            why = reasons(lines)
            if stage:
                self.count("images", "refused at " + stage)
                if not why:
                    self.fail("images", i, what, "refused (%s, %s) with no reason in the kernel log"
                              % (stage, os.strerror(err)), lines)
                expect = {"load": "no refusal", "format": "no refusal",
                          "refuse-ctr": "load", "refuse-resume": "resume"}[verdict]
                if expect != stage:
                    self.fail("images", i, what, "refused at %s; the offline checker says %s (%s)"
                              % (stage, verdict, res if isinstance(res, str) else res["reason"]),
                              lines)
                if self.read_spare() != bytes(img):
                    self.fail("images", i, what, "refused, but the spare was written")
                    current = None
                continue
            self.count("images", "loaded")
            try:
                if verdict not in ("load", "format"):
                    self.fail("images", i, what, "loaded; the offline checker says %s (%s)" % (
                        verdict, res), lines)
                else:
                    problem = self.check_loaded_image(name, rdev, img, res, bs)
                    if problem:
                        self.fail("images", i, what, problem, self.kmsg.drain())
            finally:
                self.remove(name)
                current = None
        # a valid image still loads and reads back right
        label, bs, base, lst = bases[0]
        self.write_spare(base)
        stage, err, lines, rdev = self.image_load(name, length, bs)
        if stage:
            self.fail("images", COUNTS["images"], "the %s base image" % label,
                      "does not load after the run", lines)
            return
        node = Node(rdev)
        try:
            got = self.dm.message(name, b"list 0 1000000")
            if got != lst:
                self.fail("images", COUNTS["images"], "the %s base image" % label,
                          "lists other remaps after the run")
            bad = [b for b in range(length * 512 // bs)
                   if node.rw(b * bs, length=bs) != pattern(SEED, b, bs)]
            if bad:
                self.fail("images", COUNTS["images"], "the %s base image" % label,
                          "%d blocks do not read back their data, the first %d" % (len(bad), bad[0]))
            elif got == lst:
                print("kfuzz: the %s base image loads again with its %d remaps and reads back right"
                      % (label, len(lst.splitlines())))
        finally:
            node.close()
            self.remove(name)

    def patch_spare(self, old, new):
        """Write the 4 KiB blocks of the spare that differ."""
        fd = os.open(self.devs["IS"][1], os.O_WRONLY)
        try:
            for off in range(0, len(new), 4096):
                if old[off:off + 4096] != new[off:off + 4096]:
                    os.pwrite(fd, bytes(new[off:off + 4096]), off)
        finally:
            os.close(fd)


def main(argv):
    outdir = argv[0]
    devs = {}
    for a in argv[1:]:
        k, v = a.split("=", 1)
        dev, f = v.split(":", 1)
        devs[k] = (dev, f)
    phases = os.environ.get("DMREMAP_FUZZ_PHASES", "tables messages sysfs images").split()
    print("kfuzz: seed %d (DMREMAP_FUZZ_SEED), counts %s" % (SEED, COUNTS))
    fz = Fuzz(outdir, devs)
    fd = os.open(devs["B"][0], os.O_RDONLY)
    fcntl.ioctl(fd, LOOP_SET_BLOCK_SIZE, 4096)
    os.close(fd)
    # the message device lives through the first three phases: its devices
    # are the busy ones of the table lines
    fz.r0_setup()
    for p in ("tables", "messages", "sysfs", "images"):
        if p == "images":
            fz.r0_remove()
        if p not in phases:
            continue
        t0 = time.monotonic()
        getattr(fz, "phase_" + p)()
        print("kfuzz: %s done in %.1f s" % (p, time.monotonic() - t0))
        sys.stdout.flush()
    fz.finish()


if __name__ == "__main__":
    main(sys.argv[1:])
