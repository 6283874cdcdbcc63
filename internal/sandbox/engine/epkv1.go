package engine

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"strings"
)

// Hash v1 (legacy containers): the EPK is the binary encoding of
// [murmur3_32(components), components...], with strings cut to 100 characters.

const v1MaxStringChars = 100

type pkComponent struct {
	v *value // nil = undefined
}

func decodeV1Components(values [][]byte) ([]pkComponent, error) {
	out := make([]pkComponent, len(values))
	for i, raw := range values {
		if raw == nil {
			continue
		}
		v, err := parseJSON(raw)
		if err != nil {
			return nil, err
		}
		if v.kind == kindObject && len(v.keys) == 0 {
			continue
		}
		if v.kind == kindString {
			if r := []rune(v.str); len(r) > v1MaxStringChars {
				v = strVal(string(r[:v1MaxStringChars]))
			}
		}
		out[i] = pkComponent{v: v}
	}
	return out, nil
}

// hashV1Input is the byte stream hashed by v1: like v2 but strings end in 0x00.
func hashV1Input(comps []pkComponent) []byte {
	var b []byte
	for _, c := range comps {
		v := c.v
		switch {
		case v == nil:
			b = append(b, pkUndefined)
		case v.kind == kindNull:
			b = append(b, pkNull)
		case v.kind == kindBool && v.b:
			b = append(b, pkTrue)
		case v.kind == kindBool:
			b = append(b, pkFalse)
		case v.kind == kindNumber:
			b = append(b, pkNumber)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(v.num))
		case v.kind == kindString:
			b = append(b, pkString)
			b = append(b, v.str...)
			b = append(b, 0x00)
		}
	}
	return b
}

// appendBinaryNumber writes the order-preserving variable-length encoding of a double.
func appendBinaryNumber(b []byte, f float64) []byte {
	bitsv := math.Float64bits(f)
	if bitsv < 1<<63 {
		bitsv ^= 1 << 63
	} else {
		bitsv = ^bitsv + 1
	}
	b = append(b, byte(bitsv>>56))
	bitsv <<= 8
	var pending byte
	first := true
	for {
		if !first {
			b = append(b, pending)
		}
		first = false
		pending = byte(bitsv>>56) | 0x01
		bitsv <<= 7
		if bitsv == 0 {
			break
		}
	}
	return append(b, pending&0xFE)
}

func appendBinaryComponent(b []byte, c pkComponent) []byte {
	v := c.v
	switch {
	case v == nil:
		return append(b, pkUndefined)
	case v.kind == kindNull:
		return append(b, pkNull)
	case v.kind == kindBool && v.b:
		return append(b, pkTrue)
	case v.kind == kindBool:
		return append(b, pkFalse)
	case v.kind == kindNumber:
		return appendBinaryNumber(append(b, pkNumber), v.num)
	default:
		b = append(b, pkString)
		s := []byte(v.str)
		short := len(s) <= v1MaxStringChars
		n := len(s)
		if !short {
			n = v1MaxStringChars + 1
		}
		for _, c := range s[:n] {
			if c < 0xFF {
				c++
			}
			b = append(b, c)
		}
		if short {
			b = append(b, 0x00)
		}
		return b
	}
}

func effectivePartitionKeyV1(values [][]byte) (string, error) {
	comps, err := decodeV1Components(values)
	if err != nil {
		return "", err
	}
	h := murmur3x86_32(hashV1Input(comps))
	b := appendBinaryNumber([]byte{pkNumber}, float64(h))
	for _, c := range comps {
		b = appendBinaryComponent(b, c)
	}
	return strings.ToUpper(hex.EncodeToString(b)), nil
}
