package engine

import (
	"encoding/json"
	"errors"
	"fmt"
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
func EffectivePartitionKey(def PartitionKeyDef, values []json.RawMessage) (string, error) {
	return "", errors.New("not implemented")
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
