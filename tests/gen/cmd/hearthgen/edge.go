package main

// Small hand-made edge-case profiles, edge-<what>.pb.gz. Each one isolates a
// behaviour of pprof that Hearth must reproduce; the descriptions in the
// manifest say what to look for.

import (
	"bytes"
	"fmt"

	"hearth/tests/gen/pb"
	"hearth/tests/gen/synth"
)

// ms is one millisecond in nanoseconds.
const ms = 1000000

// fixedTime is the time_nanos of the synthetic profiles
// (2023-11-14 22:13:20 UTC), so their headers are stable.
const fixedTime = 1700000000 * 1000000000

type edge struct {
	name, desc string
	gen        func() []byte
}

var edges = []edge{
	{"recursion", "recursion: main;a;b;a;c=10 main;a;b=5 main;a;a;a=3 main=2 ticks of 10ms; a has cum 180ms of 200ms", edgeRecursion},
	{"inline", "one location with Lines [inner@5, outer@20]: main;outer;inner=70ms, main;outer@21=30ms, main;inner@6=40ms", edgeInline},
	{"cutoff", "samples/count main;big=985 main;six=6 main;five=5 main;four=4 (node/edge fraction cutoffs)", edgeCutoff},
	{"ties", "many leaves with equal flat and cum values, names that sort differently", edgeTies},
	{"emptystack", "main;big=500 main;small=4 plus a sample with no locations =500: 1004 total", edgeEmptyStack},
	{"negative", "samples/count values 600, -400 and 3 on different stacks", edgeNegative},
	{"samename", "function dup defined in /a/one.go (30ms) and /b/two.go (40ms), different function ids", edgeSameName},
	{"startline", "f (start_line 10) and g (start_line 20) in /src/util.go: two rows at files granularity", edgeStartLine},
	{"nofunc", "locations without Lines: /usr/bin/prog, /lib/libc.so.6, an unnamed mapping, mapping_id 0", edgeNoFunc},
	{"labels", "string labels with several values per key, numeric labels with and without units, zero-valued labels", edgeLabels},
	{"filters", "app-like stacks in /src/app/*.go, mapping /bin/app, labels thread/method, for focus/ignore/tag filters", edgeFilters},
	{"packed-mixed", "location_id, value and comment fields mixing packed and unpacked encodings within one message", edgePackedMixed},
	{"bigids", "ids offset by 1,000,000,000, non-contiguous and written unordered", edgeBigIDs},
	{"unknown-fields", "unknown fields of wire types 0,1,2,5 at top level and inside every submessage", edgeUnknownFields},
	{"comments", "several comments, one starting with '#', one empty", edgeComments},
	{"default-type", "4 heap sample types with default_sample_type = alloc_objects (the first)", edgeDefaultType},
	{"cpp-names", "C++/Java-style names, spaces, quotes, backslashes, <script> and invalid UTF-8", edgeCppNames},
	{"many-leaves", "main calling 100 distinct leaves with varied (partly equal) weights, for nodecount trimming", edgeManyLeaves},
	{"deep", "stacks 1000 frames deep, with direct and mutual recursion", edgeDeep},
	{"dropframes", "drop_frames runtime\\..*|malloc, keep_frames runtime\\.keep, with inlined and partially matching locations", edgeDropFrames},
	{"diff-new", "diff source: main;a=60ms main;b=40ms, duration 1s", edgeDiffNew},
	{"diff-base", "diff base: main;a=30ms main;c=20ms, duration 0.5s", edgeDiffBase},
	{"diff-base-us", "diff base as edge-diff-base but in cpu/microseconds (period type too)", edgeDiffBaseUS},
}

// writeEdges writes every edge case.
func writeEdges(o *output) error {
	for _, e := range edges {
		if err := o.write("edge-"+e.name+".pb.gz", e.desc, synth.Gzip(e.gen())); err != nil {
			return err
		}
	}
	return nil
}

// cpu returns a CPU-like builder with functions in file.
func cpu(file string) *synth.Builder {
	b := synth.NewCPUBuilder()
	b.DefaultFile = file
	b.P.TimeNanos = fixedTime
	return b
}

// counts returns a builder with the single sample type samples/count.
func counts(file string) *synth.Builder {
	b := synth.NewBuilder(synth.SamplesCount)
	b.P.PeriodType = &synth.ValueType{Type: "samples", Unit: "count"}
	b.P.Period = 1
	b.P.TimeNanos = fixedTime
	b.DefaultFile = file
	return b
}

func edgeRecursion() []byte {
	b := cpu("/src/rec.go")
	b.AddCPU("main;a;b;a;c", 10)
	b.AddCPU("main;a;b", 5)
	b.AddCPU("main;a;a;a", 3)
	b.AddCPU("main", 2)
	return synth.Encode(b.P)
}

func edgeDropFrames() []byte {
	b := cpu("/src/drop.go")
	b.P.DropFrames = `runtime\..*|malloc`
	b.P.KeepFrames = `runtime\.keep`
	b.AddCPU("main;alloc;runtime.mallocgc;runtime.nextFree", 10)
	b.AddCPU("runtime.goexit;runtime.main;main;work", 7)
	b.AddCPU("main;mymalloc", 5)
	b.AddCPU("main;alloc;runtime.keep;leaf", 3)
	b.AddCPU("runtime.goexit;runtime.mcall", 2)
	b.AddCPU("main;(*T).malloc(int);helper", 4)
	// one location: helper inlined into runtime.growslice inlined into caller
	inl := b.Loc(b.L("helper2", 5), b.L("runtime.growslice", 6), b.L("caller", 7))
	b.AddLocs([]uint64{inl, b.Frame("main")}, nil, 6, 6*ms)
	return synth.Encode(b.P)
}

func edgeInline() []byte {
	b := cpu("/src/inline.go")
	inl := b.Loc(b.L("inner", 5), b.L("outer", 20))
	b.AddLocs([]uint64{inl, b.Frame("main@1")}, nil, 7, 70*ms)
	b.AddLocs([]uint64{b.Frame("outer@21"), b.Frame("main@2")}, nil, 3, 30*ms)
	b.AddLocs([]uint64{b.Frame("inner@6"), b.Frame("main@3")}, nil, 4, 40*ms)
	return synth.Encode(b.P)
}

func edgeCutoff() []byte {
	b := counts("/src/cut.go")
	b.Add("main;big", 985)
	b.Add("main;six", 6)
	b.Add("main;five", 5)
	b.Add("main;four", 4)
	return synth.Encode(b.P)
}

func edgeTies() []byte {
	b := cpu("/src/ties.go")
	// Equal flat values; names chosen so that byte order, case-insensitive
	// order and numeric order all disagree.
	for _, leaf := range []string{"zeta", "alpha", "Mid", "beta", "_under", "b10", "b2", "x.y", "Alpha"} {
		b.AddCPU("main;"+leaf, 5)
	}
	// Equal cum values for two intermediate frames with different flats.
	b.AddCPU("main;left;alpha", 3)
	b.AddCPU("main;left", 2)
	b.AddCPU("main;right;zeta", 2)
	b.AddCPU("main;right", 3)
	b.AddCPU("main;b2", 0) // an all-zero sample: merged away by pprof
	return synth.Encode(b.P)
}

func edgeEmptyStack() []byte {
	b := counts("/src/empty.go")
	b.Add("main;big", 500)
	b.Add("main;small", 4)
	b.Add("", 500)
	return synth.Encode(b.P)
}

func edgeNegative() []byte {
	b := counts("/src/neg.go")
	b.Add("main;pos", 600)
	b.Add("main;mid;neg", -400)
	b.Add("main;small", 3)
	return synth.Encode(b.P)
}

func edgeSameName() []byte {
	b := cpu("/src/main.go")
	one := b.Func("dup", "/a/one.go", 0)
	two := b.Func("dup", "/b/two.go", 0)
	main := b.Frame("main@7")
	b.AddLocs([]uint64{b.Loc(synth.Line{Func: one, Line: 3}), main}, nil, 3, 30*ms)
	b.AddLocs([]uint64{b.Loc(synth.Line{Func: two, Line: 4}), main}, nil, 4, 40*ms)
	return synth.Encode(b.P)
}

func edgeStartLine() []byte {
	b := cpu("/src/main.go")
	f := b.Func("f", "/src/util.go", 10)
	g := b.Func("g", "/src/util.go", 20)
	main := b.Frame("main@5")
	b.AddLocs([]uint64{b.Loc(synth.Line{Func: f, Line: 12}), main}, nil, 5, 50*ms)
	b.AddLocs([]uint64{b.Loc(synth.Line{Func: g, Line: 22}), main}, nil, 3, 30*ms)
	return synth.Encode(b.P)
}

func edgeNoFunc() []byte {
	p := &synth.Profile{
		SampleTypes:   []synth.ValueType{synth.SamplesCount, synth.CPUNanos},
		PeriodType:    &synth.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:        10 * ms,
		TimeNanos:     fixedTime,
		DurationNanos: 1e9,
		Mappings: []synth.Mapping{
			{ID: 1, Start: 0x400000, Limit: 0x500000, File: "/usr/bin/prog", BuildID: "0123abcd"},
			{ID: 2, Start: 0x7f0000000000, Limit: 0x7f0000200000, Offset: 0x1000, File: "/lib/libc.so.6"},
			{ID: 3, Start: 0x10000000, Limit: 0x10100000}, // no file name
		},
		Locations: []synth.Location{
			{ID: 1, Mapping: 1, Address: 0x401234},
			{ID: 2, Mapping: 1, Address: 0x401300},
			{ID: 3, Mapping: 1, Address: 0x402000},
			{ID: 4, Mapping: 2, Address: 0x7f0000012345},
			{ID: 5, Mapping: 2, Address: 0x7f0000013000},
			{ID: 6, Mapping: 3, Address: 0x10000010},
			{ID: 7, Mapping: 0, Address: 0xdeadbeef}, // no mapping at all
			{ID: 8, Mapping: 1},                      // address 0
		},
	}
	add := func(n int64, locs ...uint64) {
		p.Samples = append(p.Samples, synth.Sample{Locs: locs, Values: []int64{n, n * 10 * ms}})
	}
	add(30, 4, 2, 1)
	add(20, 5, 4, 2, 1)
	add(15, 6, 3, 1)
	add(10, 7, 1)
	add(8, 2, 1)
	add(5, 3, 1)
	add(2, 8, 1)
	return synth.Encode(p)
}

func edgeLabels() []byte {
	b := cpu("/src/labels.go")
	type L = synth.Label
	b.AddCPU("main;a", 10, L{Key: "key", Str: "v1"}, L{Key: "key", Str: "v2"}, L{Key: "thread", Str: "t1"},
		L{Key: "bytes", Num: 1024, Unit: "bytes"})
	b.AddCPU("main;b", 7, L{Key: "latency", Num: 1500, Unit: "ms"}, L{Key: "request_bytes", Num: 2048},
		L{Key: "thread", Str: "t2"})
	b.AddCPU("main;c", 5, L{Key: "zero", Num: 0}, L{Key: "zu", Num: 0, Unit: "bytes"}, L{Key: "key", Str: "v3"})
	b.AddCPU("main;a", 4, L{Key: "key", Str: "v2"}, L{Key: "bytes", Num: 4096, Unit: "bytes"},
		L{Key: "bytes", Num: 512, Unit: "bytes"})
	b.AddCPU("main;d", 3, L{Key: "count", Num: 7}, L{Key: "size", Num: 3, Unit: "kilobytes"},
		L{Key: "size", Num: 100})
	b.AddCPU("main;b", 2, L{Key: "latency", Num: 250000, Unit: "microseconds"}, L{Key: "thread", Str: "t1"})
	b.AddCPU("main;e", 1) // no labels
	return synth.Encode(b.P)
}

func edgeFilters() []byte {
	b := cpu("/src/app/main.go")
	for name, file := range map[string]string{
		"handler": "/src/app/srv.go", "render": "/src/app/srv.go",
		"parse": "/src/app/parse.go", "alloc": "/src/app/mem.go",
		"worker": "/src/app/worker.go", "compute": "/src/app/worker.go",
		"runtime.mallocgc": "/usr/lib/go/src/runtime/malloc.go",
	} {
		b.Files[name] = file
	}
	type L = synth.Label
	t := func(v string) L { return L{Key: "thread", Str: v} }
	m := func(v string) L { return L{Key: "method", Str: v} }
	// Declare the functions in a fixed order, so ids are deterministic.
	for _, f := range []string{"main", "handler", "parse", "alloc", "worker", "compute", "render", "runtime.mallocgc", "idle"} {
		b.Func(f, "", 0)
	}
	b.AddCPU("main;handler;parse;alloc", 400, t("t1"), m("GET"))
	b.AddCPU("main;worker;compute", 300, t("t2"))
	b.AddCPU("main;worker;parse;alloc", 200, t("t2"))
	b.AddCPU("main;handler;render", 150, t("t1"), m("POST"))
	b.AddCPU("main;handler;compute", 100, t("t3"), m("GET"))
	b.AddCPU("main;handler;parse;alloc;runtime.mallocgc", 50, t("t3"), m("POST"),
		L{Key: "request_bytes", Num: 512, Unit: "bytes"})
	b.AddCPU("main;handler;parse", 40, t("t1"), m("GET"))
	b.AddCPU("main;worker", 25, t("t2"))
	b.AddCPU("main;idle", 20)
	return synth.Encode(b.P)
}

// unknownFields appends one unknown field of each accepted wire type
// (varint, fixed64, length-delimited, fixed32), numbered from base.
func unknownFields(b *pb.Buffer, base int) {
	b.Uint64(base, 12345)
	b.Fixed64(base+1, 0x0102030405060708)
	b.String(base+2, "unknown bytes")
	b.Fixed32(base+3, 0xcafebabe)
}

func edgePackedMixed() []byte {
	var out bytes.Buffer
	e := synth.NewEncoder(&out)
	e.SampleType(synth.SamplesCount)
	e.SampleType(synth.CPUNanos)
	// Stack main;b;c;d, leaf first: locations 4,3,2,1.
	// Sample 1: location ids unpacked 4, packed [3 2], unpacked 1, with the
	// value fields interleaved: unpacked 5, then packed [50ms].
	e.Raw(func(b *pb.Buffer) {
		b.Message(synth.ProfSample, func(b *pb.Buffer) {
			b.Uint64(synth.SampLocationID, 4)
			b.Int64(synth.SampValue, 5)
			b.PackedUint64(synth.SampLocationID, []uint64{3, 2})
			b.PackedInt64(synth.SampValue, []int64{50 * ms})
			b.Uint64(synth.SampLocationID, 1)
		})
		// Sample 2: the same stack all packed, values unpacked, plus an
		// empty packed block.
		b.Message(synth.ProfSample, func(b *pb.Buffer) {
			b.PackedUint64(synth.SampLocationID, []uint64{4, 3, 2, 1})
			b.Tag(synth.SampLocationID, pb.WireBytes)
			b.Varint(0)
			b.Int64(synth.SampValue, 2)
			b.Int64(synth.SampValue, 20*ms)
		})
		// Sample 3: main;c, values packed one at a time.
		b.Message(synth.ProfSample, func(b *pb.Buffer) {
			b.PackedInt64(synth.SampValue, []int64{3})
			b.Uint64(synth.SampLocationID, 3)
			b.PackedInt64(synth.SampValue, []int64{30 * ms})
			b.PackedUint64(synth.SampLocationID, []uint64{1})
		})
	})
	names := []string{"main", "b", "c", "d"}
	for i, n := range names {
		id := uint64(i + 1)
		e.Function(&synth.Function{ID: id, Name: n, File: "/src/packed.go"})
		e.Location(&synth.Location{ID: id, Address: 0x1000 * id, Lines: []synth.Line{{Func: id, Line: int64(10 * id)}}})
	}
	e.PeriodType(synth.CPUNanos)
	e.Int64(synth.ProfPeriod, 10*ms)
	// Comments: unpacked c1, packed [c2 c3], unpacked c4.
	c := func(s string) uint64 { return uint64(e.Str(s)) }
	e.Raw(func(b *pb.Buffer) {
		b.Uint64(synth.ProfComment, c("c1"))
		b.PackedUint64(synth.ProfComment, []uint64{c("c2"), c("c3")})
		b.Uint64(synth.ProfComment, c("c4"))
	})
	e.Finish()
	return out.Bytes()
}

func edgeBigIDs() []byte {
	const off = 1000000000
	p := &synth.Profile{
		SampleTypes: []synth.ValueType{synth.SamplesCount, synth.CPUNanos},
		PeriodType:  &synth.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:      10 * ms,
		TimeNanos:   fixedTime,
		Mappings: []synth.Mapping{
			{ID: off + 77, Start: 0x7f0000000000, Limit: 0x7f0000100000, File: "/lib/libbig.so", HasFunctions: true},
			{ID: off + 5, Start: 0x400000, Limit: 0x800000, File: "/bin/bigids", HasFunctions: true},
		},
		Functions: []synth.Function{
			{ID: off + 4242, Name: "leaf", File: "/src/big.go"},
			{ID: off + 13, Name: "main", File: "/src/big.go"},
			{ID: off + 900000, Name: "libfunc", File: "/src/lib.c"},
			{ID: off + 7, Name: "middle", File: "/src/big.go"},
		},
		Locations: []synth.Location{
			{ID: off + 999999, Mapping: off + 77, Address: 0x7f0000001230, Lines: []synth.Line{{Func: off + 900000, Line: 88}}},
			{ID: off + 2, Mapping: off + 5, Address: 0x401000, Lines: []synth.Line{{Func: off + 13, Line: 3}}},
			{ID: off + 31337, Mapping: off + 5, Address: 0x402000, Lines: []synth.Line{{Func: off + 4242, Line: 40}}},
			{ID: off + 17, Mapping: off + 5, Address: 0x403000, Lines: []synth.Line{{Func: off + 7, Line: 17}}},
		},
	}
	add := func(n int64, locs ...uint64) {
		for i := range locs {
			locs[i] += off
		}
		p.Samples = append(p.Samples, synth.Sample{Locs: locs, Values: []int64{n, n * 10 * ms}})
	}
	add(6, 31337, 17, 2)
	add(4, 999999, 31337, 17, 2)
	add(3, 17, 2)
	add(1, 2)
	return synth.Encode(p)
}

func edgeUnknownFields() []byte {
	var out bytes.Buffer
	e := synth.NewEncoder(&out)
	s := e.Str
	e.Raw(func(b *pb.Buffer) {
		unknownFields(b, 100)
		for _, vt := range []synth.ValueType{synth.SamplesCount, synth.CPUNanos} {
			b.Message(synth.ProfSampleType, func(b *pb.Buffer) {
				unknownFields(b, 50)
				b.Int64(synth.VTType, s(vt.Type))
				b.Int64(synth.VTUnit, s(vt.Unit))
			})
		}
		unknownFields(b, 200)
		sample := func(n int64, locs ...uint64) {
			b.Message(synth.ProfSample, func(b *pb.Buffer) {
				b.RepeatedUint64(synth.SampLocationID, locs)
				unknownFields(b, 50)
				b.RepeatedInt64(synth.SampValue, []int64{n, n * 10 * ms})
				b.Message(synth.SampLabel, func(b *pb.Buffer) {
					b.Int64(synth.LabelKey, s("thread"))
					unknownFields(b, 50)
					b.Int64(synth.LabelStr, s("t1"))
				})
			})
		}
		sample(7, 3, 2, 1)
		sample(2, 2, 1)
		b.Message(synth.ProfMapping, func(b *pb.Buffer) {
			b.Uint64(synth.MapID, 1)
			b.Uint64(synth.MapMemoryStart, 0x400000)
			unknownFields(b, 50)
			b.Uint64(synth.MapMemoryLimit, 0x800000)
			b.Int64(synth.MapFilename, s("/bin/unknown"))
			b.Bool(synth.MapHasFunctions, true)
		})
		for i, name := range []string{"main", "work", "leaf"} {
			id := uint64(i + 1)
			b.Message(synth.ProfLocation, func(b *pb.Buffer) {
				b.Uint64(synth.LocID, id)
				unknownFields(b, 50)
				b.Uint64(synth.LocMappingID, 1)
				b.Uint64(synth.LocAddress, 0x401000+0x100*id)
				b.Message(synth.LocLine, func(b *pb.Buffer) {
					b.Uint64(synth.LineFunctionID, id)
					b.Uint64(3, 9) // Line.column: upstream-only, unknown to Go 1.19
					unknownFields(b, 50)
					b.Int64(synth.LineLine, int64(10*id))
				})
			})
			b.Message(synth.ProfFunction, func(b *pb.Buffer) {
				unknownFields(b, 50)
				b.Uint64(synth.FuncID, id)
				b.Int64(synth.FuncName, s(name))
				b.Int64(synth.FuncFilename, s("/src/unknown.go"))
			})
		}
		b.Message(synth.ProfPeriodType, func(b *pb.Buffer) {
			b.Int64(synth.VTType, s("cpu"))
			unknownFields(b, 50)
			b.Int64(synth.VTUnit, s("nanoseconds"))
		})
		b.Int64(synth.ProfPeriod, 10*ms)
		b.Uint64(536870911, 1) // the largest legal field number
	})
	e.Finish()
	e.Raw(func(b *pb.Buffer) { unknownFields(b, 300) }) // after the string table too
	return out.Bytes()
}

func edgeComments() []byte {
	b := cpu("/src/comments.go")
	b.AddCPU("main;work", 5)
	b.P.Comments = []string{"# starts with a hash", "plain comment", "", "tab\tand  spaces", "unicode ☃ ünïcödé", "#"}
	return synth.Encode(b.P)
}

func edgeDefaultType() []byte {
	b := synth.NewBuilder(
		synth.ValueType{Type: "alloc_objects", Unit: "count"},
		synth.ValueType{Type: "alloc_space", Unit: "bytes"},
		synth.ValueType{Type: "inuse_objects", Unit: "count"},
		synth.ValueType{Type: "inuse_space", Unit: "bytes"})
	b.DefaultFile = "/src/heap.go"
	b.P.PeriodType = &synth.ValueType{Type: "space", Unit: "bytes"}
	b.P.Period = 524288
	b.P.TimeNanos = fixedTime
	b.P.DefaultSampleType = "alloc_objects"
	b.Add("main;small", 1000, 64000, 10, 640)
	b.Add("main;big", 10, 10485760, 5, 5242880)
	b.Add("main;mid;alloc", 300, 300000, 0, 0)
	return synth.Encode(b.P)
}

func edgeCppNames() []byte {
	b := cpu("/src/names.cc")
	names := []struct{ name, system, file string }{
		{"std::vector<int, std::allocator<int> >::push_back(int const&)", "_ZNSt6vectorIiSaIiEE9push_backERKi", "/usr/include/c++/12/bits/stl_vector.h"},
		{"(anonymous namespace)::Foo::bar(int)", "_ZN12_GLOBAL__N_13Foo3barEi", "/src/foo.cc"},
		{"com.example.Foo.bar(Foo.java)", "", "Foo.java"},
		{"operator new(unsigned long)", "_Znwm", ""},
		{"name with  spaces", "", "/src/dir with spaces/x.go"},
		{`say "hello" 'world'`, "", "/src/q.go"},
		{`C:\path\to\fn\`, "", `C:\src\win.c`},
		{"<script>alert('x&y')</script>", "", "/src/<b>.html"},
		{"bad\xff\xfeutf8\xc3", "", "/src/bad\xffname.go"},
		{"main.(*T).Method.func1.2", "", "/src/main.go"},
		{"lambda$main$0", "", "Main.java"},
		{"", "", "/src/noname.go"}, // an empty function name
	}
	main := b.Frame("main@1")
	for i, n := range names {
		f := b.P.Functions
		id := uint64(len(f) + 1)
		b.P.Functions = append(f, synth.Function{ID: id, Name: n.name, SystemName: n.system, File: n.file})
		loc := b.Loc(synth.Line{Func: id, Line: int64(i + 10)})
		b.AddLocs([]uint64{loc, main}, nil, int64(i+1), int64(i+1)*10*ms)
	}
	return synth.Encode(b.P)
}

func edgeManyLeaves() []byte {
	b := cpu("/src/leaves.go")
	for i := 0; i < 100; i++ {
		// Weights 1..60 in a scrambled order; several leaves share a weight.
		w := int64(1 + (i*37+11)%60)
		b.AddCPU(fmt.Sprintf("main;leaf_%03d", i), w)
	}
	b.AddCPU("main", 3)
	return synth.Encode(b.P)
}

func edgeDeep() []byte {
	b := cpu("/src/deep.go")
	stack := func(frames ...string) string {
		s := "main"
		for _, f := range frames {
			s += ";" + f
		}
		return s
	}
	rep := func(n int, f ...string) []string {
		var out []string
		for i := 0; i < n; i++ {
			out = append(out, f...)
		}
		return out
	}
	// 1000 frames: main + rec x 999 (direct recursion).
	b.AddCPU(stack(rep(999, "rec")...), 10)
	// 1000 distinct frames.
	var distinct []string
	for i := 1; i < 1000; i++ {
		distinct = append(distinct, fmt.Sprintf("d%04d", i))
	}
	b.AddCPU(stack(distinct...), 20)
	// 1000 frames of mutual recursion: main, (even, odd) x 499, even.
	b.AddCPU(stack(append(rep(499, "even", "odd"), "even")...), 30)
	// 1000 frames: main, a, b, rec x 997, sharing the rec location.
	b.AddCPU(stack(append([]string{"a", "b"}, rep(997, "rec")...)...), 5)
	// A shallow sample for contrast.
	b.AddCPU(stack("a", "b"), 4)
	return synth.Encode(b.P)
}

func edgeDiffNew() []byte {
	b := cpu("/src/diff.go")
	b.AddCPU("main;a", 6)
	b.AddCPU("main;b", 4)
	b.P.DurationNanos = 1e9
	return synth.Encode(b.P)
}

func edgeDiffBase() []byte {
	b := cpu("/src/diff.go")
	b.AddCPU("main;a", 3)
	b.AddCPU("main;c", 2)
	b.P.DurationNanos = 5e8
	return synth.Encode(b.P)
}

func edgeDiffBaseUS() []byte {
	b := cpu("/src/diff.go")
	b.P.SampleTypes = []synth.ValueType{synth.SamplesCount, {Type: "cpu", Unit: "microseconds"}}
	b.P.PeriodType = &synth.ValueType{Type: "cpu", Unit: "microseconds"}
	b.P.Period = 10000
	b.Add("main;a", 3, 30000)
	b.Add("main;c", 2, 20000)
	b.P.DurationNanos = 5e8
	return synth.Encode(b.P)
}
