"""Small legacy profiles, one per format family pprof reads (tests/cli/legacy.py).

Each entry: name -> bytes. The expected outputs in legacy.py are what
`go tool pprof -symbolize=none` (Go 1.19) prints for these bytes.
"""
import struct

MAPS = (b"00400000-00500000 r-xp 00000000 08:01 1234 /usr/bin/server\n"
        b"7f0000000000-7f0000100000 r-xp 00000000 08:01 99 /lib/libc.so.6\n"
        b"7f000000-7f100000 r-xp 00000000 08:01 98 /lib/libm.so.6\n")


def cpu_binary(word, big, maps=MAPS, period=10000, java=False, tail=b""):
    fmt = ">" if big else "<"
    w = "Q" if word == 8 else "I"

    def words(*xs):
        return b"".join(struct.pack(fmt + w, x) for x in xs)
    b = words(0, 3, 1 if java else 0, period, 0)
    if java:
        b += words(5, 2, 0x1, 0x2) + words(3, 1, 0x3)
    else:
        b += words(5, 3, 0x401000, 0x402005, 0x403005)
        b += words(2, 2, 0x7f000100 if word == 4 else 0x7f0000000100, 0x402005)
        b += words(1, 2, 0x401010, 0x401010)  # duplicated leaf: pprof drops frame 1
    b += words(0, 1, 0)
    return b + (maps or b"") + tail


JAVA_SYMS = (b"0x0000000000000001 com.example.Foo.alloc (Foo.java:12)\n"
             b"0x0000000000000002 com.example.Main.main (Main.java:5)\n"
             b"0x0000000000000003 GC\n")

INPUTS = {
    "go-heap.txt": b"""heap profile: 3: 3072 [5: 10240] @ heap/1048576
1: 1024 [2: 4096] @ 0x401000 0x402000 0x403000
#\t0x400fff\tmain.a+0x1\t/x.go:1

2: 2048 [3: 6144] @ 0x401100 0x402000
0: 0 [0: 0] @ 0x401200


# runtime.MemStats
# Alloc = 1234
# Sys = 99
""",
    "go-goroutine.txt": b"""goroutine profile: total 4
3 @ 0x43a0b6 0x4061ee 0x405f3b
#\t0x43a0b5\truntime.gopark+0x1

1 @ 0x43a0b6 0x470001
""",
    "go-mutex.txt": b"""--- mutex:
cycles/second=2000000000
sampling period=5
100000 3 @ 0x401000 0x402000
# comment
2000000 1 @ 0x401000 0x403000
""",
    "go-block.txt": b"""--- contention:
cycles/second=1000000000
3000 2 @ 0x401000 0x402000
""",
    "gperf-heap.txt": b"""heap profile:    3:   300 [    6:   600] @ heap_v2/524288
     1:   100 [     2:   200] @ 0x00401000 0x00402005
     2:   200 [     4:   400] @ 0x7f0000000100 0x00403005
MAPPED_LIBRARIES:
""" + MAPS,
    "gperf-growth.txt": b"""heap profile:    2:   300 [    2:   300] @ growthz
     1:   100 [     1:   100] @ 0x00401000 0x00402005
     1:   200 [     1:   200] @ 0x00401000
MAPPED_LIBRARIES:
""" + MAPS,
    "gperf-contention.txt": b"""--- contentionz 1 ---
cycles/second = 3000000000
sampling period = 100
ms since reset = 5000
    1000     2 @ 0x401000 0x402000
     500     1 @ 0x7f0000000100
--- Memory map: ---
""" + MAPS,
    "gperf-thread.txt": b"""--- threadz 1 ---

--- Thread 7f01 (name: main/1) stack: ---
  PC: 0x401000 0x402000 0x403000
--- Thread 7f02 (name: worker/2) stack: ---
  same as previous thread
--- Thread 7f03 (name: io/3) stack: ---
  PC: 0x7f0000000100 0x402000
--- Memory map: ---
""" + MAPS,
    "gperf-cpu-64le.prof": cpu_binary(8, False),
    "gperf-cpu-32be.prof": cpu_binary(4, True),
    "gperf-cpu-64be-nomaps.prof": cpu_binary(8, True, maps=b""),
    "java-heap.txt": b"""--- heapz 1 ---
format = java
resolution = bytes
     1024      2 @ 0x1 0x2
      512      1 @ 0x3 0x2
""" + JAVA_SYMS,
    "java-contention.txt": b"""--- contentionz 1 ---
format = java
resolution = microseconds
sampling period = 10
ms since reset = 2000
     30      2 @ 0x1 0x2
     10      1 @ 0x3
""" + JAVA_SYMS,
    "java-cpu.prof": cpu_binary(8, False, maps=JAVA_SYMS, java=True),
}

# Inputs pprof refuses: name -> (bytes, a piece of Hearth's one-line message).
BAD = {
    "java-heap-zero.txt": (b"--- heapz 1 ---\nformat = java\nresolution = bytes\n"
                           b"  100  0 @ 0x1\n", "second value must be non-zero"),
    "go-heap-zero-count.txt": (b"heap profile: 1: 5 [1: 5] @ heap/1048576\n0: 5 [0: 0] @ 0x1\n",
                               "inuse count was 0 but inuse bytes was 5"),
    "go-heap-bad-line.txt": (b"heap profile: 1: 5 [1: 5] @ heap/1048576\nnot a sample\n",
                             "unexpected heap sample line"),
    "go-goroutine-bad.txt": (b"goroutine profile: total 1\nx @ 0x1\n", "malformed profile format"),
    "go-heap-huge-number.txt": (b"heap profile: 1: 5 [1: 5] @ heap/1048576\n"
                                b"99999999999999999999: 5 [1: 5] @ 0x1\n", "malformed sample"),
    "go-heap-bad-address.txt": (b"heap profile: 1: 5 [1: 5] @ heap/1048576\n"
                                b"1: 5 [1: 5] @ 0x11112222333344445555\n", "64-bit"),
    "go-heap-long-line.txt": (b"heap profile: 1: 5 [1: 5] @ heap/1048576\n1: 5 [1: 5] @"
                              + b" 0x1" * 20000 + b"\n", "longer than 65535 bytes"),
    "gperf-cpu-truncated.prof": (cpu_binary(8, False)[:60], "parsing profile"),
}
