package output

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/itchyny/gojq"
)

// keyOrder remembers the key order of the objects of the input documents so
// that jq results can be printed in it: gojq keeps objects as Go maps and
// would print their keys sorted, which breaks the promise that a document
// keeps its key order.
//
// An output object takes the order of the input object at the same path
// (object keys, array indices ignored) with exactly its key set, so
// `--jq .` reproduces the input; else that of the first input object with
// its key set anywhere (so `--jq '.items[]'` does too); failing that, keys are ordered by their first position anywhere in the
// input, and keys the input never had (new ones jq made) come after, sorted.
type keyOrder struct {
	bySet  map[string][]string // sorted keys joined by \x00 → the input's order
	byPath map[string][]string // path + \x01 + the same → the input's order
	pos    map[string]int      // key → first position in the input
}

func newKeyOrder() *keyOrder {
	return &keyOrder{bySet: map[string][]string{}, byPath: map[string][]string{}, pos: map[string]int{}}
}

// learn records the objects of one raw JSON document.
func (o *keyOrder) learn(raw []byte) { o.learnAt(raw, "") }

func (o *keyOrder) learnAt(raw []byte, path string) {
	raw = trimValue(raw)
	if len(raw) == 0 {
		return
	}
	switch raw[0] {
	case '{':
		var keys []string
		_ = eachMember(raw, func(rawKey, val []byte) error {
			k := string(appendUnquoted(nil, rawKey))
			keys = append(keys, k)
			if _, ok := o.pos[k]; !ok {
				o.pos[k] = len(o.pos)
			}
			o.learnAt(val, path+"\x02"+k)
			return nil
		})
		sig := setSignature(slices.Clone(keys))
		if _, ok := o.bySet[sig]; !ok {
			o.bySet[sig] = keys
		}
		if _, ok := o.byPath[path+"\x01"+sig]; !ok {
			o.byPath[path+"\x01"+sig] = keys
		}
	case '[':
		_ = eachElement(raw, func(val []byte) error {
			o.learnAt(val, path)
			return nil
		})
	}
}

func setSignature(keys []string) string {
	slices.Sort(keys)
	return strings.Join(keys, "\x00")
}

// keys returns the keys of m, found at path in the output, in the learnt
// order.
func (o *keyOrder) keys(m map[string]any, path string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if o == nil {
		return keys
	}
	sig := strings.Join(keys, "\x00")
	if order, ok := o.byPath[path+"\x01"+sig]; ok {
		return order
	}
	if order, ok := o.bySet[sig]; ok {
		return order
	}
	slices.SortStableFunc(keys, func(a, b string) int {
		pa, oka := o.pos[a]
		pb, okb := o.pos[b]
		switch {
		case oka && okb:
			return pa - pb
		case oka:
			return -1
		case okb:
			return 1
		}
		return 0 // both new: stay sorted
	})
	return keys
}

// marshal encodes a gojq value with object keys in the learnt order;
// scalars are encoded by gojq (numbers keep their json.Number text).
func (o *keyOrder) marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	if err := o.encode(&buf, v, ""); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (o *keyOrder) encode(buf *bytes.Buffer, v any, path string) error {
	switch t := v.(type) {
	case map[string]any:
		buf.WriteByte('{')
		for i, k := range o.keys(t, path) {
			if i > 0 {
				buf.WriteByte(',')
			}
			kb, err := gojq.Marshal(k)
			if err != nil {
				return err
			}
			buf.Write(kb)
			buf.WriteByte(':')
			if err := o.encode(buf, t[k], path+"\x02"+k); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := o.encode(buf, e, path); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	default:
		b, err := gojq.Marshal(t)
		if err != nil {
			return fmt.Errorf("encoding %T: %w", v, err)
		}
		buf.Write(b)
	}
	return nil
}
