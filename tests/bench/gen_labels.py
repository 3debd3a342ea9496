#!/usr/bin/env python3
"""Writes a gzip'ed profile.proto with N samples (default 1,000,000), each
with a numeric label bytes=<8..512> (unit "bytes"), over 200 stacks of
depth 6..12: the input of tests/bench/tagfilter.sh. Deterministic.
Usage: gen_labels.py OUT [N]"""
import gzip
import random
import sys


def varint(v):
    out = bytearray()
    v &= (1 << 64) - 1
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(num, payload):  # length-delimited
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def fint(num, v):
    return varint(num << 3) + varint(v)


def packed(num, vals):
    return field(num, b''.join(varint(v) for v in vals))


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
    rnd = random.Random(12)
    strings = ['', 'alloc_space', 'bytes', 'space', 'main.go', 'main']
    funcs = ['main'] + ['pkg.f%02d' % i for i in range(60)]
    fidx = {}
    for f in funcs:
        if f not in strings:
            strings.append(f)
        fidx[f] = strings.index(f)
    body = bytearray()
    body += field(1, fint(1, 1) + fint(2, 2))          # sample_type alloc_space/bytes
    stacks = []
    for s in range(200):
        depth = rnd.randint(6, 12)
        stacks.append([1 + rnd.randint(1, 60) for _ in range(depth - 1)] + [1])  # leaf first, main root
    labels = [field(3, fint(1, 2) + fint(3, 8 * k) + fint(4, 2)) for k in range(1, 65)]
    tmpl = []
    for st in stacks:
        tmpl.append(packed(1, st))
    chunks = []
    for i in range(n):
        v = rnd.randint(1, 4096)
        s = tmpl[rnd.randrange(200)] + packed(2, [v]) + labels[rnd.randrange(64)]
        chunks.append(field(2, s))
    body += b''.join(chunks)
    body += field(3, fint(1, 1) + fint(2, 0x400000) + fint(3, 0x800000) + fint(5, 5) +
                  fint(7, 1))                          # mapping 1, has_functions
    for i, f in enumerate(funcs):                      # location i+1 -> function i+1
        body += field(4, fint(1, i + 1) + fint(2, 1) + fint(3, 0x401000 + 16 * i) +
                      field(4, fint(1, i + 1) + fint(2, 10 + i)))
    for i, f in enumerate(funcs):
        body += field(5, fint(1, i + 1) + fint(2, fidx[f]) + fint(3, fidx[f]) + fint(4, 4))
    for s in strings:
        body += field(6, s.encode())
    body += field(11, fint(1, 3) + fint(2, 2))         # period_type space/bytes
    body += fint(12, 524288)
    with gzip.open(out, 'wb', compresslevel=6) as f:
        f.write(bytes(body))


if __name__ == '__main__':
    main()
