"""Generators of memory-hungry but valid inputs for the hostile memory tests.

pprof profiles are written by hand (protobuf wire format, python standard
library only) so the test needs no Go toolchain:

  deep_stacks(n, depth)   n distinct stacks, each `depth` frames deep and
                          distinct at the root, every sample worth 1/n of the
                          total (just above the flame graph's default trim
                          fraction 1/5000 when n < 5000): the call tree has
                          about n * depth nodes, none of them trimmed.
  recursive(samples, ...) random walks over a few mutually recursive
                          functions: a huge call tree (one node per level).
  gctrace_log(lines)      a GODEBUG=gctrace=1 log of that many GC lines.
"""
import gzip
import random


def _varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _field(num, wire, payload):
    return _varint(num << 3 | wire) + payload


def _len(num, data):
    return _field(num, 2, _varint(len(data)) + data)


def _int(num, v):
    return _field(num, 0, _varint(v))


def _packed(num, vals):
    return _len(num, b"".join(_varint(v) for v in vals))


class _Writer:
    def __init__(self, types):
        self.strings = [""]
        self.index = {"": 0}
        self.parts = []
        for t, u in types:
            self.parts.append(_len(1, _int(1, self.s(t)) + _int(2, self.s(u))))

    def s(self, x):
        if x not in self.index:
            self.index[x] = len(self.strings)
            self.strings.append(x)
        return self.index[x]

    def function(self, fid, name):
        self.parts.append(_len(5, _int(1, fid) + _int(2, self.s(name)) + _int(3, self.s(name)) +
                               _int(4, self.s("main.go"))))

    def location(self, lid, fid, line=1):
        self.parts.append(_len(4, _int(1, lid) + _int(3, 0x1000 + lid) +
                               _len(4, _int(1, fid) + _int(2, line))))

    def sample(self, locs_leaf_first, values):
        self.parts.append(_len(2, _packed(1, locs_leaf_first) + _packed(2, values)))

    def finish(self, period_type=("cpu", "nanoseconds"), period=10000000, raw=False):
        pt = _len(11, _int(1, self.s(period_type[0])) + _int(2, self.s(period_type[1])))
        tail = [_len(6, x.encode()) for x in self.strings]  # after the last s() call
        data = b"".join(self.parts) + b"".join(tail) + pt + _int(12, period)
        return data if raw else gzip.compress(data, 9)


def deep_stacks(n=4000, depth=4000):
    """n stacks distinct at the root, depth frames each, equal weights."""
    w = _Writer([("samples", "count"), ("cpu", "nanoseconds")])
    for f in range(1, depth + 1):
        w.function(f, "main.level%d" % f)
        w.location(f, f)
    chain = list(range(depth - 1, 0, -1))  # leaf first: level depth-1 .. level1
    for i in range(n):
        fid = depth + 1 + i
        w.function(fid, "main.root%d" % i)
        w.location(fid, fid)
        w.sample(chain + [fid], [1, 10000000])
    return w.finish()


def recursive(samples=60000, funcs=6, depth=(20, 120), seed=7, raw=False):
    """Random walks over funcs mutually recursive functions."""
    rnd = random.Random(seed)
    w = _Writer([("samples", "count"), ("cpu", "nanoseconds")])
    for f in range(1, funcs + 1):
        w.function(f, "main.rec%d" % f)
        w.location(f, f)
    w.function(funcs + 1, "main.main")
    w.location(funcs + 1, funcs + 1)
    for _ in range(samples):
        d = rnd.randint(depth[0], depth[1])
        stack = [rnd.randint(1, funcs) for _ in range(d)] + [funcs + 1]
        w.sample(stack, [1, 10000000])
    return w.finish(raw=raw)


def variants(raw, n):
    """n distinct gzip profiles from one uncompressed profile: each adds a comment."""
    nstr = 0
    i = 0
    while i < len(raw):  # count string_table entries (field 6) to index the comment
        key, j = _read_varint(raw, i)
        if key & 7 == 2:
            ln, j = _read_varint(raw, j)
            j += ln
        elif key & 7 == 0:
            _, j = _read_varint(raw, j)
        else:
            raise ValueError("unexpected wire type")
        if key >> 3 == 6:
            nstr += 1
        i = j
    return [gzip.compress(raw + _len(6, b"snapshot %d" % k) + _int(13, nstr), 1)
            for k in range(n)]


def _read_varint(b, i):
    v = shift = 0
    while True:
        x = b[i]
        i += 1
        v |= (x & 0x7F) << shift
        shift += 7
        if not x & 0x80:
            return v, i


def gctrace_log(gcs=200000, procs=2):
    """GC lines in Go 1.19's format, processes interleaved on one stderr."""
    lines = []
    for i in range(1, gcs // procs + 1):
        for p in range(procs):
            heap = 4 + (i % 500) + p
            lines.append("gc %d @%.3fs %d%%: 0.010+1.2+0.021 ms clock, 0.041+0.30/1.0/0.83+0.086 "
                         "ms cpu, %d->%d->%d MB, %d MB goal, 0 MB stacks, 0 MB globals, %d P%s"
                         % (i, 0.01 * i + 0.001 * p, 1 + p, heap, heap + 1, heap // 2, heap * 2,
                            4 + p, " (forced)" if i % 100 == 0 else ""))
    return ("\n".join(lines) + "\n").encode()


if __name__ == "__main__":
    import sys
    kind, path = sys.argv[1], sys.argv[2]
    args = [int(x) for x in sys.argv[3:]]
    data = {"deep": deep_stacks, "rec": recursive, "gctrace": gctrace_log}[kind](*args)
    with open(path, "wb") as f:
        f.write(data)
    print("%s: %d bytes" % (path, len(data)))
