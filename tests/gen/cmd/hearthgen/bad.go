package main

// Malformed inputs for rejection tests, written to DIR/bad/. Every file here
// must make `go tool pprof -top` fail. Unless the name says .gz, the files are
// raw (uncompressed) profile.proto data.

import (
	"bytes"
	"compress/gzip"
	"math/rand"

	"hearth/tests/gen/pb"
	"hearth/tests/gen/synth"
)

// validBase returns a small valid CPU profile used as the starting point of
// most bad inputs: main;work;leaf=3, main;work=2 (functions 1..3,
// locations 1..3, location i in function i).
func validBase() *synth.Profile {
	b := cpu("/src/bad.go")
	b.AddCPU("main;work;leaf", 3)
	b.AddCPU("main;work", 2)
	return b.P
}

// encodeWith encodes p, lets extra append raw top-level fields before the
// string table, and writes strs (nil: the interned table) as the string
// table unless noStrings is set.
func encodeWith(p *synth.Profile, extra func(e *synth.Encoder, b *pb.Buffer), strs []string, noStrings bool) []byte {
	var out bytes.Buffer
	e := synth.NewEncoder(&out)
	e.EncodeBody(p)
	if extra != nil {
		e.Raw(func(b *pb.Buffer) { extra(e, b) })
	}
	if noStrings {
		return out.Bytes()
	}
	if strs == nil {
		strs = e.Strings()
	}
	e.StringTable(strs)
	return out.Bytes()
}

type badInput struct {
	name, desc string
	gen        func() []byte
}

var badInputs = []badInput{
	{"bad-str0.pb", "string_table[0] is \"oops\", not empty", func() []byte {
		var out bytes.Buffer
		e := synth.NewEncoder(&out)
		e.EncodeBody(validBase())
		strs := append([]string{"oops"}, e.Strings()[1:]...)
		e.StringTable(strs)
		return out.Bytes()
	}},
	{"bad-nostr.pb", "no string_table at all", func() []byte {
		return encodeWith(validBase(), nil, nil, true)
	}},
	{"bad-loc0.pb", "a location with id 0 (not referenced by samples)", func() []byte {
		p := validBase()
		p.Locations = append(p.Locations, synth.Location{ID: 0, Address: 0x9999, Lines: []synth.Line{{Func: 1, Line: 1}}})
		return synth.Encode(p)
	}},
	{"bad-dupfunc.pb", "two functions with id 1", func() []byte {
		p := validBase()
		p.Functions = append(p.Functions, synth.Function{ID: 1, Name: "other", File: "/src/other.go"})
		return synth.Encode(p)
	}},
	{"bad-duploc.pb", "two locations with id 2", func() []byte {
		p := validBase()
		p.Locations = append(p.Locations, synth.Location{ID: 2, Mapping: 1, Address: 0x7777, Lines: []synth.Line{{Func: 3, Line: 99}}})
		return synth.Encode(p)
	}},
	{"bad-missingloc.pb", "a sample references location 99, which does not exist", func() []byte {
		p := validBase()
		p.Samples = append(p.Samples, synth.Sample{Locs: []uint64{99, 1}, Values: []int64{1, 10 * ms}})
		return synth.Encode(p)
	}},
	{"bad-func0.pb", "a location line with function_id 0", func() []byte {
		p := validBase()
		p.Locations[1].Lines[0].Func = 0
		return synth.Encode(p)
	}},
	{"bad-missingfunc.pb", "a location line with function_id 77, which does not exist", func() []byte {
		p := validBase()
		p.Locations[1].Lines[0].Func = 77
		return synth.Encode(p)
	}},
	{"bad-nvals.pb", "a sample with 1 value in a profile with 2 sample types", func() []byte {
		p := validBase()
		p.Samples[1].Values = p.Samples[1].Values[:1]
		return synth.Encode(p)
	}},
	{"bad-concat.pb", "two valid profiles concatenated: time_nanos appears twice", func() []byte {
		p := validBase()
		one := synth.Encode(p)
		p.TimeNanos += 1e9
		return append(one, synth.Encode(p)...)
	}},
	{"bad-strindex.pb", "a function name index 99999, outside the string table", func() []byte {
		return encodeWith(validBase(), func(e *synth.Encoder, b *pb.Buffer) {
			b.Message(synth.ProfFunction, func(b *pb.Buffer) {
				b.Uint64(synth.FuncID, 50)
				b.Int64(synth.FuncName, 99999)
			})
		}, nil, false)
	}},
	{"bad-group.pb", "an unknown top-level field 20 encoded as a group (wire types 3/4)", func() []byte {
		return encodeWith(validBase(), func(e *synth.Encoder, b *pb.Buffer) {
			b.Tag(20, pb.WireStartGroup)
			b.Uint64(1, 5)
			b.Tag(20, pb.WireEndGroup)
		}, nil, false)
	}},
	{"bad-wiretype.pb", "period (field 12, an int64) sent as fixed64", func() []byte {
		p := validBase()
		p.Period = 0
		return encodeWith(p, func(e *synth.Encoder, b *pb.Buffer) {
			b.Fixed64(synth.ProfPeriod, 10*ms)
		}, nil, false)
	}},
	{"bad-truncated-msg.pb", "valid profile followed by a time_nanos field cut in the middle of its varint", func() []byte {
		p := validBase()
		p.TimeNanos = 0
		data := encodeWith(p, nil, nil, false)
		var b pb.Buffer
		b.Int64(synth.ProfTimeNanos, fixedTime) // 1 tag byte + 9 varint bytes
		return append(data, b.Bytes()[:5]...)
	}},
	{"bad-longvarint.pb", "valid profile followed by a duration_nanos varint 11 bytes long", func() []byte {
		return encodeWith(validBase(), func(e *synth.Encoder, b *pb.Buffer) {
			b.Tag(synth.ProfDurationNanos, pb.WireVarint)
			b.Raw(bytes.Repeat([]byte{0x81}, 10))
			b.Raw([]byte{0x01})
		}, nil, false)
	}},
	{"bad-biglen.pb", "valid profile followed by a sample whose length prefix (2^31-1) exceeds the file", func() []byte {
		return encodeWith(validBase(), func(e *synth.Encoder, b *pb.Buffer) {
			b.Tag(synth.ProfSample, pb.WireBytes)
			b.Varint(1<<31 - 1)
			b.Uint64(synth.SampLocationID, 1)
		}, nil, false)
	}},
	{"bad-truncated.pb.gz", "a valid gzipped profile (edge-filters) cut in half", func() []byte {
		gz := synth.Gzip(edgeFilters())
		return gz[:len(gz)/2]
	}},
	{"bad-random.bin", "4 KiB of deterministic pseudo-random bytes", func() []byte {
		r := rand.New(rand.NewSource(4096))
		data := make([]byte, 4096)
		r.Read(data)
		if data[0] == 0x1f {
			data[0] = 0x42 // never look like gzip
		}
		return data
	}},
	{"bad-empty.pb", "zero bytes", func() []byte { return nil }},
}

// writeBad writes every bad input except the gzip bomb (see writeBomb).
func writeBad(o *output) error {
	for _, bi := range badInputs {
		if err := o.write("bad/"+bi.name, bi.desc, bi.gen()); err != nil {
			return err
		}
	}
	// Go 1.19's pprof accepts a legacy heap text header without samples (it
	// shows "0 of 0 total"), so this input is an edge case, not a bad one.
	return o.write("edge-text-heap.txt",
		"legacy text heap header only, 'heap profile: 1: 2 [3: 4] @ heap/1048576': Go 1.19 pprof ACCEPTS it (inuse_space, 0 total)",
		[]byte("heap profile: 1: 2 [3: 4] @ heap/1048576\n"))
}

// writeBomb streams 2 GiB of zero bytes through a level-9 gzip writer into
// bad/bad-bomb.pb.gz (about 2 MB). Nothing large is held in memory.
func writeBomb(o *output) error {
	f, err := o.create("bad/bad-bomb.pb.gz", "gzip bomb: 2 GiB of zero bytes compressed at level 9 (~2 MB)")
	if err != nil {
		return err
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for i := 0; i < 2048 && err == nil; i++ {
		_, err = zw.Write(zeros)
	}
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
