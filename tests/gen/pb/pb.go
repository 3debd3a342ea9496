// Package pb is a minimal protocol buffer *writer*: just enough of the wire
// format (varints, fixed-width fields, length-delimited fields and packed
// repeated scalars) to hand-encode profile.proto messages, including
// deliberately unusual or malformed encodings for test inputs.
//
// Nothing here validates anything: callers can emit any field number with any
// wire type, which is exactly what the edge-case and bad-input generators need.
package pb

import (
	"encoding/binary"
	"math"
)

// Wire types of the protobuf encoding.
const (
	WireVarint     = 0
	WireFixed64    = 1
	WireBytes      = 2
	WireStartGroup = 3
	WireEndGroup   = 4
	WireFixed32    = 5
)

// Buffer accumulates encoded bytes. The zero value is ready to use.
type Buffer struct {
	B []byte
}

// Bytes returns the encoded bytes (not a copy).
func (b *Buffer) Bytes() []byte { return b.B }

// Len returns the number of encoded bytes.
func (b *Buffer) Len() int { return len(b.B) }

// Reset empties the buffer, keeping its capacity.
func (b *Buffer) Reset() { b.B = b.B[:0] }

// Raw appends arbitrary bytes.
func (b *Buffer) Raw(p []byte) { b.B = append(b.B, p...) }

// Varint appends x as a base-128 varint (1 to 10 bytes).
func (b *Buffer) Varint(x uint64) {
	for x >= 0x80 {
		b.B = append(b.B, byte(x)|0x80)
		x >>= 7
	}
	b.B = append(b.B, byte(x))
}

// Tag appends a field key: (field << 3) | wire type.
func (b *Buffer) Tag(field int, wire int) {
	b.Varint(uint64(field)<<3 | uint64(wire))
}

// Uint64 appends a varint field. Like proto3, callers normally skip zero
// values themselves; this method always writes.
func (b *Buffer) Uint64(field int, x uint64) {
	b.Tag(field, WireVarint)
	b.Varint(x)
}

// Int64 appends an int64 varint field (two's complement, not zigzag: negative
// numbers take 10 bytes, as in profile.proto).
func (b *Buffer) Int64(field int, x int64) { b.Uint64(field, uint64(x)) }

// Bool appends a bool varint field.
func (b *Buffer) Bool(field int, v bool) {
	var x uint64
	if v {
		x = 1
	}
	b.Uint64(field, x)
}

// Int64Opt writes an int64 field only when it is non-zero (proto3 default
// omission).
func (b *Buffer) Int64Opt(field int, x int64) {
	if x != 0 {
		b.Int64(field, x)
	}
}

// Uint64Opt writes a uint64 field only when it is non-zero.
func (b *Buffer) Uint64Opt(field int, x uint64) {
	if x != 0 {
		b.Uint64(field, x)
	}
}

// BoolOpt writes a bool field only when it is true.
func (b *Buffer) BoolOpt(field int, v bool) {
	if v {
		b.Bool(field, true)
	}
}

// Fixed64 appends a fixed64 field (little-endian 8 bytes).
func (b *Buffer) Fixed64(field int, x uint64) {
	b.Tag(field, WireFixed64)
	b.B = binary.LittleEndian.AppendUint64(b.B, x)
}

// Fixed32 appends a fixed32 field (little-endian 4 bytes).
func (b *Buffer) Fixed32(field int, x uint32) {
	b.Tag(field, WireFixed32)
	b.B = binary.LittleEndian.AppendUint32(b.B, x)
}

// Double appends a double as a fixed64 field.
func (b *Buffer) Double(field int, f float64) { b.Fixed64(field, math.Float64bits(f)) }

// BytesField appends a length-delimited field holding p.
func (b *Buffer) BytesField(field int, p []byte) {
	b.Tag(field, WireBytes)
	b.Varint(uint64(len(p)))
	b.B = append(b.B, p...)
}

// String appends a length-delimited field holding s (not checked for UTF-8).
func (b *Buffer) String(field int, s string) {
	b.Tag(field, WireBytes)
	b.Varint(uint64(len(s)))
	b.B = append(b.B, s...)
}

// Message appends a length-delimited field whose content is produced by fn.
// The content is encoded in place: a one-byte length placeholder is reserved
// and the content shifted if its length needs more bytes.
func (b *Buffer) Message(field int, fn func(*Buffer)) {
	b.Tag(field, WireBytes)
	b.delimited(fn)
}

// delimited writes fn's output preceded by its varint length.
func (b *Buffer) delimited(fn func(*Buffer)) {
	start := len(b.B)
	b.B = append(b.B, 0) // placeholder for a 1-byte length
	fn(b)
	n := len(b.B) - start - 1
	if n < 0x80 {
		b.B[start] = byte(n)
		return
	}
	// Longer length: make room and shift the content right.
	var tmp [10]byte
	l := binary.PutUvarint(tmp[:], uint64(n))
	b.B = append(b.B, make([]byte, l-1)...)
	copy(b.B[start+l:], b.B[start+1:start+1+n])
	copy(b.B[start:], tmp[:l])
}

// PackedUint64 appends a packed repeated varint field. An empty list writes
// nothing.
func (b *Buffer) PackedUint64(field int, xs []uint64) {
	if len(xs) == 0 {
		return
	}
	b.Tag(field, WireBytes)
	b.delimited(func(b *Buffer) {
		for _, x := range xs {
			b.Varint(x)
		}
	})
}

// PackedInt64 appends a packed repeated int64 field. An empty list writes
// nothing.
func (b *Buffer) PackedInt64(field int, xs []int64) {
	if len(xs) == 0 {
		return
	}
	b.Tag(field, WireBytes)
	b.delimited(func(b *Buffer) {
		for _, x := range xs {
			b.Varint(uint64(x))
		}
	})
}

// RepeatedUint64 writes xs the way Go's runtime and pprof do: one unpacked
// varint field per element when there are at most two elements, one packed
// field otherwise.
func (b *Buffer) RepeatedUint64(field int, xs []uint64) {
	if len(xs) > 2 {
		b.PackedUint64(field, xs)
		return
	}
	for _, x := range xs {
		b.Uint64(field, x)
	}
}

// RepeatedInt64 is RepeatedUint64 for int64 values.
func (b *Buffer) RepeatedInt64(field int, xs []int64) {
	if len(xs) > 2 {
		b.PackedInt64(field, xs)
		return
	}
	for _, x := range xs {
		b.Int64(field, x)
	}
}
