#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Crash-consistency check of dm-remap metadata from a dm-log-writes log of
the spare device (scenario 31-crash-consistency).

Replays the log onto a zeroed image of the spare and stops at every FLUSH
and FUA entry: the state of the medium if power failed right after that
flush. At each point the metadata is loaded with metadata_check.py (the
kernel's load rules) and must give a consistent copy whose remaps are the
state after the acknowledged operations, or after the one operation that
may have been in flight: every `remap` acknowledged before the point is
there (on the spare block its reply named), every acknowledged `unremap` is
gone, and the in-flight operation is all there or not at all.

The driver wrote OPS: one line per operation, in the order issued, one at a
time:  "<n> remap <block>:<spare> ..."  or  "<n> unremap <block> ...",  and
put a log mark "ack-<n>" on the log-writes device after the reply to
operation n. A mark is logged when it is issued, after the flushes that
completed before it, so the marks before a point are the operations that
were acknowledged when it was reached.

Besides the flush points, for every stretch of writes between two flushes
it checks one "torn" state: the earlier flush plus a random subset of the
writes that followed (some cut at a random sector), i.e. a crash with part
of the unflushed writes on the medium.

Further checks at every point: the metadata sequence never goes back; the
remaps carry no flags (all are manual); for target blocks at or above
--stamp-from, which were filled with stamp(block) before the run and never
written afterwards, the spare block the loaded copy names holds that
stamp.

--dump N writes N images of evenly spread points to --dump-dir, each with
the lists (old, new: the two acceptable states; loaded: what the checker
loaded) for a check against a real target. --final IMAGE: the full replay
must equal IMAGE byte for byte (the spare device after the run).
"""
import argparse
import hashlib
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import log_writes as lw  # noqa: E402
import metadata_check as mc  # noqa: E402


def stamp(block, block_size):
    rec = ("B%015d" % block).encode()
    return rec * (block_size // len(rec))


class Overlay:
    """The image with some sectors replaced: a torn state, without copying."""

    def __init__(self, base, sectors):
        self.base = base
        self.over = sectors         # {sector: 512 bytes}
        self.sectors = len(base) // 512

    def read(self, sector):
        if sector < 0 or sector + mc.META_SECTORS > self.sectors:
            return None
        return self.read_bytes(sector * 512, mc.META)

    def read_bytes(self, off, n):
        b = bytearray(self.base[off:off + n])
        first, last = off // 512, (off + n - 1) // 512
        for s in range(first, last + 1):
            d = self.over.get(s)
            if d is not None:
                b[s * 512 - off:s * 512 - off + 512] = d
        return bytes(b)


class Plain:
    def __init__(self, base):
        self.base = base
        self.sectors = len(base) // 512

    def read(self, sector):
        if sector < 0 or sector + mc.META_SECTORS > self.sectors:
            return None
        return bytes(self.base[sector * 512:sector * 512 + mc.META])

    def read_bytes(self, off, n):
        return bytes(self.base[off:off + n])


def read_ops(path):
    ops = []
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            n, kind = int(w[0]), w[1]
            if n != len(ops) + 1:
                raise SystemExit("ops file: operation %d out of order" % n)
            if kind == "remap":
                pairs = [tuple(int(x) for x in p.split(":")) for p in w[2:]]
                ops.append(("remap", pairs))
            elif kind == "unremap":
                ops.append(("unremap", [int(x) for x in w[2:]]))
            else:
                raise SystemExit("ops file: unknown operation %r" % kind)
    return ops


def states_after(ops):
    """states[k]: {block: spare} after operations 1..k."""
    states = [{}]
    cur = {}
    for kind, args in ops:
        cur = dict(cur)
        if kind == "remap":
            for block, spare in args:
                if block in cur and cur[block] != spare:
                    raise SystemExit("remap of block %d replied spare %d, it was on %d" %
                                     (block, spare, cur[block]))
                cur[block] = spare
        else:
            for block in args:
                cur.pop(block, None)
        states.append(cur)
    return states


def describe_diff(got, want):
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    moved = sorted(b for b in set(got) & set(want) if got[b] != want[b])
    return "missing %s, extra %s, other spare %s" % (missing[:8], extra[:8], moved[:8])


class Checker:
    def __init__(self, a, states):
        self.a = a
        self.states = states
        self.last_seq = 0
        self.failures = []
        self.counts = {"flush": 0, "torn": 0, "blank": 0, "degraded": 0,
                       "in_flight_new": 0, "data_blocks": 0}

    def fail(self, what):
        self.failures.append(what)
        print("FAIL: " + what, file=sys.stderr)

    def check(self, img, where, allowed, torn):
        """Loads @img; its remaps must equal states[k] for some k in @allowed."""
        a = self.a
        res = mc.check(img, a.block_size, a.main_sectors)
        v = res["verdict"]
        if v == "blank":
            if min(allowed) > 0:
                self.fail("%s: blank spare after acknowledged operations" % where)
            self.counts["blank"] += 1
            return res, None
        if v not in ("ok", "degraded"):
            self.fail("%s: %s: %s\n%s" % (where, v, res["reason"], mc.report(res, where)))
            return res, None
        if v == "degraded":
            self.counts["degraded"] += 1
        got = res["block_map"]
        match = [k for k in allowed if k < len(self.states) and self.states[k] == got]
        if not match:
            k = min(allowed)
            self.fail("%s: loaded remaps (%d, seq %d, copy %d) are none of the states after "
                      "operations %s; against %d: %s" %
                      (where, len(got), res["seq"], res["best"], sorted(allowed), k,
                       describe_diff(got, self.states[k])))
        elif min(match) > min(allowed):
            self.counts["in_flight_new"] += 1
        if not torn:
            if res["seq"] < self.last_seq:
                self.fail("%s: metadata seq went back from %d to %d" %
                          (where, self.last_seq, res["seq"]))
            self.last_seq = max(self.last_seq, res["seq"])
        elif res["seq"] < self.last_seq:
            self.fail("%s: torn state loads seq %d, older than the flushed %d" %
                      (where, res["seq"], self.last_seq))
        for spare, (block, flags, l0, l1) in res["remaps"].items():
            if flags or l0 or l1:
                self.fail("%s: block %d has flags %#x lost %#x/%#x" % (where, block, flags, l0, l1))
        if a.stamp_from is not None:
            bs = a.block_size
            for block, spare in got.items():
                if block < a.stamp_from:
                    continue
                off = (res["geometry"]["pool_offset"] * 512) + spare * bs
                if img.read_bytes(off, bs) != stamp(block, bs):
                    self.fail("%s: block %d: spare block %d does not hold its data" %
                              (where, block, spare))
                self.counts["data_blocks"] += 1
        return res, match


def main(argv):
    p = argparse.ArgumentParser()
    p.add_argument("log")
    p.add_argument("--ops", required=True)
    p.add_argument("--spare-bytes", type=int, required=True)
    p.add_argument("--block-size", type=int, default=4096)
    p.add_argument("--main-sectors", type=int, required=True)
    p.add_argument("--stamp-from", type=int, help="first stamped target block")
    p.add_argument("--dump", type=int, default=0)
    p.add_argument("--dump-dir")
    p.add_argument("--final", help="the spare after the run: the full replay must equal it")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--summary", help="write counts as JSON here")
    a = p.parse_args(argv)

    rnd = random.Random(a.seed)
    ops = read_ops(a.ops)
    states = states_after(ops)
    ssize, entries = lw.read_log(a.log)
    if ssize != 512:
        raise SystemExit("expected a 512-byte sector log, got %d" % ssize)
    image = bytearray(a.spare_bytes)
    rep = lw.Replayer(a.log, ssize, image)
    ck = Checker(a, states)

    flush_idx = [e.index for e in entries if e.flags & (lw.FLUSH | lw.FUA)]
    dumps = set()
    if a.dump and flush_idx:
        # evenly spread, from the middle of each stretch; skip the format
        cand = flush_idx[2:] or flush_idx
        step = len(cand) / a.dump
        dumps = {cand[min(len(cand) - 1, int(step * i + step / 2))] for i in range(a.dump)}

    acked = 0                   # ack marks seen so far
    acked_at_last_flush = 0
    pending = []                # writes since the last flush point
    marks = 0
    for e in entries:
        if e.flags & lw.MARK:
            marks += 1
            if e.mark.startswith("ack-"):
                n = int(e.mark[4:])
                if n != acked + 1:
                    ck.fail("log: mark %s after ack-%d" % (e.mark, acked))
                acked = n
            continue
        is_point = bool(e.flags & (lw.FLUSH | lw.FUA))
        if is_point and pending:
            # torn: the last flush point plus part of the writes since
            over = {}
            for w in pending:
                if rnd.random() < 0.5:
                    continue
                rep.log.seek(w.data_offset)
                data = rep.log.read(w.nr_sectors * 512) if not (w.flags & lw.DISCARD) \
                    else bytes(w.nr_sectors * 512)
                secs = list(range(w.nr_sectors))
                if len(secs) > 1 and rnd.random() < 0.3:
                    secs = secs[:rnd.randrange(1, len(secs))]
                for s in secs:
                    over[w.sector + s] = data[s * 512:(s + 1) * 512]
            if over:
                allowed = range(acked_at_last_flush, acked + 2)
                ck.check(Overlay(image, over), "torn state before entry %d" % e.index,
                         allowed, True)
                ck.counts["torn"] += 1
        if not is_point:
            if e.nr_sectors:
                pending.append(e)  # applied at the next flush point
            continue
        for w in pending:
            rep.apply(w)
        rep.apply(e)
        pending = []
        where = "flush point entry %d (after %d acks)" % (e.index, acked)
        res, match = ck.check(Plain(image), where, {acked, acked + 1}, False)
        acked_at_last_flush = acked
        ck.counts["flush"] += 1
        if e.index in dumps and a.dump_dir and match:
            name = os.path.join(a.dump_dir, "point-%06d" % e.index)
            with open(name + ".img", "wb") as f:
                f.write(image)
            for suffix, st in (("old", states[acked]),
                               ("new", states[min(acked + 1, len(states) - 1)])):
                with open("%s.%s" % (name, suffix), "w") as f:
                    for block, spare in sorted(st.items()):
                        f.write("%d %d -\n" % (block, spare))
            with open(name + ".loaded", "w") as f:
                f.write("".join(l + "\n" for l in mc.list_lines(res)))
            with open(name + ".state", "w") as f:
                f.write(res["verdict"] + "\n")
    for w in pending:           # written after the last flush
        rep.apply(w)
    rep.close()
    if acked != len(ops):
        ck.fail("log has %d ack marks, the driver made %d operations" % (acked, len(ops)))
    final_ok = None
    if a.final:
        with open(a.final, "rb") as f:
            real = f.read()
        final_ok = hashlib.sha256(real).digest() == hashlib.sha256(image).digest()
        if not final_ok:
            diff = next(i for i in range(min(len(real), len(image))) if real[i] != image[i])
            ck.fail("the full replay differs from the spare after the run (first at byte %d)" % diff)
    c = ck.counts
    print("replayed %d log entries (%d marks): %d flush points and %d torn states checked, "
          "%d of them degraded, %d blank, %d with the in-flight operation durable, "
          "%d spare-block data checks; %d operations; %d failures" %
          (len(entries), marks, c["flush"], c["torn"], c["degraded"], c["blank"],
           c["in_flight_new"], c["data_blocks"], len(ops), len(ck.failures)))
    if a.summary:
        with open(a.summary, "w") as f:
            json.dump(dict(c, entries=len(entries), ops=len(ops), failures=len(ck.failures),
                           final_identical=final_ok), f)
    return 1 if ck.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
