// Command hearthgen writes the pprof profiles used by Hearth's oracle tests:
// real Go runtime profiles produced in-process (heap, allocs, CPU, goroutine,
// mutex, block), large and medium synthetic profiles, small hand-made edge
// cases and a directory of malformed inputs (DIR/bad/).
//
// Usage:
//
//	go run ./cmd/hearthgen -out DIR [-large-samples N] [-real=false] [-bomb=false]
//
// Synthetic outputs are byte-for-byte deterministic; real runtime profiles
// naturally vary from run to run. DIR/MANIFEST.txt lists every file written.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// defaultMemProfileRate is the Go runtime's default heap sampling rate.
const defaultMemProfileRate = 512 * 1024

func main() {
	// Every allocation must be recorded for the real heap profiles, so the
	// rate is set before anything else allocates.
	runtime.MemProfileRate = 1

	outDir := flag.String("out", "", "output directory (required)")
	largeSamples := flag.Int("large-samples", 1000000, "samples in large-synth.pb.gz (0 skips it)")
	withReal := flag.Bool("real", true, "write the real Go runtime profiles")
	withBomb := flag.Bool("bomb", true, "write bad/bad-bomb.pb.gz (a 2 GiB gzip bomb, ~2 MB on disk)")
	flag.Parse()
	if *outDir == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: hearthgen -out DIR [-large-samples N] [-real=false] [-bomb=false]")
		os.Exit(2)
	}

	out, err := newOutput(*outDir)
	if err != nil {
		fatal(err)
	}
	start := time.Now()
	step := func(name string, fn func(*output) error) {
		if err := runStep(name, out, fn); err != nil {
			fatal(err)
		}
	}

	if *withReal {
		step("real", writeReal)
	}
	// Synthetic generation allocates a lot; stop recording every allocation.
	runtime.MemProfileRate = defaultMemProfileRate

	// The gzip bomb takes a few seconds of one core; write it in parallel
	// with the (single-threaded) synthetic generators.
	bombDone := make(chan error, 1)
	if *withBomb {
		go func() {
			bombDone <- runStep("bomb", out, writeBomb)
		}()
	} else {
		bombDone <- nil
	}
	step("edge", writeEdges)
	step("bad", writeBad)
	step("medium", writeMediumHeap)
	if *largeSamples > 0 {
		step("large", func(o *output) error { return writeLarge(o, *largeSamples) })
	}
	if err := <-bombDone; err != nil {
		fatal(err)
	}
	if err := out.writeManifest(); err != nil {
		fatal(err)
	}
	fmt.Fprintf(os.Stderr, "hearthgen: wrote %d files to %s in %.2fs\n",
		len(out.entries), *outDir, time.Since(start).Seconds())
}

// runStep runs one generator and reports its duration on stderr.
func runStep(name string, o *output, fn func(*output) error) error {
	t := time.Now()
	if err := fn(o); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	fmt.Fprintf(os.Stderr, "hearthgen: %-8s %6.2fs\n", name, time.Since(t).Seconds())
	return nil
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "hearthgen:", err)
	os.Exit(1)
}

// output writes files under one directory and remembers them for the
// manifest.
type output struct {
	dir     string
	mu      sync.Mutex        // guards entries (the bomb is written concurrently)
	entries map[string]string // relative path -> description
}

func newOutput(dir string) (*output, error) {
	if err := os.MkdirAll(filepath.Join(dir, "bad"), 0o755); err != nil {
		return nil, err
	}
	return &output{dir: dir, entries: map[string]string{}}, nil
}

// path returns the absolute path of name (relative to the output directory)
// and records it in the manifest.
func (o *output) path(name, desc string) string {
	o.mu.Lock()
	o.entries[name] = desc
	o.mu.Unlock()
	return filepath.Join(o.dir, filepath.FromSlash(name))
}

// write writes data to name and records it in the manifest.
func (o *output) write(name, desc string, data []byte) error {
	return os.WriteFile(o.path(name, desc), data, 0o644)
}

// create opens name for writing and records it in the manifest.
func (o *output) create(name, desc string) (*os.File, error) {
	return os.Create(o.path(name, desc))
}

// writeManifest writes MANIFEST.txt: one "path<TAB>description" line per
// file, sorted by path.
func (o *output) writeManifest() error {
	names := make([]string, 0, len(o.entries))
	for n := range o.entries {
		names = append(names, n)
	}
	sort.Strings(names)
	var sb strings.Builder
	sb.WriteString("# Files written by hearthgen (tests/gen). Format: path<TAB>description.\n")
	sb.WriteString("# bad/* must be rejected by pprof; everything else must load.\n")
	for _, n := range names {
		fmt.Fprintf(&sb, "%s\t%s\n", n, o.entries[n])
	}
	return os.WriteFile(filepath.Join(o.dir, "MANIFEST.txt"), []byte(sb.String()), 0o644)
}
