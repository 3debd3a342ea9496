#!/usr/bin/env bash
# House rules (issue 11, item 5), checked on the C sources:
#   1. no assignment inside a condition: the test of if/while/switch and the
#      middle clause of for, in server/ (and headers under include/), tests/unit
#      and tests/fuzz. Comments, string and character literals are blanked
#      first, so SQL text such as "WHERE id = ?1" is never read as C; ==, !=,
#      <= and >= are comparisons, every other '=' (and +=, <<=, ...) is flagged.
#   2. every server .c file includes "hearth/banned.h", as its last #include
#      (after the system headers, which may use the banned names themselves).
# Usage: rules.sh [SRCDIR]     check SRCDIR (default: the checkout holding this script)
#        rules.sh --self-test  first prove on planted files that each rule fails and that
#                              comparisons and SQL text pass, then check the checkout
# Exit status: 0 clean, 1 a rule is broken (each breach printed as file:line).
set -euo pipefail
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

if [ "${1:-}" = "--self-test" ]; then
    command -v perl >/dev/null || { echo "SKIP: perl not found"; exit 77; }
    t=$(mktemp -d)
    trap 'rm -rf "$t"' EXIT
    mkdir -p "$t/server" "$t/include" "$t/tests/unit" "$t/tests/fuzz"
    # every line marked BAD must be reported, and no other line
    cat >"$t/server/bad.c" <<'C'
#include <stdio.h>
#include "hearth/banned.h"
int f(int *p, int e, int x, FILE *fp, char *s)
{
    if ((e = x)) /* BAD */
        return 1;
    if (x && (e = x + 1)) /* BAD */
        return 2;
    while ((e = fgetc(fp)) != EOF) /* BAD */
        x++;
    if (x == 1 || x != 2 || x <= 3 || x >= 4 || !x) /* comparisons only */
        return 3;
    if (x && /* BAD: reported on the line of the if */
        (e = x))
        return 4;
    for (x = 0; (e = x) < 3; x++) /* BAD */
        p[x] = 0;
    for (x = 0, e = 1; x < 3; x += e) /* init and step: allowed */
        p[x] = 0;
    if (x += 1) /* BAD */
        return 5;
    if (x <<= 1) /* BAD */
        return 6;
    switch (e = x) { /* BAD */
    default: break;
    }
    if (!strcmp(s, "WHERE id = ?1") || s[0] == '=') /* SQL text and '=' in literals */
        return 7;
    /* if (e = x) in a comment */
    // while (e = x) in a comment
    return e;
}
C
    printf '#include <stdio.h>\nint g(void)\n{\n    return 0;\n}\n' >"$t/server/nobanned.c"
    printf '#include "hearth/banned.h"\n#include <stdio.h>\nint h(void)\n{\n    return 0;\n}\n' \
        >"$t/server/notlast.c"
    printf '#include <stdio.h>\n\n#include "hearth/banned.h"\nint k(void)\n{\n    return 0;\n}\n' \
        >"$t/server/good.c"
    out=$(bash "$self" "$t" 2>&1) && { echo "$out"; echo "FAIL: self-test: planted breaches passed"; exit 1; }
    got=$(printf '%s\n' "$out" | grep -oE '^server/[a-z]+\.c:[0-9]+' | sort -t: -k1,1 -k2,2n | tr '\n' ' ')
    want_lines=$(grep -n 'BAD' "$t/server/bad.c" | cut -d: -f1)
    want=""
    for l in $want_lines; do
        want+="server/bad.c:$l "
    done
    want+="server/nobanned.c:1 server/notlast.c:2 "
    if [ "$got" != "$want" ]; then
        echo "$out"
        echo "FAIL: self-test: reported [$got], expected [$want]"
        exit 1
    fi
    echo "self-test ok: the planted breaches are reported ($got), comparisons and literals are not"
    rm -rf "$t"
    trap - EXIT
    exec bash "$self"
fi

src=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$src"

skip=() # no file is exempt

command -v perl >/dev/null || { echo "SKIP: perl not found"; exit 77; }

[ $# -gt 0 ] || for s in "${skip[@]}"; do
    [ -e "$s" ] || echo "note: skip-list entry $s no longer exists: remove it from $0"
done
skipped() {
    local f=$1 s
    for s in "${skip[@]}"; do [ "$f" = "$s" ] && return 0; done
    return 1
}

cond_files=() banned_files=()
while IFS= read -r f; do
    skipped "$f" && continue
    cond_files+=("$f")
done < <(find server include tests/unit tests/fuzz -type f \( -name '*.c' -o -name '*.h' \) | sort)
while IFS= read -r f; do
    skipped "$f" && continue
    banned_files+=("$f")
done < <(find server -type f -name '*.c' | sort)

if [ ${#cond_files[@]} -eq 0 ] || [ ${#banned_files[@]} -eq 0 ]; then
    echo "FAIL: no C sources found under $src"
    exit 1
fi

fail=0

# Rule 1: assignment inside a condition.
perl -e '
    my $bad = 0;
    for my $f (@ARGV) {
        open(my $fh, "<", $f) or die "$f: $!\n";
        local $/;
        my $orig = <$fh>;
        close $fh;
        my @lines = split /\n/, $orig, -1;
        # Blank comments and literals, keeping newlines so line numbers hold.
        (my $s = $orig) =~ s{(/\*.*?\*/)|(//[^\n]*)|("(?:\\.|[^"\\\n])*")|(\x27(?:\\.|[^\x27\\\n])*\x27)}{
            my $m = $&; my $nl = ($m =~ tr/\n//);
            ((defined $1 || defined $2) ? " " : "0") . ("\n" x $nl)
        }gse;
        while ($s =~ /\b(if|while|switch|for)\s*\(/g) {
            my ($kw, $start) = ($1, pos($s));
            my ($depth, $i) = (1, $start);
            my @semi;
            while ($i < length($s) && $depth > 0) {
                my $c = substr($s, $i, 1);
                if ($c eq "(") { $depth++ }
                elsif ($c eq ")") { $depth-- }
                elsif ($c eq ";" && $depth == 1) { push @semi, $i }
                $i++;
            }
            my $cond = substr($s, $start, $i - 1 - $start);
            if ($kw eq "for") {
                next unless @semi == 2;
                $cond = substr($s, $semi[0] + 1, $semi[1] - $semi[0] - 1);
            }
            if ($cond =~ /(?<![=!<>])=(?!=)|(?:[-+*\/%&|^]|<<|>>)=/) {
                my $line = 1 + (substr($s, 0, $start) =~ tr/\n//);
                (my $text = $lines[$line - 1]) =~ s/^\s+//;
                print "$f:$line: assignment inside a condition: $text\n";
                $bad++;
            }
        }
    }
    exit($bad ? 1 : 0);
' "${cond_files[@]}" || fail=1

# Rule 2: hearth/banned.h is the last #include of every server .c file.
for f in "${banned_files[@]}"; do
    last=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' "$f" | tail -n 1 || true)
    case "$last" in
    *'"hearth/banned.h"'*) ;;
    '') echo "$f:1: does not include \"hearth/banned.h\""; fail=1 ;;
    *)
        if grep -qE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"hearth/banned.h"' "$f"; then
            echo "$f:${last%%:*}: \"hearth/banned.h\" must be the last #include (after the system headers)"
        else
            echo "$f:1: does not include \"hearth/banned.h\""
        fi
        fail=1
        ;;
    esac
done

if [ $fail -ne 0 ]; then
    echo "FAIL: house rules broken (see above; tests/arch/rules.sh says what each rule means)"
    exit 1
fi
echo "ok: ${#cond_files[@]} files without assignments inside conditions," \
     "${#banned_files[@]} server .c files ending their includes with hearth/banned.h"
