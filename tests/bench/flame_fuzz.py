#!/usr/bin/env python3
"""Random small profiles compared between two hearth binaries' flame output.

  flame_fuzz.py OLD NEW N

N pairs of random profiles (negative and zero values, locations with
inlined lines, repeated function names, heap or cpu sample types), each
run through `hearth flame` with several -min_fraction values,
granularities and -base diffs; exit status 1 if any output differs.
"""
import os, random, subprocess, sys, tempfile
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
import memgen
from memgen import _Writer, _len, _int

def loc(w, lid, fids):
    lines = b"".join(_len(4, _int(1, f) + _int(2, 1 + f)) for f in fids)
    w.parts.append(_len(4, _int(1, lid) + _int(3, 0x1000 + lid) + lines))

def gen(seed):
    r = random.Random(seed)
    heap = r.random() < 0.5
    types = ([("alloc_objects", "count"), ("alloc_space", "bytes"), ("inuse_objects", "count"),
              ("inuse_space", "bytes")] if heap else [("samples", "count"), ("cpu", "nanoseconds")])
    w = _Writer(types)
    nf = r.randint(2, 7)
    for f in range(1, nf + 1):
        name = "f%d" % r.randint(1, max(1, nf - 2))  # duplicate names
        w.parts.append(_len(5, _int(1, f) + _int(2, w.s(name)) + _int(3, w.s(name)) +
                            _int(4, w.s("file%d.go" % f))))
    nl = r.randint(2, 10)
    for l in range(1, nl + 1):
        loc(w, l, [r.randint(1, nf) for _ in range(r.choice([1, 1, 1, 2, 3]))])
    for _ in range(r.randint(1, 60)):
        st = [r.randint(1, nl) for _ in range(r.randint(0, 9))]
        if heap:
            o = r.randint(-3, 10); vals = [o, o * r.randint(1, 5000), o, o * r.randint(1, 5000)]
        else:
            c = r.randint(-5, 20); vals = [c, c * 10000000]
        w.sample(st, [v & ((1 << 64) - 1) for v in vals])
    if heap:
        pt = _len(11, _int(1, w.s("space")) + _int(2, w.s("bytes")))
        tail = [_len(6, x.encode()) for x in w.strings]
        return memgen.gzip.compress(b"".join(w.parts) + b"".join(tail) + pt + _int(12, 524288))
    return w.finish()

old, new, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = tempfile.mkdtemp(prefix="flame-fuzz-")
stats = {}
for i in range(n):
    for k in (0, 1):
        with open("%s/p%d.pb.gz" % (d, k), "wb") as f:
            f.write(gen(i * 2 + k))
    for args in (["-min_fraction=0"], ["-min_fraction=0.01"], ["-min_fraction=0.1"],
                 ["-min_fraction=0.3"], ["-lines", "-min_fraction=0.05"], ["-addresses"],
                 ["-sample_index=1", "-min_fraction=0.05"],
                 ["-base=%s/p1.pb.gz" % d, "-min_fraction=0.05"], ["-base=%s/p1.pb.gz" % d],
                 ["-base=%s/p0.pb.gz" % d, "-min_fraction=0.1"]):
        a = subprocess.run([old, "flame"] + args + [d + "/p0.pb.gz"], capture_output=True)
        b = subprocess.run([new, "flame"] + args + [d + "/p0.pb.gz"], capture_output=True)
        key = "same_ok" if a.returncode == 0 else "same_err"
        if (a.returncode, a.stdout) != (b.returncode, b.stdout):
            key = "DIFF"
            print("DIFF seed", i, args, a.stderr[:200], b.stderr[:200])
        elif a.returncode == 0 and b'"trimmed":0' not in a.stdout:
            key = "same_ok_trimmed"
        stats[key] = stats.get(key, 0) + 1
print(n, "profile pairs:", stats)
sys.exit(1 if "DIFF" in stats else 0)
