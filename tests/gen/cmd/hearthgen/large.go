package main

// Large synthetic profiles: a pseudo-random "program" (mappings, functions,
// locations with some inlining) and a set of distinct call stacks sharing
// prefixes, sampled with a Zipf distribution. Everything is driven by a
// seeded math/rand source, so the output is deterministic.

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand"

	"hearth/tests/gen/synth"
)

// worldConfig sizes a synthetic program.
type worldConfig struct {
	seed      int64
	funcs     int     // number of functions
	stacks    int     // number of distinct stacks
	meanDepth float64 // typical stack depth
	maxDepth  int
}

// world is a synthetic program with its distinct stacks.
type world struct {
	mappings []synth.Mapping
	funcs    []synth.Function
	locs     []synth.Location
	// Stack i is frames[off[i]:off[i+1]], root first, as indexes into locs.
	off    []int
	frames []int32
}

// mappingSpec describes one mapping of the synthetic program and the share
// of functions that live in it.
type mappingSpec struct {
	file, buildID string
	start, size   uint64
	share         float64
	main          bool // main binary: full symbol info and inlining
	name          func(i int) (name, system, file string)
}

var goPkgs = []string{
	"main", "net/http", "encoding/json", "github.com/acme/svc/api", "github.com/acme/svc/store",
	"github.com/acme/svc/cache", "github.com/acme/svc/internal/codec", "google.golang.org/grpc",
	"database/sql", "compress/flate", "crypto/tls", "sync", "bufio", "strings", "sort",
}

var mappingSpecs = []mappingSpec{
	{"/usr/local/bin/bigservice", "a1b2c3d4e5f60718", 0x400000, 0x8000000, 0.90, true, func(i int) (string, string, string) {
		pkg := goPkgs[i%len(goPkgs)]
		file := fmt.Sprintf("/src/%s/file%d.go", pkg, i%7)
		switch i % 4 {
		case 0:
			return fmt.Sprintf("%s.(*Type%d).Method%05d", pkg, i%13, i), "", file
		case 1:
			return fmt.Sprintf("%s.func%05d.func%d", pkg, i, 1+i%3), "", file
		default:
			return fmt.Sprintf("%s.Func%05d", pkg, i), "", file
		}
	}},
	{"/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30", "", 0x7f1000000000, 0x400000, 0.06, false, func(i int) (string, string, string) {
		return fmt.Sprintf("std::vector<Type%d, std::allocator<Type%d> >::op%d(unsigned long)", i%50, i%50, i),
			fmt.Sprintf("_ZNSt6vectorI5Type%dE2op%dEm", i%50, i), ""
	}},
	{"/lib/x86_64-linux-gnu/libc.so.6", "deadbeefcafef00d", 0x7f2000000000, 0x200000, 0.03, false, func(i int) (string, string, string) {
		return fmt.Sprintf("__libc_fn%05d", i), "", ""
	}},
	{"/usr/lib/x86_64-linux-gnu/libz.so.1.2.13", "", 0x7f3000000000, 0x100000, 0.0096, false, func(i int) (string, string, string) {
		return fmt.Sprintf("inflate_fn%d", i), "", ""
	}},
	{"[vdso]", "", 0x7ffd00000000, 0x4000, 0.0004, false, func(i int) (string, string, string) {
		return fmt.Sprintf("__vdso_fn%d", i), "", ""
	}},
}

// rootNames are the outermost frames every stack starts from.
var rootNames = []string{"runtime.goexit", "runtime.main", "main.main", "runtime.mstart", "net/http.(*conn).serve", "_start"}

// newWorld builds a deterministic synthetic program.
func newWorld(cfg worldConfig) *world {
	r := rand.New(rand.NewSource(cfg.seed))
	w := &world{}

	// Functions and their mappings. mapOf[f] is the mapping index of f.
	var mapOf []int
	for mi, ms := range mappingSpecs {
		w.mappings = append(w.mappings, synth.Mapping{
			ID: uint64(mi + 1), Start: ms.start, Limit: ms.start + ms.size, File: ms.file, BuildID: ms.buildID,
			HasFunctions: true, HasFilenames: ms.main, HasLineNumbers: ms.main, HasInlineFrames: ms.main,
		})
		n := int(math.Round(ms.share * float64(cfg.funcs)))
		if n < 1 {
			n = 1
		}
		for i := 0; i < n; i++ {
			name, system, file := ms.name(i)
			if mi == 0 && i < len(rootNames) {
				name, file = rootNames[i], "/usr/lib/go/src/runtime/proc.go"
			}
			start := int64(0)
			if ms.main && i%5 == 0 {
				start = int64(10 + i%900)
			}
			w.funcs = append(w.funcs, synth.Function{
				ID: uint64(len(w.funcs) + 1), Name: name, SystemName: system, File: file, StartLine: start,
			})
			mapOf = append(mapOf, mi)
		}
	}

	// Locations: one per function, a second one for a third of the main
	// binary's functions; 15% of main-binary locations carry 1 or 2 extra
	// inlined frames.
	nextAddr := make([]uint64, len(w.mappings))
	for i := range nextAddr {
		nextAddr[i] = w.mappings[i].Start + 0x1000
	}
	mainFuncs := 0
	for _, m := range mapOf {
		if m == 0 {
			mainFuncs++
		}
	}
	addLoc := func(f int) {
		mi := mapOf[f]
		line := int64(1 + r.Intn(2000))
		if !mappingSpecs[mi].main {
			line = 0 // libraries without line information
		}
		lines := []synth.Line{{Func: uint64(f + 1), Line: line}}
		if mi == 0 && f >= len(rootNames) && r.Float64() < 0.15 {
			for k := 1 + r.Intn(2); k > 0; k-- {
				inl := len(rootNames) + r.Intn(mainFuncs-len(rootNames))
				lines = append([]synth.Line{{Func: uint64(inl + 1), Line: int64(1 + r.Intn(500))}}, lines...)
			}
		}
		nextAddr[mi] += uint64(0x10 + 0x8*r.Intn(64))
		w.locs = append(w.locs, synth.Location{
			ID: uint64(len(w.locs) + 1), Mapping: uint64(mi + 1), Address: nextAddr[mi], Lines: lines,
		})
	}
	for f := range w.funcs {
		addLoc(f)
		if mapOf[f] == 0 && f >= len(rootNames) && f%3 == 0 {
			addLoc(f)
		}
	}
	// Locations 0..len(rootNames)-1 belong to the root functions.

	// Distinct stacks, root first. Most extend a random prefix of an
	// earlier stack, so stacks share prefixes as in real programs; a few
	// repeat a frame or a pair of frames (recursion).
	seen := make(map[string]bool, cfg.stacks)
	key := make([]byte, 0, 4*cfg.maxDepth)
	stack := make([]int32, 0, cfg.maxDepth)
	w.off = append(w.off, 0)
	for len(w.off)-1 < cfg.stacks {
		depth := int(math.Round(r.NormFloat64()*cfg.meanDepth/2.2 + cfg.meanDepth))
		if r.Float64() < 0.03 {
			depth = cfg.maxDepth - r.Intn(cfg.maxDepth/3)
		}
		if depth < 1 {
			depth = 1 + r.Intn(3)
		}
		if depth > cfg.maxDepth {
			depth = cfg.maxDepth
		}
		stack = stack[:0]
		if n := len(w.off) - 1; n > 0 && r.Float64() < 0.85 {
			j := r.Intn(n)
			parent := w.frames[w.off[j]:w.off[j+1]]
			k := 1 + r.Intn(len(parent))
			if k > depth {
				k = depth
			}
			stack = append(stack, parent[:k]...)
		} else {
			stack = append(stack, int32(r.Intn(len(rootNames))))
		}
		for len(stack) < depth {
			if len(stack) > 2 && r.Float64() < 0.02 {
				// Recursion: repeat the last frame or the last two frames.
				n := 1 + r.Intn(2)
				for rep := 1 + r.Intn(3); rep > 0 && len(stack)+n <= depth; rep-- {
					stack = append(stack, stack[len(stack)-n:]...)
				}
				continue
			}
			stack = append(stack, int32(len(rootNames)+r.Intn(len(w.locs)-len(rootNames))))
		}
		key = key[:0]
		for _, l := range stack {
			key = binary.LittleEndian.AppendUint32(key, uint32(l))
		}
		if seen[string(key)] {
			continue
		}
		seen[string(key)] = true
		w.frames = append(w.frames, stack...)
		w.off = append(w.off, len(w.frames))
	}
	return w
}

// stackCount returns the number of distinct stacks.
func (w *world) stackCount() int { return len(w.off) - 1 }

// leafFirst fills dst with the location ids of stack i, leaf first, and
// marks the locations as used.
func (w *world) leafFirst(dst []uint64, i int, used []bool) []uint64 {
	dst = dst[:0]
	frames := w.frames[w.off[i]:w.off[i+1]]
	for k := len(frames) - 1; k >= 0; k-- {
		dst = append(dst, uint64(frames[k]+1))
		used[frames[k]] = true
	}
	return dst
}

// writeTables writes the mappings, the used locations and the functions
// they reference.
func (w *world) writeTables(e *synth.Encoder, used []bool) {
	for i := range w.mappings {
		e.Mapping(&w.mappings[i])
	}
	usedFunc := make([]bool, len(w.funcs))
	for i := range w.locs {
		if !used[i] {
			continue
		}
		e.Location(&w.locs[i])
		for _, ln := range w.locs[i].Lines {
			usedFunc[ln.Func-1] = true
		}
	}
	for i := range w.funcs {
		if usedFunc[i] {
			e.Function(&w.funcs[i])
		}
	}
}

// gzipFile creates name and returns an Encoder writing gzip-compressed
// output to it, plus a function that finishes the profile and closes the file.
func gzipFile(o *output, name, desc string, level int) (*synth.Encoder, func() error, error) {
	f, err := o.create(name, desc)
	if err != nil {
		return nil, nil, err
	}
	zw, _ := gzip.NewWriterLevel(f, level)
	bw := bufio.NewWriterSize(zw, 1<<20)
	e := synth.NewEncoder(bw)
	finish := func() error {
		err := e.Finish()
		if err == nil {
			err = bw.Flush()
		}
		if err == nil {
			err = zw.Close()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	return e, finish, nil
}

// writeLarge writes large-synth.pb.gz with n samples.
func writeLarge(o *output, n int) error {
	w := newWorld(worldConfig{seed: 1, funcs: 50000, stacks: 80000, meanDepth: 14.5, maxDepth: 64})
	r := rand.New(rand.NewSource(2))
	desc := fmt.Sprintf("synthetic CPU profile: %d samples, Zipf over %d stacks, %d functions, depth <= 64, 20%% labelled",
		n, w.stackCount(), len(w.funcs))
	e, finish, err := gzipFile(o, "large-synth.pb.gz", desc, gzip.BestSpeed)
	if err != nil {
		return err
	}
	e.SampleType(synth.SamplesCount)
	e.SampleType(synth.CPUNanos)

	zipf := rand.NewZipf(r, 1.1, 1, uint64(w.stackCount()-1))
	perm := r.Perm(w.stackCount()) // popularity rank -> stack
	endpoints := []string{"/api/v1/users", "/api/v1/orders", "/api/v1/search", "/healthz",
		"/api/v2/items", "/static/app.js", "/api/v1/login", "/metrics"}
	used := make([]bool, len(w.locs))
	var s synth.Sample
	s.Values = make([]int64, 2)
	var total int64
	for i := 0; i < n; i++ {
		s.Locs = w.leafFirst(s.Locs, perm[zipf.Uint64()], used)
		count := int64(1)
		if r.Float64() < 0.2 {
			count += int64(r.Intn(5))
		}
		s.Values[0], s.Values[1] = count, count*10*ms
		total += count * 10 * ms
		s.Labels = s.Labels[:0]
		if r.Float64() < 0.2 {
			s.Labels = append(s.Labels,
				synth.Label{Key: "thread", Str: fmt.Sprintf("t%02d", r.Intn(32))},
				synth.Label{Key: "endpoint", Str: endpoints[r.Intn(len(endpoints))]},
				synth.Label{Key: "request_size", Num: int64(64) << r.Intn(14), Unit: "bytes"})
		}
		e.Sample(&s)
	}
	w.writeTables(e, used)
	e.Int64(synth.ProfTimeNanos, fixedTime)
	// As if the samples came from 16 busy cores.
	e.Int64(synth.ProfDurationNanos, total/16/1e9*1e9+1e9)
	e.PeriodType(synth.CPUNanos)
	e.Int64(synth.ProfPeriod, 10*ms)
	e.Comment("synthetic profile generated by hearthgen")
	return finish()
}

// writeMediumHeap writes medium-heap.pb.gz: a heap-like profile with 100,000
// samples and a bytes label on each.
func writeMediumHeap(o *output) error {
	const n = 100000
	w := newWorld(worldConfig{seed: 3, funcs: 4000, stacks: 12000, meanDepth: 12, maxDepth: 48})
	r := rand.New(rand.NewSource(4))
	e, finish, err := gzipFile(o, "medium-heap.pb.gz",
		"synthetic heap profile: 100,000 samples, alloc/inuse objects/space, space/bytes period 524288, bytes label",
		gzip.DefaultCompression)
	if err != nil {
		return err
	}
	for _, vt := range []synth.ValueType{
		{Type: "alloc_objects", Unit: "count"}, {Type: "alloc_space", Unit: "bytes"},
		{Type: "inuse_objects", Unit: "count"}, {Type: "inuse_space", Unit: "bytes"},
	} {
		e.SampleType(vt)
	}
	zipf := rand.NewZipf(r, 1.2, 1, uint64(w.stackCount()-1))
	perm := r.Perm(w.stackCount())
	used := make([]bool, len(w.locs))
	var s synth.Sample
	s.Values = make([]int64, 4)
	s.Labels = make([]synth.Label, 1)
	for i := 0; i < n; i++ {
		s.Locs = w.leafFirst(s.Locs, perm[zipf.Uint64()], used)
		size := int64(8) << r.Intn(14) // 8 B .. 64 KiB
		if r.Float64() < 0.3 {
			size = int64(16 * (1 + r.Intn(64)))
		}
		// Values as the runtime writes them: already scaled up by the
		// sampling rate, so objects are large counts.
		objs := int64(1+r.Intn(8)) * (524288/size + 1)
		inuse := int64(0)
		if r.Float64() < 0.6 {
			inuse = objs / int64(1+r.Intn(4))
		}
		s.Values[0], s.Values[1], s.Values[2], s.Values[3] = objs, objs*size, inuse, inuse*size
		s.Labels[0] = synth.Label{Key: "bytes", Num: size, Unit: "bytes"}
		e.Sample(&s)
	}
	w.writeTables(e, used)
	e.Int64(synth.ProfTimeNanos, fixedTime)
	e.PeriodType(synth.ValueType{Type: "space", Unit: "bytes"})
	e.Int64(synth.ProfPeriod, 524288)
	return finish()
}
