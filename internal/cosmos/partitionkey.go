package cosmos

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/errs"
)

// PartitionKey is a partition key value: the azcosmos key that addresses
// it, its canonical JSON (always an array, one element per level) and the
// number of levels. The zero value is not a key.
type PartitionKey struct {
	key       azcosmos.PartitionKey
	canon     string
	n         int
	addressed bool // every component could be put into the azcosmos key
}

// SDK returns the azcosmos key. For a key read from a document it is only
// meaningful when Addressable reports true.
func (k PartitionKey) SDK() azcosmos.PartitionKey { return k.key }

// JSON is the canonical JSON array of the components, e.g. ["t1","u1"].
func (k PartitionKey) JSON() string { return k.canon }

// Len is the number of components (levels).
func (k PartitionKey) Len() int { return k.n }

// Addressable reports whether the Go SDK can send this key exactly: false
// when a component read from a document is missing (undefined), an object
// or array, or a value the SDK would encode wrongly.
func (k PartitionKey) Addressable() bool { return k.addressed }

// String shows the key as a user thinks of it: the scalar for a single
// level, the JSON array for hierarchical keys.
func (k PartitionKey) String() string {
	var comps []json.RawMessage
	if json.Unmarshal([]byte(k.canon), &comps) == nil && len(comps) == 1 {
		return string(comps[0])
	}
	return k.canon
}

// ParsePartitionKey parses a --pk value: a JSON scalar, a JSON array
// (hierarchical key) or a bare word (a string). A value that looks like
// JSON (it starts with [, {, ", a digit or -) must be valid JSON: a typo
// such as `[1,` or `"c1` would otherwise address the string "[1," and
// quietly find nothing. Strings azcosmos would encode as invalid JSON (it
// uses QuoteToASCII: astral-plane and control characters) are refused
// rather than sent, as are integers beyond ±2^53, which the header cannot
// carry exactly.
func ParsePartitionKey(v string) (PartitionKey, error) {
	t := strings.TrimSpace(v)
	var comps []json.RawMessage
	if looksLikeJSON(t) && !json.Valid([]byte(t)) {
		return PartitionKey{}, errs.New(errs.KindUsage, nil,
			`a value starting with [ { " a digit or - is read as JSON; for a string, quote it as JSON: --pk '"`+strings.ReplaceAll(t, `"`, `\"`)+`"'`,
			"--pk %s: not valid JSON (%v)", v, jsonSyntaxError(t))
	}
	if t != "" && json.Valid([]byte(t)) && (t[0] == '[' || t[0] == '"' || t[0] == '{' || t == "true" || t == "false" || t == "null" || isJSONNumber(t)) {
		switch t[0] {
		case '[':
			if err := json.Unmarshal([]byte(t), &comps); err != nil {
				return PartitionKey{}, errs.Usage("--pk %s: %v", v, err)
			}
			if len(comps) == 0 {
				return PartitionKey{}, errs.Usage("--pk []: a hierarchical key needs at least one component")
			}
		case '{':
			return PartitionKey{}, errs.Usage("--pk %s: a partition key is a string, number, boolean, null or an array of them", v)
		default:
			comps = []json.RawMessage{json.RawMessage(t)}
		}
	} else {
		b, _ := json.Marshal(v)
		comps = []json.RawMessage{b}
	}
	pk := azcosmos.NewPartitionKey()
	var canon []string
	for _, c := range comps {
		c = bytes.TrimSpace(c)
		switch {
		case len(c) == 0:
			return PartitionKey{}, errs.Usage("--pk %s: empty component", v)
		case c[0] == '"':
			var s string
			if err := json.Unmarshal(c, &s); err != nil {
				return PartitionKey{}, errs.Usage("--pk %s: %v", v, err)
			}
			if err := checkPKString(s); err != nil {
				return PartitionKey{}, err
			}
			pk = pk.AppendString(s)
		case string(c) == "true" || string(c) == "false":
			pk = pk.AppendBool(string(c) == "true")
		case string(c) == "null":
			pk = pk.AppendNull()
		case c[0] == '-' || (c[0] >= '0' && c[0] <= '9'):
			f, err := strconv.ParseFloat(string(c), 64)
			if err != nil {
				return PartitionKey{}, errs.Usage("--pk %s: %v", v, err)
			}
			if beyond53(string(c)) {
				return PartitionKey{}, errs.Usage("--pk %s: integers beyond ±2^53 lose precision in the partition key header; the SDK cannot address this key exactly", string(c))
			}
			pk = pk.AppendNumber(f)
		default:
			return PartitionKey{}, errs.Usage("--pk %s: components must be strings, numbers, booleans or null", v)
		}
		canon = append(canon, string(c))
	}
	return PartitionKey{key: pk, canon: "[" + strings.Join(canon, ",") + "]", n: len(canon), addressed: true}, nil
}

// looksLikeJSON reports a --pk value that is meant as JSON, not a word.
func looksLikeJSON(t string) bool {
	return t != "" && (strings.ContainsRune(`[{"-`, rune(t[0])) || (t[0] >= '0' && t[0] <= '9'))
}

// jsonSyntaxError is why t does not parse as JSON.
func jsonSyntaxError(t string) error {
	var v any
	if err := json.Unmarshal([]byte(t), &v); err != nil {
		return err
	}
	return nil
}

// beyond53 reports an integer literal outside ±2^53 (floats are left to
// ParseFloat, as --pk always did).
func beyond53(lit string) bool {
	if strings.ContainsAny(lit, ".eE") {
		return false
	}
	i, err := strconv.ParseInt(lit, 10, 64)
	if err != nil {
		// Beyond int64 is beyond ±2^53 too.
		return errors.Is(err, strconv.ErrRange)
	}
	return i > 1<<53 || i < -(1<<53)
}

// checkPKString refuses strings azcosmos would put into the header as
// invalid JSON (cosmos-wire §8: strconv.QuoteToASCII).
func checkPKString(s string) error {
	q := strconv.QuoteToASCII(s)
	var back string
	if json.Unmarshal([]byte(q), &back) == nil && back == s {
		return nil
	}
	return errs.New(errs.KindUsage, nil,
		"the Go SDK encodes such keys as invalid JSON; use another tool for this item, or a key without them",
		"--pk %s: partition key strings with control characters or characters outside the Basic Multilingual Plane (e.g. emoji) cannot be sent correctly", q)
}

// isJSONNumber reports whether s is a JSON number literal (so "007" and
// "1e" are not).
func isJSONNumber(s string) bool {
	if s == "" || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')) {
		return false
	}
	var n json.Number
	return json.Unmarshal([]byte(s), &n) == nil
}

// undefinedComponent stands for a path the document does not have: no
// JSON value can be stored as a partition key object, so it never matches
// a key given on the command line.
const undefinedComponent = "{}"

// PartitionKeyOf reads a document's partition key: each of the
// container's key paths (/a/b, with ~1 and ~0 escapes) is walked from the
// top level; a missing path is undefined, written {} in JSON. The
// components keep the document's bytes.
func PartitionKeyOf(doc json.RawMessage, paths []string) (PartitionKey, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return PartitionKey{}, err
	}
	return partitionKeyOfTop(top, paths), nil
}

// partitionKeyOfTop is PartitionKeyOf for a decoded top-level object.
func partitionKeyOfTop(top map[string]json.RawMessage, paths []string) PartitionKey {
	pk := azcosmos.NewPartitionKey()
	addressed := true
	comps := make([]string, 0, len(paths))
	for _, p := range paths {
		cur := walkPath(top, p)
		if cur == nil {
			cur = json.RawMessage(undefinedComponent)
		}
		var ok bool
		pk, ok = appendComponent(pk, cur)
		addressed = addressed && ok
		comps = append(comps, string(cur))
	}
	return PartitionKey{key: pk, canon: "[" + strings.Join(comps, ",") + "]", n: len(comps), addressed: addressed}
}

// walkPath returns the value at a key path, or nil when it is missing or
// crosses a value that is not an object.
func walkPath(top map[string]json.RawMessage, path string) json.RawMessage {
	obj := top
	segs := strings.Split(strings.Trim(path, "/"), "/")
	for i, seg := range segs {
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, "~1", "/"), "~0", "~")
		v, ok := obj[seg]
		if !ok {
			return nil
		}
		if i == len(segs)-1 {
			return v
		}
		obj = nil
		if json.Unmarshal(v, &obj) != nil {
			return nil
		}
	}
	return nil
}

// appendComponent adds a document value to an azcosmos key; ok is false
// when the SDK cannot carry it exactly.
func appendComponent(pk azcosmos.PartitionKey, c json.RawMessage) (azcosmos.PartitionKey, bool) {
	c = bytes.TrimSpace(c)
	switch {
	case len(c) == 0:
		return pk, false
	case c[0] == '"':
		var s string
		if json.Unmarshal(c, &s) != nil {
			return pk, false
		}
		return pk.AppendString(s), checkPKString(s) == nil
	case string(c) == "true" || string(c) == "false":
		return pk.AppendBool(string(c) == "true"), true
	case string(c) == "null":
		return pk.AppendNull(), true
	case c[0] == '-' || (c[0] >= '0' && c[0] <= '9'):
		f, err := strconv.ParseFloat(string(c), 64)
		if err != nil {
			return pk, false
		}
		return pk.AppendNumber(f), !beyond53(string(c))
	}
	return pk, false
}

// CheckLevels reports a usage error naming the container's key paths when
// k does not have one value per level of def. With allowPrefix a
// hierarchical key may give only its first levels (a query may address
// a prefix; a point read may not).
func (k PartitionKey) CheckLevels(def azcosmos.PartitionKeyDefinition, allowPrefix bool) error {
	want := len(def.Paths)
	if want == 0 || k.n == want || (allowPrefix && k.n >= 1 && k.n < want) {
		return nil
	}
	paths := strings.Join(def.Paths, ", ")
	levels := "1 level"
	if want != 1 {
		levels = strconv.Itoa(want) + " levels"
	}
	if allowPrefix && want > 1 {
		return errs.Usage("--pk %s: the container's partition key has %s (%s); give 1 to %d values", k.canon, levels, paths, want)
	}
	return errs.Usage("--pk %s: the container's partition key has %s (%s), the value has %d", k.canon, levels, paths, k.n)
}
