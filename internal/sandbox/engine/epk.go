package engine

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strings"
)

// PartitionKeyDef is a container's partition key definition.
type PartitionKeyDef struct {
	Paths   []string
	Kind    string // "Hash" | "MultiHash"
	Version int
}

// Range is one partition key range of the effective-partition-key space.
type Range struct {
	ID           string
	MinInclusive string
	MaxExclusive string
}

// PartitionKeyValues extracts the document's partition key components. A
// missing path yields a nil entry, meaning undefined.
func PartitionKeyValues(def PartitionKeyDef, d *Document) []json.RawMessage {
	out := make([]json.RawMessage, len(def.Paths))
	for i, p := range def.Paths {
		v := d.val
		for _, seg := range splitPKPath(p) {
			v = v.field(seg)
		}
		if v != nil {
			out[i] = json.RawMessage(toJSON(v))
		}
	}
	return out
}

// splitPKPath splits "/a/b" (segments may be quoted: /"a b") into names.
func splitPKPath(p string) []string {
	var segs []string
	for _, s := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
			s = s[1 : len(s)-1]
		}
		segs = append(segs, s)
	}
	return segs
}

// EffectivePartitionKey returns the upper-case hex EPK string used for range routing.
// Hash (v2) hashes all components together; MultiHash hashes each component
// separately and concatenates, so a prefix of the components yields a prefix
// of the full EPK. Version 0 means 2; version 1 is the legacy Hash scheme.
func EffectivePartitionKey(def PartitionKeyDef, values []json.RawMessage) (string, error) {
	if def.Version != 0 && def.Version != 1 && def.Version != 2 {
		return "", fmt.Errorf("partition key hash version %d is not supported", def.Version)
	}
	if len(values) > len(def.Paths) && len(def.Paths) > 0 {
		return "", fmt.Errorf("partition key has %d components but the definition has %d paths", len(values), len(def.Paths))
	}
	if len(values) == 0 {
		return "", nil
	}
	if def.Version == 1 {
		if def.Kind == "MultiHash" {
			return "", errors.New("MultiHash partition keys need hash version 2")
		}
		for i, raw := range values {
			if _, err := encodePKComponent(raw); err != nil {
				return "", fmt.Errorf("partition key component %d: %w", i, err)
			}
		}
		raws := make([][]byte, len(values))
		for i, r := range values {
			raws[i] = r
		}
		return effectivePartitionKeyV1(raws)
	}
	enc := make([][]byte, len(values))
	for i, raw := range values {
		b, err := encodePKComponent(raw)
		if err != nil {
			return "", fmt.Errorf("partition key component %d: %w", i, err)
		}
		enc[i] = b
	}
	switch def.Kind {
	case "MultiHash":
		var sb strings.Builder
		for _, e := range enc {
			sb.WriteString(hashV2(e))
		}
		return sb.String(), nil
	case "Hash", "":
		if len(values) != len(def.Paths) && len(def.Paths) > 0 {
			return "", errors.New("a Hash partition key needs exactly one component per path")
		}
		var all []byte
		for _, e := range enc {
			all = append(all, e...)
		}
		return hashV2(all), nil
	default:
		return "", fmt.Errorf("partition key kind %q is not supported", def.Kind)
	}
}

// Markers of the Cosmos binary encoding of partition key components for hashing.
const (
	pkUndefined = 0x00
	pkNull      = 0x01
	pkFalse     = 0x02
	pkTrue      = 0x03
	pkNumber    = 0x05
	pkString    = 0x08
	pkStringEnd = 0xFF
)

// encodePKComponent encodes one component for hash v2; nil raw means undefined.
func encodePKComponent(raw json.RawMessage) ([]byte, error) {
	if raw == nil {
		return []byte{pkUndefined}, nil
	}
	v, err := parseJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid JSON value: %w", err)
	}
	switch v.kind {
	case kindNull:
		return []byte{pkNull}, nil
	case kindBool:
		if v.b {
			return []byte{pkTrue}, nil
		}
		return []byte{pkFalse}, nil
	case kindNumber:
		b := make([]byte, 9)
		b[0] = pkNumber
		binary.LittleEndian.PutUint64(b[1:], math.Float64bits(v.num))
		return b, nil
	case kindString:
		b := make([]byte, 0, len(v.str)+2)
		b = append(b, pkString)
		b = append(b, v.str...)
		return append(b, pkStringEnd), nil
	case kindObject:
		if len(v.keys) == 0 { // {} is how SDKs spell "undefined"
			return []byte{pkUndefined}, nil
		}
	}
	return nil, errors.New("partition key values must be strings, numbers, booleans or null")
}

// hashV2 hashes encoded components: MurmurHash3-128, big-endian bytes, with
// the two top bits cleared so every EPK sorts below "FF".
func hashV2(b []byte) string {
	h1, h2 := murmur3x64128(b)
	var out [16]byte
	binary.BigEndian.PutUint64(out[:8], h2)
	binary.BigEndian.PutUint64(out[8:], h1)
	out[0] &= 0x3F
	return strings.ToUpper(hex.EncodeToString(out[:]))
}

// SplitRanges returns n contiguous ranges covering "" .. "FF" (ids "0".."n-1"),
// with boundaries spread evenly over the hash-v2 space [0, 2^126).
func SplitRanges(n int) []Range {
	if n < 1 {
		n = 1
	}
	out := make([]Range, n)
	space := new(big.Int).Lsh(big.NewInt(1), 126)
	bound := func(i int) string {
		x := new(big.Int).Mul(space, big.NewInt(int64(i)))
		x.Div(x, big.NewInt(int64(n)))
		return fmt.Sprintf("%032X", x)
	}
	for i := range out {
		out[i].ID = fmt.Sprint(i)
		if i > 0 {
			out[i].MinInclusive = bound(i)
		}
		if i == n-1 {
			out[i].MaxExclusive = "FF"
		} else {
			out[i].MaxExclusive = bound(i + 1)
		}
	}
	return out
}
