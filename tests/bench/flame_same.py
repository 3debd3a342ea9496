#!/usr/bin/env python3
"""Compare `hearth flame` of two binaries byte for byte over many profiles.

  flame_same.py OLD NEW FILE_OR_DIR... [--jobs N]

For every profile file found (recursively) it runs both binaries with
several -min_fraction values and granularities, and with -base against a
partner file (the previous file of the same directory, and itself), and
compares exit status and stdout. A run where OLD fails with its node budget
and NEW answers is counted apart ("newly answered"): that is the change the
trim-aware build makes. Exit status 1 if anything else differs.
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys

MODES = [[], ["-min_fraction=0"], ["-min_fraction=0.0002"], ["-min_fraction=0.01"],
         ["-min_fraction=0.0002", "-lines"], ["-min_fraction=0.001", "-addresses"]]
BASE_MODES = [[], ["-min_fraction=0.0002"], ["-min_fraction=0.01"]]


def files(paths):
    out = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, names in os.walk(p):
                dirs.sort()
                for n in sorted(names):
                    if not n.endswith((".md", ".txt.meta", ".go", ".sh", ".mod", ".sum")):
                        out.append(os.path.join(root, n))
        else:
            out.append(p)
    return out


def run(binary, args):
    r = subprocess.run([binary, "flame"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=300)
    return r.returncode, r.stdout, r.stderr


def compare(old, new, args):
    a, b = run(old, args), run(new, args)
    if a[0] == b[0] and a[1] == b[1]:
        return "same_ok" if a[0] == 0 else "same_err"
    if a[0] != 0 and b"max_view_nodes" in a[2] and b[0] == 0:
        return "newly_answered"
    return "DIFF"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--jobs", type=int, default=1)
    a = ap.parse_args()
    fs = files(a.paths)
    cases = []
    for i, f in enumerate(fs):
        for m in MODES:
            cases.append(m + [f])
        partners = [f]
        if i > 0 and os.path.dirname(fs[i - 1]) == os.path.dirname(f):
            partners.append(fs[i - 1])
        for p in partners:
            for m in BASE_MODES:
                cases.append(m + ["-base=" + p, f])
    counts = {}
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as ex:
        for args, res in zip(cases, ex.map(lambda c: compare(a.old, a.new, c), cases)):
            counts[res] = counts.get(res, 0) + 1
            if res != "same_ok" and res != "same_err":
                print("%s: %s" % (res, " ".join(args)))
    print("%d files, %d runs: %s" % (len(fs), len(cases),
                                     ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
    sys.exit(1 if counts.get("DIFF") else 0)


if __name__ == "__main__":
    main()
