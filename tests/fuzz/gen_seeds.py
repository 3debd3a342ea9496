#!/usr/bin/env python3
"""Write the seed corpora of the gctrace and gunzip fuzz targets.

    python3 tests/fuzz/gen_seeds.py        (from the repository root)

The files are committed; run this again only to change them. Output is
deterministic (gzip mtime 0). gunzip seeds start with two bytes, the
little-endian output cap the target uses beside its 1 MiB one.
"""
import gzip
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- gctrace: one line per Go format, real logs, and the parser's edges ----
GO15 = ("gc {n} @{t}s 1%: 0.11+0.47+0.023+0.63+0.19 ms clock, "
        "0.22+0.47+0+0.55/0.43/0+0.38 ms cpu, 4->4->0 MB, 4 MB goal, 4 P")
GO17 = ("gc {n} @{t}s 0%: 0.018+1.3+0.076 ms clock, 0.054+0.35/1.0/3.0+0.23 ms cpu, "
        "{b}->{a}->{l} MB, {g} MB goal, 4 P")
GO119 = ("gc {n} @{t}s 2%: 0.010+1.2+0.021 ms clock, 0.041+0.30/1.0/0.83+0.086 ms cpu, "
         "{b}->{a}->{l} MB, {g} MB goal, 0 MB stacks, 1 MB globals, 8 P")


def lines(fmt, count, start=1, t0=0.0, step=0.05, forced_every=0):
    out = []
    for i in range(count):
        n = start + i
        b = 4 + 3 * i
        s = fmt.format(n=n, t="%.3f" % (t0 + i * step), b=b, a=b + 1, l=b // 2, g=b + 2)
        if forced_every and i % forced_every == forced_every - 1:
            s += " (forced)"
        out.append(s)
    return out


def text(ls, end="\n"):
    return (end.join(ls) + end).encode()


write("gctrace", "go15-five-phases.log", text(lines(GO15, 6)))
write("gctrace", "go17-three-phases.log", text(lines(GO17, 8, forced_every=3)))
write("gctrace", "go119-stacks-globals.log", text(lines(GO119, 8)))
write("gctrace", "crlf-no-final-newline.log", text(lines(GO119, 3), "\r\n")[:-2])
write("gctrace", "real-go121.log", (
    b"gc 1 @0.007s 1%: 0.010+1.6+0.089 ms clock, 0.12+0.12/0.76/0+1.0 ms cpu, 4->4->0 MB, "
    b"4 MB goal, 0 MB stacks, 0 MB globals, 12 P\n"
    b"gc 2 @0.014s 2%: 0.081+1.3+0.037 ms clock, 0.98+0.088/1.4/0+0.44 ms cpu, 4->4->1 MB, "
    b"4 MB goal, 0 MB stacks, 0 MB globals, 12 P\n"
    b"gc 10 @0.088s 5%: 2.9+3.2+0.10 ms clock, 35+0.12/1.5/0+1.3 ms cpu, 4->4->1 MB, "
    b"4 MB goal, 0 MB stacks, 0 MB globals, 12 P\n"))
write("gctrace", "real-go19-scvg.log", (
    b"gc 7 @6.688s 0%: 0.020+117+0.34 ms clock, 0.082+11/117/330+1.3 ms cpu, "
    b"147->148->146 MB, 151 MB goal, 4 P\n"
    b"gc 8 @68.645s 0%: 0.019+146+0.30 ms clock, 0.078+0.006/146/407+1.2 ms cpu, "
    b"285->285->248 MB, 292 MB goal, 4 P\n"
    b"scvg0: inuse: 426, idle: 0, sys: 427, released: 0, consumed: 427 (MB)\n"
    b"GC forced\n"
    b"gc 9 @175.448s 0%: 0.030+60+0.12 ms clock, 0.12+0.013/60/177+0.51 ms cpu, "
    b"484->484->248 MB, 496 MB goal, 4 P (forced)\n"))
# two processes on one stderr, lines alternating; then a restart
a = lines(GO119, 6, start=1, t0=0.1)
b = lines(GO119, 6, start=40, t0=3.0)
mixed = [x for pair in zip(a, b) for x in pair]
write("gctrace", "interleaved.log", text(mixed))
# one stderr of named processes: "[name] " prefixes (a label per track), pids, bad prefixes
labelled = [x for pair in zip(["[source] " + l for l in a], ["[4242] " + l for l in lines(GO119, 6)])
            for x in pair]
write("gctrace", "labelled.log", text(labelled + ["[] " + a[0], "[a b] " + a[0], "[source]" + a[0],
                                                  "[" + "x" * 65 + "] " + a[0], "[unterminated " + a[0],
                                                  "[dest.v2:1_a-b] " + a[0]]))
write("gctrace", "restart.log", text(lines(GO17, 4) + ["panic: boom", "exit status 2"] +
                                       lines(GO17, 4)))
# a gap larger than HEARTH_GCTRACE_MAX_GAP + 1 is another process; time going back too
write("gctrace", "gaps.log", text(lines(GO17, 2, start=1) + lines(GO17, 2, start=19) +
                                    lines(GO17, 2, start=40, t0=0.0)))
write("gctrace", "program-noise.log", (
    b"2024/05/01 10:00:00 listening on :8080\n\n"
    b"gc x @1s\ngc 1 @\ngc 1 @0.1s 1%: \n"
    b"pacer: assist ratio=+1.0e+000 (scan 0 MB in 4->4 MB) workers=1++0.000000e+000\n"
    b"gc 1 @0.1s 1%: 0.1+0.2+0.3 ms clock, 0.1+0.2/0.3/0.4+0.5 ms cpu, 4->4->0 MB, 5 MB goal, 4 P "
    b"trailing\n"
    b"\xff\xfe\x00gc 2 @0.2s\x00\n"))
# numbers at their limits: u64 max, one more (skipped), a 47-digit float
U64 = 18446744073709551615
write("gctrace", "edge-numbers.log", (
    "gc %d @0.1s 1%%: 0.1+0.2+0.3 ms clock, 0.1+0.2/0.3/0.4+0.5 ms cpu, %d->%d->%d MB, "
    "%d MB goal, %d P\n" % (U64 - 1, U64, U64, U64, U64, U64) +
    "gc %d @0.2s 1%%: 0.1+0.2+0.3 ms clock, 0.1+0.2/0.3/0.4+0.5 ms cpu, 1->1->1 MB, "
    "1 MB goal, 1 P\n" % (U64 + 1) +
    "gc 3 @%s.5s 100%%: 1.+2.+3. ms clock, 1.+0/0/0+1. ms cpu, 0->0->0 MB, 0 MB goal, 0 P\n"
    % ("9" * 44)).encode())
write("gctrace", "any-order-fields.log", (
    b"gc 1 @0.1s 1%: 0.1+0.2+0.3 ms clock, 0.1+0.2/0.3/0.4+0.5 ms cpu, 4->4->2 MB, "
    b"4 P, 0 MB globals, 5 MB goal, 0 MB stacks\n"
    b"gc 2 @0.2s 1%: 0.1+0.2+0.3 ms clock, 0.1+0.2/0.3/0.4+0.5 ms cpu, 4->4->2 MB, 5 MB goal\n"
    b"gc 3 @0.3s 1%: 0.1+0.2+0.3 ms clock, 0.1+0.2/0.3/0.4+0.5 ms cpu, 4->4->2 MB, 4 P\n"))
write("gctrace", "empty.log", b"")
write("gctrace", "newlines-only.log", b"\n\n\n")


# ---- gunzip: members, multi-member, truncated, damaged, bombs ----
def gz(data, level=6, name=None):
    if name is None:
        return gzip.compress(data, compresslevel=level, mtime=0)
    import io
    buf = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", compresslevel=level, fileobj=buf, mtime=0) as f:
        f.write(data)
    return buf.getvalue()


def seed(name, cap, data):
    write("gunzip", name, struct.pack("<H", cap) + data)


profile_like = b"".join(b"\x0a\x04heap\x12\x08samples%d" % i for i in range(200))
seed("text-member", 65535, gz(b"hello, hearth\n" * 20))
seed("profile-like", 4096, gz(profile_like))
seed("stored-level0", 65535, gz(b"stored block " * 30, level=0))
seed("with-fname", 65535, gz(b"named member", name="heap.pb"))
seed("empty-member", 0, gz(b""))
seed("empty-member-cap1", 1, gz(b""))
seed("two-members", 65535, gz(b"first member|") + gz(b"second member"))
seed("three-members-one-empty", 65535, gz(b"a" * 100) + gz(b"") + gz(b"b" * 100))
seed("exact-cap", 280, gz(b"x" * 280))  # output equal to the small cap
seed("exact-cap-then-empty", 280, gz(b"x" * 280) + gz(b""))
seed("one-over-cap", 279, gz(b"x" * 280))
seed("bomb-2mib-zeros", 65535, gz(b"\0" * (2 << 20), level=9))
seed("bomb-after-small", 16, gz(b"ok") + gz(b"\0" * (256 << 10), level=9))
full = gz(b"truncate me " * 50)
seed("truncated-header", 65535, full[:5])
seed("truncated-deflate", 65535, full[:len(full) // 2])
seed("truncated-trailer", 65535, full[:-3])
seed("second-member-truncated", 65535, gz(b"whole") + full[:20])
bad_crc = bytearray(full)
bad_crc[-8] ^= 0xFF
seed("bad-crc", 65535, bytes(bad_crc))
bad_len = bytearray(full)
bad_len[-1] ^= 0x01
seed("bad-isize", 65535, bytes(bad_len))
seed("trailing-garbage", 65535, full + b"garbage after the member")
seed("trailing-zeros", 65535, full + b"\0" * 16)
seed("zlib-not-gzip", 65535, zlib.compress(b"zlib stream"))
seed("raw-deflate", 65535, zlib.compress(b"raw")[2:-4])
seed("magic-only", 65535, b"\x1f\x8b")
seed("not-compressed", 65535, b"\x0a\x05hello plain protobuf")
bad_method = bytearray(gz(b"method"))
bad_method[2] = 7
seed("bad-method", 65535, bytes(bad_method))

# ---- decode: the legacy formats (tests/cli/legacy_inputs.py), plain and gzipped ----
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "cli"))
from legacy_inputs import INPUTS, BAD  # noqa: E402

for lname, ldata in sorted(INPUTS.items()):
    write("decode", "legacy-" + lname, ldata)
write("decode", "legacy-go-heap.txt.gz", gz(INPUTS["go-heap.txt"]))
for lname, (ldata, _) in sorted(BAD.items()):
    if len(ldata) < 4096:
        write("decode", "legacy-bad-" + lname, ldata)

# ---- archive: uploaded folders of snapshots (zip, tar, tar.gz), links, nesting, damage ----
import io  # noqa: E402
import tarfile  # noqa: E402
import zipfile  # noqa: E402

SNAP = gz(b"\x0a\x04\x08\x01\x10\x02")  # a small gzip'd protobuf, as a snapshot is


def zipped(entries, method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for name, data in entries:
            zi = zipfile.ZipInfo(name, date_time=(2024, 5, 1, 10, 0, 0))
            zi.compress_type = method
            z.writestr(zi, data)
    return b.getvalue()


def tarred(entries, mode="w"):
    b = io.BytesIO()
    if mode == "w:gz":
        raw = tarred(entries, "w")
        return gzip.compress(raw, mtime=0)
    with tarfile.open(fileobj=b, mode=mode, format=tarfile.GNU_FORMAT) as t:
        for e in entries:
            ti = tarfile.TarInfo(e[0])
            ti.mtime = 1714557600
            if len(e) > 2:
                ti.type = e[2]
                ti.linkname = e[1]
                t.addfile(ti)
            else:
                ti.size = len(e[1])
                t.addfile(ti, io.BytesIO(e[1]))
    return b.getvalue()


snaps = [("heap.%d.pb.gz" % k, SNAP) for k in range(3)]
write("archive", "zip-index", zipped(snaps + [("README.txt", b"notes\n"), ("dir/", b"")]))
write("archive", "zip-stored", zipped(snaps, zipfile.ZIP_STORED))
write("archive", "tar-times", tarred([("heap-2024-05-01T10:0%d:00Z.pb.gz" % k, SNAP)
                                      for k in range(3)]))
write("archive", "tgz-links", tarred(snaps + [("link", "/etc/passwd", tarfile.SYMTYPE),
                                              ("hard", "heap.0.pb.gz", tarfile.LNKTYPE),
                                              ("../../evil.pb.gz", SNAP)], "w:gz"))
write("archive", "tgz-nested", tarred([("inner.zip", zipped(snaps)), ("x.bin", zipped(snaps))],
                                      "w:gz"))
write("archive", "zip-zeros", zipped([("zeros", b"\0" * 300000)]))
full = tarred(snaps, "w:gz")
write("archive", "tgz-truncated", full[:len(full) // 2])
write("archive", "zip-truncated", zipped(snaps)[:-30])
write("archive", "empty-tar", b"\0" * 1024)
write("archive", "not-archive", b"hello, not an archive")
