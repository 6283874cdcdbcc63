package merge

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Type ranks of the Cosmos DB ORDER BY type order: undefined < null <
// false < true < numbers < strings < arrays < objects (cosmos-wire §6.5;
// the .NET SDK's CosmosElement order, which the service sorts each range in).
const (
	rankUndefined = iota
	rankNull
	rankBool
	rankNumber
	rankString
	rankArray
	rankObject
)

// item is one decoded ORDER BY / aggregate value. raw is nil for undefined.
type item struct {
	raw  json.RawMessage
	rank int
	b    bool
	s    string
	num  number
	key  string // arrays and objects: their order key (orderKey)
}

// number is the service's number model: an integer literal that fits in
// int64 stays an exact int64, every other number is a float64 (so
// 100000000000000000000 is the double 1e20, as the service reads it).
type number struct {
	isInt bool
	i     int64
	f     float64 // the value as a float64, also for integers
}

func intNumber(i int64) number { return number{isInt: true, i: i, f: float64(i)} }

func parseNumber(lit string) (number, error) {
	if i, err := strconv.ParseInt(lit, 10, 64); err == nil {
		return intNumber(i), nil
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return number{}, fmt.Errorf("bad number %q: %w", lit, err)
	}
	return number{f: f}, nil
}

// cmpNumber compares exactly when both are integers, else as floats (as
// the service and the sandbox do).
func cmpNumber(a, b number) int {
	if a.isInt && b.isInt {
		return cmp.Compare(a.i, b.i)
	}
	switch {
	case a.f < b.f:
		return -1
	case a.f > b.f:
		return 1
	}
	return 0
}

// add sums exactly while both are integers and the sum fits in int64.
func (n number) add(o number) number {
	if n.isInt && o.isInt {
		if s := n.i + o.i; (s > n.i) == (o.i > 0) {
			return intNumber(s)
		}
	}
	return number{f: n.f + o.f}
}

func (n number) isZero() bool { return n.isInt && n.i == 0 || !n.isInt && n.f == 0 }

func (n number) json() json.RawMessage {
	if n.isInt {
		return json.RawMessage(strconv.FormatInt(n.i, 10))
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
	case '[', '{':
		it.rank = rankArray
		if raw[0] == '{' {
			it.rank = rankObject
		}
		k, err := orderKey(raw)
		if err != nil {
			return it, err
		}
		it.key = k
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

// compareItems orders two values in Cosmos type order.
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
	case rankArray, rankObject:
		return strings.Compare(a.key, b.key)
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
		// An integral float equals the integer of the same value (2 ==
		// 2.0); beyond int64 both spellings are the same float already.
		if !n.isInt && n.f == math.Trunc(n.f) && math.Abs(n.f) < 1<<63 {
			n = intNumber(int64(n.f))
		}
		buf.Write(n.json())
	default:
		b, _ := json.Marshal(x)
		buf.Write(b)
	}
}

// orderKey is the sort key of an array or object: two arrays (or two
// objects) order as their keys compare bytewise. The service orders them
// by an internal hash (the .NET SDK's CosmosElement order) that cosmosctl
// cannot reproduce; this is the sandbox's order (its canonical form:
// elements in order, object keys sorted, numbers by value), so a merge
// over the sandbox is exactly sorted and one over the service keeps
// arrays before objects.
func orderKey(raw json.RawMessage) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("decode sort key %s: %w", truncate(raw), err)
	}
	var buf []byte
	return string(appendOrderKey(buf, v)), nil
}

func appendOrderKey(b []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, 'n')
	case bool:
		if x {
			return append(b, 't')
		}
		return append(b, 'f')
	case json.Number:
		b = append(b, '#')
		n, err := parseNumber(string(x))
		switch {
		case err != nil:
			return append(b, x...)
		case n.isInt:
			return strconv.AppendInt(b, n.i, 10)
		case n.f == math.Trunc(n.f) && math.Abs(n.f) < 1<<63:
			return strconv.AppendInt(b, int64(n.f), 10)
		}
		return strconv.AppendFloat(b, n.f, 'g', -1, 64)
	case string:
		return appendKeyString(b, x)
	case []any:
		b = append(b, '[')
		for _, e := range x {
			b = append(appendOrderKey(b, e), ',')
		}
		return append(b, ']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b = append(b, '{')
		for _, k := range keys {
			b = append(appendKeyString(b, k), ':')
			b = append(appendOrderKey(b, x[k]), ',')
		}
		return append(b, '}')
	}
	return b
}

// appendKeyString quotes s as JSON with minimal escapes (the sandbox's).
func appendKeyString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xF])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
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

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
