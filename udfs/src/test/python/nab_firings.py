#!/usr/bin/env python3
"""Which test of TailProbabilityScorer fires where, on a NAB corpus (an analysis aid, not a scorer).

Reads the output of NabFiringRun (timestamp,value,anomaly_score,test) and the corpus labels, and
prints per file the relative position of the first detection in each window (0 = window start,
None = missed) and the false positives after NAB's probationary period, then the false positives
and first detections per test. Labels are read here only, never by the detector.

Usage: nab_firings.py --corpus DIR --results DIR [--threshold T] [-v]
  --threshold: the score counted as a detection (default: NAB's standard optimum, 0.999016878375413)
  -v: also list the row index of every false positive
"""
import argparse
import collections
import csv
import json
import os


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--threshold", type=float, default=0.999016878375413)
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    windows = json.load(open(os.path.join(args.corpus, "labels", "combined_windows.json")))
    fp_by, tp_by, missed = collections.Counter(), collections.Counter(), []
    for rel in sorted(windows):
        rows = list(csv.DictReader(open(os.path.join(args.results, rel))))
        index = {r["timestamp"].split(".")[0]: i for i, r in enumerate(rows)}
        spans = [(index[a.split(".")[0]], index[b.split(".")[0]]) for a, b in windows[rel]]
        fired = [float(r["anomaly_score"]) >= args.threshold for r in rows]
        probation = min(int(0.15 * len(rows)), 750)  # NAB: min(floor(15 %), 15 % of 5,000)
        first = []
        for a, b in spans:
            hits = [i for i in range(a, b + 1) if fired[i]]
            first.append(None if not hits else round((hits[0] - a) / (b - a + 1), 2))
            if hits:
                tp_by[rows[hits[0]].get("test", "?")] += 1
            else:
                missed.append(rel)
        fps = [i for i in range(probation, len(rows))
               if fired[i] and not any(a <= i <= b for a, b in spans)]
        for i in fps:
            fp_by[rows[i].get("test", "?")] += 1
        print("%-58s n=%5d windows=%s fp=%d%s"
              % (rel, len(rows), first, len(fps), " " + str(fps) if args.v else ""))
    print("false positives by test: %s, total %d" % (dict(fp_by), sum(fp_by.values())))
    print("first detections by test: %s, total %d" % (dict(tp_by), sum(tp_by.values())))
    print("missed windows: %d %s" % (len(missed), missed))


if __name__ == "__main__":
    main()
