// Package synth builds and encodes profile.proto messages from plain Go
// values. It is deliberately small and permissive: it never validates, so the
// same code can produce well-formed profiles, edge cases and broken inputs.
//
// Field numbers follow profile.proto (see /work/shared/docs/pprof-semantics.md,
// section 1). All string-valued fields are given as Go strings here and turned
// into string-table indexes by the Encoder.
package synth

import (
	"bytes"
	"compress/gzip"
	"io"

	"hearth/tests/gen/pb"
)

// Field numbers of the profile.proto messages.
const (
	// Profile
	ProfSampleType        = 1
	ProfSample            = 2
	ProfMapping           = 3
	ProfLocation          = 4
	ProfFunction          = 5
	ProfStringTable       = 6
	ProfDropFrames        = 7
	ProfKeepFrames        = 8
	ProfTimeNanos         = 9
	ProfDurationNanos     = 10
	ProfPeriodType        = 11
	ProfPeriod            = 12
	ProfComment           = 13
	ProfDefaultSampleType = 14

	// ValueType
	VTType = 1
	VTUnit = 2

	// Sample
	SampLocationID = 1
	SampValue      = 2
	SampLabel      = 3

	// Label
	LabelKey     = 1
	LabelStr     = 2
	LabelNum     = 3
	LabelNumUnit = 4

	// Mapping
	MapID              = 1
	MapMemoryStart     = 2
	MapMemoryLimit     = 3
	MapFileOffset      = 4
	MapFilename        = 5
	MapBuildID         = 6
	MapHasFunctions    = 7
	MapHasFilenames    = 8
	MapHasLineNumbers  = 9
	MapHasInlineFrames = 10

	// Location
	LocID        = 1
	LocMappingID = 2
	LocAddress   = 3
	LocLine      = 4
	LocIsFolded  = 5

	// Line
	LineFunctionID = 1
	LineLine       = 2

	// Function
	FuncID         = 1
	FuncName       = 2
	FuncSystemName = 3
	FuncFilename   = 4
	FuncStartLine  = 5
)

// ValueType is a (type, unit) pair such as samples/count.
type ValueType struct {
	Type, Unit string
}

// Label is a sample label. It is a string label when Str is non-empty,
// otherwise a numeric label (Num with optional Unit).
type Label struct {
	Key  string
	Str  string
	Num  int64
	Unit string
}

// Sample is one measurement. Locs is leaf first, as in profile.proto.
type Sample struct {
	Locs   []uint64
	Values []int64
	Labels []Label
}

// Mapping is a loaded binary's address range.
type Mapping struct {
	ID              uint64
	Start, Limit    uint64
	Offset          uint64
	File, BuildID   string
	HasFunctions    bool
	HasFilenames    bool
	HasLineNumbers  bool
	HasInlineFrames bool
}

// Line is one (possibly inlined) frame of a location.
type Line struct {
	Func uint64
	Line int64
}

// Location is a program address; Lines[0] is the innermost inlined frame.
type Location struct {
	ID       uint64
	Mapping  uint64
	Address  uint64
	Lines    []Line
	IsFolded bool
}

// Function describes a source function.
type Function struct {
	ID         uint64
	Name       string
	SystemName string
	File       string
	StartLine  int64
}

// Profile is a whole profile.proto message in Go form.
type Profile struct {
	SampleTypes       []ValueType
	Samples           []Sample
	Mappings          []Mapping
	Locations         []Location
	Functions         []Function
	DropFrames        string
	KeepFrames        string
	TimeNanos         int64
	DurationNanos     int64
	PeriodType        *ValueType // nil: field absent
	Period            int64
	Comments          []string
	DefaultSampleType string
}

// Encoder writes a Profile message field by field to an io.Writer, interning
// strings as it goes; Finish writes the string table last, like the Go
// runtime does. Because a protobuf message is just a concatenation of fields,
// samples can be streamed without holding the whole profile in memory.
type Encoder struct {
	w    io.Writer
	buf  pb.Buffer // scratch for the field being encoded
	strs []string
	idx  map[string]int64
	err  error
}

// NewEncoder returns an Encoder writing to w. String index 0 is "".
func NewEncoder(w io.Writer) *Encoder {
	return &Encoder{w: w, strs: []string{""}, idx: map[string]int64{"": 0}}
}

// Str interns s and returns its string-table index.
func (e *Encoder) Str(s string) int64 {
	if i, ok := e.idx[s]; ok {
		return i
	}
	i := int64(len(e.strs))
	e.strs = append(e.strs, s)
	e.idx[s] = i
	return i
}

// Strings returns the string table built so far.
func (e *Encoder) Strings() []string { return e.strs }

// Raw lets the caller append arbitrary top-level bytes (unknown fields,
// malformed data, hand-made encodings) through fn.
func (e *Encoder) Raw(fn func(b *pb.Buffer)) {
	e.buf.Reset()
	fn(&e.buf)
	e.flush()
}

func (e *Encoder) flush() {
	if e.err == nil && e.buf.Len() > 0 {
		_, e.err = e.w.Write(e.buf.Bytes())
	}
	e.buf.Reset()
}

// valueType encodes a ValueType body.
func (e *Encoder) valueType(b *pb.Buffer, vt ValueType) {
	b.Int64Opt(VTType, e.Str(vt.Type))
	b.Int64Opt(VTUnit, e.Str(vt.Unit))
}

// SampleType writes one Profile.sample_type entry.
func (e *Encoder) SampleType(vt ValueType) {
	e.buf.Message(ProfSampleType, func(b *pb.Buffer) { e.valueType(b, vt) })
	e.flush()
}

// PeriodType writes Profile.period_type.
func (e *Encoder) PeriodType(vt ValueType) {
	e.buf.Message(ProfPeriodType, func(b *pb.Buffer) { e.valueType(b, vt) })
	e.flush()
}

// Label encodes a Label body into b.
func (e *Encoder) Label(b *pb.Buffer, l Label) {
	b.Int64Opt(LabelKey, e.Str(l.Key))
	if l.Str != "" {
		b.Int64(LabelStr, e.Str(l.Str))
	}
	b.Int64Opt(LabelNum, l.Num)
	if l.Unit != "" {
		b.Int64(LabelNumUnit, e.Str(l.Unit))
	}
}

// Sample writes one Profile.sample entry. Repeated scalars use Go's rule:
// unpacked for at most two elements, packed otherwise.
func (e *Encoder) Sample(s *Sample) {
	e.buf.Message(ProfSample, func(b *pb.Buffer) {
		b.RepeatedUint64(SampLocationID, s.Locs)
		b.RepeatedInt64(SampValue, s.Values)
		for _, l := range s.Labels {
			b.Message(SampLabel, func(b *pb.Buffer) { e.Label(b, l) })
		}
	})
	e.flush()
}

// Mapping writes one Profile.mapping entry.
func (e *Encoder) Mapping(m *Mapping) {
	e.buf.Message(ProfMapping, func(b *pb.Buffer) {
		b.Uint64Opt(MapID, m.ID)
		b.Uint64Opt(MapMemoryStart, m.Start)
		b.Uint64Opt(MapMemoryLimit, m.Limit)
		b.Uint64Opt(MapFileOffset, m.Offset)
		b.Int64Opt(MapFilename, e.Str(m.File))
		b.Int64Opt(MapBuildID, e.Str(m.BuildID))
		b.BoolOpt(MapHasFunctions, m.HasFunctions)
		b.BoolOpt(MapHasFilenames, m.HasFilenames)
		b.BoolOpt(MapHasLineNumbers, m.HasLineNumbers)
		b.BoolOpt(MapHasInlineFrames, m.HasInlineFrames)
	})
	e.flush()
}

// Location writes one Profile.location entry.
func (e *Encoder) Location(l *Location) {
	e.buf.Message(ProfLocation, func(b *pb.Buffer) {
		b.Uint64Opt(LocID, l.ID)
		b.Uint64Opt(LocMappingID, l.Mapping)
		b.Uint64Opt(LocAddress, l.Address)
		for _, ln := range l.Lines {
			b.Message(LocLine, func(b *pb.Buffer) {
				b.Uint64Opt(LineFunctionID, ln.Func)
				b.Int64Opt(LineLine, ln.Line)
			})
		}
		b.BoolOpt(LocIsFolded, l.IsFolded)
	})
	e.flush()
}

// Function writes one Profile.function entry.
func (e *Encoder) Function(f *Function) {
	e.buf.Message(ProfFunction, func(b *pb.Buffer) {
		b.Uint64Opt(FuncID, f.ID)
		b.Int64Opt(FuncName, e.Str(f.Name))
		b.Int64Opt(FuncSystemName, e.Str(f.SystemName))
		b.Int64Opt(FuncFilename, e.Str(f.File))
		b.Int64Opt(FuncStartLine, f.StartLine)
	})
	e.flush()
}

// Int64 writes a top-level int64 field unconditionally (used for time,
// duration, period and string-index fields).
func (e *Encoder) Int64(field int, x int64) {
	e.buf.Int64(field, x)
	e.flush()
}

// Comment writes one Profile.comment entry (unpacked).
func (e *Encoder) Comment(s string) { e.Int64(ProfComment, e.Str(s)) }

// StringTable writes strs as Profile.string_table entries.
func (e *Encoder) StringTable(strs []string) {
	for _, s := range strs {
		e.buf.String(ProfStringTable, s)
		e.flush()
	}
}

// Finish writes the interned string table and reports the first write error.
func (e *Encoder) Finish() error {
	e.StringTable(e.strs)
	return e.err
}

// Err reports the first write error, for callers that do not call Finish.
func (e *Encoder) Err() error { return e.err }

// EncodeBody writes every field of p except the string table, in the order
// the Go runtime uses (samples first). Call Finish afterwards.
func (e *Encoder) EncodeBody(p *Profile) {
	for _, vt := range p.SampleTypes {
		e.SampleType(vt)
	}
	for i := range p.Samples {
		e.Sample(&p.Samples[i])
	}
	for i := range p.Mappings {
		e.Mapping(&p.Mappings[i])
	}
	for i := range p.Locations {
		e.Location(&p.Locations[i])
	}
	for i := range p.Functions {
		e.Function(&p.Functions[i])
	}
	if p.DropFrames != "" {
		e.Int64(ProfDropFrames, e.Str(p.DropFrames))
	}
	if p.KeepFrames != "" {
		e.Int64(ProfKeepFrames, e.Str(p.KeepFrames))
	}
	if p.TimeNanos != 0 {
		e.Int64(ProfTimeNanos, p.TimeNanos)
	}
	if p.DurationNanos != 0 {
		e.Int64(ProfDurationNanos, p.DurationNanos)
	}
	if p.PeriodType != nil {
		e.PeriodType(*p.PeriodType)
	}
	if p.Period != 0 {
		e.Int64(ProfPeriod, p.Period)
	}
	for _, c := range p.Comments {
		e.Comment(c)
	}
	if p.DefaultSampleType != "" {
		e.Int64(ProfDefaultSampleType, e.Str(p.DefaultSampleType))
	}
}

// Encode returns the uncompressed profile.proto encoding of p.
func Encode(p *Profile) []byte {
	var out bytes.Buffer
	e := NewEncoder(&out)
	e.EncodeBody(p)
	e.Finish() // writes to a bytes.Buffer cannot fail
	return out.Bytes()
}

// Gzip compresses data at the default level. The gzip header carries no
// name or time, so the output is deterministic.
func Gzip(data []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	zw.Write(data)
	zw.Close()
	return out.Bytes()
}

// EncodeGz returns the gzip-compressed encoding of p.
func EncodeGz(p *Profile) []byte { return Gzip(Encode(p)) }
