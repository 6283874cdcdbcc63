package merge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"math/big"
	"sort"
	"strconv"
)

// Type ranks of the Cosmos DB ORDER BY type order:
// undefined < null < false < true < numbers < strings.
const (
	rankUndefined = iota
	rankNull
	rankBool
	rankNumber
	rankString
	rankOther // arrays and objects: not comparable
)

// item is one decoded ORDER BY / aggregate value. raw is nil for undefined.
type item struct {
	raw  json.RawMessage
	rank int
	b    bool
	s    string
	num  number
}

// number keeps integers exact (big ints included) and everything else as float64.
type number struct {
	isInt bool
	i     *big.Int
	f     float64
}

func parseNumber(lit string) (number, error) {
	if i, ok := new(big.Int).SetString(lit, 10); ok {
		return number{isInt: true, i: i, f: bigToFloat(i)}, nil
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return number{}, fmt.Errorf("bad number %q: %w", lit, err)
	}
	return number{f: f}, nil
}

func bigToFloat(i *big.Int) float64 {
	f, _ := new(big.Float).SetInt(i).Float64()
	return f
}

func cmpNumber(a, b number) int {
	if a.isInt && b.isInt {
		return a.i.Cmp(b.i)
	}
	switch {
	case a.f < b.f:
		return -1
	case a.f > b.f:
		return 1
	}
	return 0
}

func (n number) add(o number) number {
	if n.isInt && o.isInt {
		return number{isInt: true, i: new(big.Int).Add(n.i, o.i), f: n.f + o.f}
	}
	return number{f: n.f + o.f}
}

func (n number) json() json.RawMessage {
	if n.isInt {
		return json.RawMessage(n.i.String())
	}
	return formatFloat(n.f)
}

// formatFloat prints like the service: integral values without a fraction,
// otherwise the shortest round-tripping representation.
func formatFloat(f float64) json.RawMessage {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return json.RawMessage("null")
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return json.RawMessage(strconv.FormatInt(int64(f), 10))
	}
	b, _ := json.Marshal(f)
	return b
}

// decodeItem decodes a raw JSON value (nil or empty = undefined).
func decodeItem(raw json.RawMessage) (item, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return item{rank: rankUndefined}, nil
	}
	it := item{raw: raw}
	switch raw[0] {
	case 'n':
		it.rank = rankNull
	case 't', 'f':
		it.rank = rankBool
		it.b = raw[0] == 't'
	case '"':
		it.rank = rankString
		if err := json.Unmarshal(raw, &it.s); err != nil {
			return it, fmt.Errorf("decode string %s: %w", raw, err)
		}
	case '{', '[':
		it.rank = rankOther
	default:
		it.rank = rankNumber
		n, err := parseNumber(string(raw))
		if err != nil {
			return it, err
		}
		it.num = n
	}
	return it, nil
}

// compareItems orders two values in Cosmos type order. Objects and arrays
// compare equal to each other (the service refuses to order by them).
func compareItems(a, b item) int {
	if a.rank != b.rank {
		if a.rank < b.rank {
			return -1
		}
		return 1
	}
	switch a.rank {
	case rankBool:
		switch {
		case a.b == b.b:
			return 0
		case !a.b:
			return -1
		}
		return 1
	case rankNumber:
		return cmpNumber(a.num, b.num)
	case rankString:
		// Ordinal comparison of UTF-16 code units would differ from Go's
		// byte order only for astral-plane vs. U+E000–U+FFFF; byte order
		// matches the service for everything else.
		switch {
		case a.s < b.s:
			return -1
		case a.s > b.s:
			return 1
		}
	}
	return 0
}

// Canonical returns a canonical encoding of a JSON value: object keys
// sorted, numbers normalised (2 == 2.0), so equal values hash equal for
// DISTINCT and GROUP BY.
func Canonical(raw json.RawMessage) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("decode row: %w", err)
	}
	var buf bytes.Buffer
	writeCanonical(&buf, v)
	return buf.Bytes(), nil
}

func writeCanonical(buf *bytes.Buffer, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		buf.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			buf.Write(kb)
			buf.WriteByte(':')
			writeCanonical(buf, x[k])
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			writeCanonical(buf, e)
		}
		buf.WriteByte(']')
	case json.Number:
		n, err := parseNumber(string(x))
		if err != nil {
			buf.WriteString(string(x))
			return
		}
		if !n.isInt && n.f == math.Trunc(n.f) && math.Abs(n.f) < 1e15 {
			n = number{isInt: true, i: big.NewInt(int64(n.f))}
		}
		buf.Write(n.json())
	default:
		b, _ := json.Marshal(x)
		buf.Write(b)
	}
}

// hashOf is a 64-bit hash of the canonical form of a value.
func hashOf(raw json.RawMessage) (uint64, error) {
	c, err := Canonical(raw)
	if err != nil {
		return 0, err
	}
	h := fnv.New64a()
	h.Write(c)
	return h.Sum64(), nil
}

func bigZero() *big.Int { return new(big.Int) }

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
