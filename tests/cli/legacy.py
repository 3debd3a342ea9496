#!/usr/bin/env python3
"""cli.legacy: every legacy format family pprof reads, through `hearth top`.

For each small input of legacy_inputs.py (Go ?debug=1 heap, goroutine,
mutex and block texts; gperftools heap, growth, contention, thread and
binary CPU in three word sizes/byte orders; Java heapz, contentionz and
binary CPU), `hearth top -sample_index=I` must print exactly what Go 1.19's
`go tool pprof -symbolize=none` printed (legacy_expected.py). Malformed
inputs pprof refuses must exit 1 with one line naming the reason.
Usage: legacy.py HEARTH
"""
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from legacy_inputs import INPUTS, BAD  # noqa: E402
from legacy_expected import EXPECTED  # noqa: E402


def main():
    hearth = sys.argv[1]
    passed = failed = 0
    env = dict(os.environ, TZ="UTC")
    with tempfile.TemporaryDirectory(prefix="hearth-legacy-") as d:
        def path(name, data):
            p = os.path.join(d, name)
            with open(p, "wb") as f:
                f.write(data)
            return p
        for name, data in INPUTS.items():
            p = path(name, data)
            keys = sorted(k for k in EXPECTED if k.rsplit(" ", 1)[0] == name)
            if not keys:
                print("FAIL: %s has no expected output" % name)
                failed += 1
            for k in keys:
                si = k.rsplit(" ", 1)[1]
                r = subprocess.run([hearth, "top", "-sample_index=" + si, p], capture_output=True,
                                   env=env, timeout=60)
                got = r.stdout.decode(errors="replace")
                if r.returncode == 0 and got == EXPECTED[k]:
                    passed += 1
                    continue
                failed += 1
                print("FAIL: %s: exit %d\n--- pprof\n%s--- hearth\n%s%s" % (
                    k, r.returncode, EXPECTED[k], got, r.stderr.decode(errors="replace")))
        for name, (data, want) in BAD.items():
            p = path(name, data)
            r = subprocess.run([hearth, "top", p], capture_output=True, env=env, timeout=60)
            err = r.stderr.decode(errors="replace")
            if r.returncode == 1 and want in err and err.count("\n") == 1 and not r.stdout:
                passed += 1
                continue
            failed += 1
            print("FAIL: %s: want exit 1 and one line with %r, got exit %d: %r" % (
                name, want, r.returncode, err[:300]))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
