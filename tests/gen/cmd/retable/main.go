// Command retable decides, as Go 1.19's regexp (the syntax pprof's filters
// use) does, whether each pattern compiles and which subjects it matches.
//
// Input (stdin): a line "S<TAB>subject" per subject, then a line
// "P<TAB>pattern" per pattern. Output: per pattern, "ok <bits>" (one 0/1
// per subject: an unanchored match, as pprof's focus uses) or "error".
// Patterns and subjects are Go-quoted strings (strconv.Unquote).
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

func main() {
	var subjects []string
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		kind, q, ok := strings.Cut(in.Text(), "\t")
		if !ok {
			continue
		}
		s, err := strconv.Unquote(q)
		if err != nil {
			fmt.Fprintln(os.Stderr, "retable: bad quoting:", q)
			os.Exit(2)
		}
		if kind == "S" {
			subjects = append(subjects, s)
			continue
		}
		re, err := regexp.Compile(s)
		if err != nil {
			fmt.Fprintln(out, "error")
			continue
		}
		var b strings.Builder
		for _, sub := range subjects {
			if re.MatchString(sub) {
				b.WriteByte('1')
			} else {
				b.WriteByte('0')
			}
		}
		fmt.Fprintln(out, "ok", b.String())
	}
}
