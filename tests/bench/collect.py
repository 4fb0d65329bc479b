#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Collect benchmark figures and compare them with a baseline.

    collect.py --logs DIR --out FILE.json [--baseline BASE.json] [--band 0.10]
               [--kernel K] [--cpu C] [--commit SHA]

Reads every "figure: <key> <value> <unit> <better>" line of DIR/*.log
(<better> is "higher" or "lower"), writes them with the machine they ran
on as JSON, prints one table, and with a baseline flags each figure that
moved more than the band in the wrong direction. Only figures that do not
depend on the speed of the machine are compared: ratios (remap against
dm-linear, remaps per commit) and sizes (bytes); absolute times and rates
are shown beside the baseline's but never flagged, since TCG on a shared
machine makes them vary far more than the band. Exit status 0 when
nothing regressed, 3 when something did, 2 on bad input.
"""
import argparse
import datetime
import json
import pathlib
import re
import sys

FIGURE = re.compile(r"^figure: (\S+) (\S+) (\S+) (higher|lower)$")
COMPARED_UNITS = {"ratio", "bytes"}


def read_figures(logdir):
    figures = {}
    for log in sorted(pathlib.Path(logdir).glob("*.log")):
        for line in log.read_text(errors="replace").splitlines():
            m = FIGURE.match(line.strip())
            if not m:
                continue
            key, value, unit, better = m.groups()
            try:
                number = float(value)
            except ValueError:
                continue
            figures[key] = {"value": number, "unit": unit, "better": better,
                            "source": log.stem}
    return figures


def verdict(fig, base, band):
    """'' when fine or not compared, else the reason it regressed."""
    if fig["unit"] not in COMPARED_UNITS or base is None or base["value"] == 0:
        return ""
    change = fig["value"] / base["value"] - 1.0
    worse = -change if fig["better"] == "higher" else change
    if worse > band:
        return "REGRESSED %+.1f%%" % (change * 100)
    return ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--logs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--baseline")
    ap.add_argument("--band", type=float, default=0.10)
    ap.add_argument("--kernel", default="")
    ap.add_argument("--cpu", default="")
    ap.add_argument("--commit", default="")
    args = ap.parse_args()

    figures = read_figures(args.logs)
    if not figures:
        print("collect: no 'figure:' lines in %s/*.log" % args.logs, file=sys.stderr)
        return 2
    baseline = {}
    if args.baseline and pathlib.Path(args.baseline).exists():
        try:
            baseline = json.loads(pathlib.Path(args.baseline).read_text())["figures"]
        except (ValueError, KeyError) as e:
            print("collect: cannot read baseline %s: %s" % (args.baseline, e), file=sys.stderr)
            return 2

    doc = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": args.commit, "kernel": args.kernel, "cpu": args.cpu,
        "band": args.band, "figures": figures,
    }
    pathlib.Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(args.out).write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")

    regressed = 0
    width = max(len(k) for k in figures)
    print("%-*s %12s %12s  %-8s %s" % (width, "figure", "now", "baseline", "unit", "verdict"))
    for key in sorted(figures):
        fig, base = figures[key], baseline.get(key)
        why = verdict(fig, base, args.band)
        regressed += bool(why)
        shown = why or ("" if fig["unit"] in COMPARED_UNITS else "(not compared)")
        print("%-*s %12g %12s  %-8s %s" % (width, key, fig["value"],
              "%g" % base["value"] if base else "-", fig["unit"], shown))
    missing = sorted(set(baseline) - set(figures))
    for key in missing:
        print("%-*s %12s %12g  %-8s missing from this run" % (width, key, "-",
              baseline[key]["value"], baseline[key]["unit"]))
    print("bench: %d figures, %d regressed beyond %.0f%%, %d missing; results in %s"
          % (len(figures), regressed, args.band * 100, len(missing), args.out))
    return 3 if regressed else 0


if __name__ == "__main__":
    sys.exit(main())
