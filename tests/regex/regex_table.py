#!/usr/bin/env python3
"""Go decides: the regex syntax of pprof's filters, Go 1.19 vs Hearth.

pprof's -focus/-ignore/-hide/-show/-tagfocus regexes are Go regexp (RE2
syntax). For each pattern below, Go (tests/gen/cmd/retable, run with the
installed Go) says whether it compiles and which subjects it matches
(unanchored, as pprof's filters search); Hearth's filter regex
(tests/regex/retable.c over hearth_regex) must say exactly the same.
Usage: regex_table.py RETABLE_BIN GEN_SOURCE_DIR   (exit 77 without go)
"""
import json
import os
import shutil
import subprocess
import sys

SUBJECTS = [
    "main.main", "runtime.mallocgc", "github.com/jackc/pgx/v4.(*Conn).Query",
    "net/http.(*conn).serve", "MAIN.Upper", "a\tb", "x\ny", "[libc.so.6]",
    "0x4a5b", "abc123", "foo-bar_baz", "\u0001ctl", "aaaa", "",
]
PATTERNS = [
    # accepted by both
    "main", "^main\\.main$", "(?i)MAIN", "runtime\\.", "\\(\\*Conn\\)", "pgx/v\\d+", "[[:alpha:]]+",
    "[[:^digit:]]", "\\pL+", "\\p{Greek}", "\\PL", "a{2}", "a{2,}", "a{,2}", "a{1001}", "(?s)x.y",
    "(?m)^y$", "(?U)a+", "\\Qa.b\\E", "\\x41", "\\x{41}", "\\101", "\\12", "[\\d-z]", "\\z", "\\A",
    "\\b", "\\B", "(?P<n>main)", "(?:a|b)+", "[^a]", "\\W", "\\s", "\\S", "x*?", "\\.",
    "\\[libc", "\\t", "\\n", "\\a\\f\\v\\r",
    # refused by Go, and therefore by Hearth
    "\\h", "\\e", "\\N", "\\o{12}", "\\C", "\\cA", "(?<n>x)", "a**", "(", "[z-a]", "x{2,1}",
    "\\8", "(?i", "\\p{Nope}", "a{1001,}", "(?=x)", "(?!x)", "\\1", "x++",
]


def table():
    lines = ["S\t" + json.dumps(s) for s in SUBJECTS] + ["P\t" + json.dumps(p) for p in PATTERNS]
    return "\n".join(lines) + "\n"


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    retable, gensrc = sys.argv[1], sys.argv[2]
    go = shutil.which("go")
    if not go:
        print("SKIP: go not found (Go decides the expected results)")
        return 77
    inp = table().encode()
    env = dict(os.environ, GOPROXY="off", GOFLAGS="-mod=mod")
    want = subprocess.run([go, "run", "./cmd/retable"], cwd=gensrc, input=inp, env=env,
                          capture_output=True, timeout=300)
    if want.returncode != 0:
        print("ERROR: go run ./cmd/retable: " + want.stderr.decode()[:500])
        return 1
    got = subprocess.run([retable], input=inp, capture_output=True, timeout=60)
    if got.returncode != 0:
        print("ERROR: %s exited %d" % (retable, got.returncode))
        return 1
    w, g = want.stdout.decode().splitlines(), got.stdout.decode().splitlines()
    if len(w) != len(PATTERNS) or len(g) != len(PATTERNS):
        print("ERROR: %d Go answers, %d Hearth answers for %d patterns" % (len(w), len(g), len(PATTERNS)))
        return 1
    bad = 0
    refused = sum(1 for x in w if x == "error")
    for p, a, b in zip(PATTERNS, w, g):
        if a != b:
            bad += 1
            print("FAIL %-20s Go: %-20s Hearth: %s" % (json.dumps(p), a, b))
    print("%d patterns (%d refused by Go) x %d subjects: %d agree, %d differ" % (
        len(PATTERNS), refused, len(SUBJECTS), len(PATTERNS) - bad, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
