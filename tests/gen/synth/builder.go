package synth

import (
	"strconv"
	"strings"
)

// Builder assembles small hand-written profiles from stack strings such as
// "main;a;b" (root first, ';'-separated). Each distinct frame spec becomes
// one function and one location in a single mapping /bin/app.
//
// A frame spec is "name" or "name@line". Functions live in DefaultFile
// unless Files maps their name to another file. Functions get start_line 0
// (like Go 1.19 profiles) and, when no line is given, the line 10*function id.
type Builder struct {
	P           *Profile
	DefaultFile string
	Files       map[string]string // function name -> file name
	MappingID   uint64

	funcs map[string]uint64 // "name\x00file\x00start" -> function id
	locs  map[string]uint64 // frame spec -> location id
}

// NewBuilder returns a Builder for a profile with the given sample types and
// one mapping, /bin/app (id 1, has_functions etc. set).
func NewBuilder(types ...ValueType) *Builder {
	p := &Profile{SampleTypes: types}
	p.Mappings = []Mapping{{
		ID: 1, Start: 0x400000, Limit: 0x800000, File: "/bin/app",
		HasFunctions: true, HasFilenames: true, HasLineNumbers: true, HasInlineFrames: true,
	}}
	return &Builder{
		P: p, DefaultFile: "x.go", Files: map[string]string{}, MappingID: 1,
		funcs: map[string]uint64{}, locs: map[string]uint64{},
	}
}

// Func returns the id of function (name, file, startLine), adding it if new.
// An empty file means the builder's file for name.
func (b *Builder) Func(name, file string, startLine int64) uint64 {
	if file == "" {
		file = b.fileOf(name)
	}
	key := name + "\x00" + file + "\x00" + strconv.FormatInt(startLine, 10)
	if id, ok := b.funcs[key]; ok {
		return id
	}
	id := uint64(len(b.P.Functions) + 1)
	b.P.Functions = append(b.P.Functions, Function{ID: id, Name: name, File: file, StartLine: startLine})
	b.funcs[key] = id
	return id
}

func (b *Builder) fileOf(name string) string {
	if f, ok := b.Files[name]; ok {
		return f
	}
	return b.DefaultFile
}

// Loc adds a new location with the given lines (innermost first) in the
// builder's mapping and returns its id.
func (b *Builder) Loc(lines ...Line) uint64 {
	id := uint64(len(b.P.Locations) + 1)
	b.P.Locations = append(b.P.Locations, Location{
		ID: id, Mapping: b.MappingID, Address: 0x401000 + 0x10*id, Lines: lines,
	})
	return id
}

// L returns a Line for function name (in its default file) at line n.
func (b *Builder) L(name string, n int64) Line {
	return Line{Func: b.Func(name, "", 0), Line: n}
}

// Frame returns the location id for a frame spec "name" or "name@line",
// adding function and location on first use.
func (b *Builder) Frame(spec string) uint64 {
	if id, ok := b.locs[spec]; ok {
		return id
	}
	name, line := spec, int64(-1)
	if i := strings.LastIndexByte(spec, '@'); i > 0 {
		if n, err := strconv.ParseInt(spec[i+1:], 10, 64); err == nil {
			name, line = spec[:i], n
		}
	}
	fid := b.Func(name, "", 0)
	if line < 0 {
		line = int64(10 * fid)
	}
	id := b.Loc(Line{Func: fid, Line: line})
	b.locs[spec] = id
	return id
}

// Stack converts a root-first stack string into leaf-first location ids.
// The empty string is the empty stack.
func (b *Builder) Stack(stack string) []uint64 {
	if stack == "" {
		return nil
	}
	frames := strings.Split(stack, ";")
	ids := make([]uint64, len(frames))
	for i, f := range frames {
		ids[len(frames)-1-i] = b.Frame(f)
	}
	return ids
}

// Add appends a sample for stack with the given values.
func (b *Builder) Add(stack string, values ...int64) {
	b.AddL(stack, nil, values...)
}

// AddL appends a labelled sample for stack with the given values.
func (b *Builder) AddL(stack string, labels []Label, values ...int64) {
	b.AddLocs(b.Stack(stack), labels, values...)
}

// AddLocs appends a sample with explicit leaf-first location ids.
func (b *Builder) AddLocs(locs []uint64, labels []Label, values ...int64) {
	b.P.Samples = append(b.P.Samples, Sample{Locs: locs, Values: values, Labels: labels})
}

// Common value types.
var (
	SamplesCount = ValueType{"samples", "count"}
	CPUNanos     = ValueType{"cpu", "nanoseconds"}
)

// NewCPUBuilder returns a Builder for a CPU-like profile: sample types
// samples/count and cpu/nanoseconds, period type cpu/nanoseconds, period
// 10ms, duration 1s. Use AddCPU to add samples in units of 10ms ticks.
func NewCPUBuilder() *Builder {
	b := NewBuilder(SamplesCount, CPUNanos)
	b.P.PeriodType = &ValueType{"cpu", "nanoseconds"}
	b.P.Period = 10000000
	b.P.DurationNanos = 1e9
	return b
}

// AddCPU adds a sample of n 10ms ticks: values (n, n*10ms).
func (b *Builder) AddCPU(stack string, n int64, labels ...Label) {
	b.AddL(stack, labels, n, n*10000000)
}
