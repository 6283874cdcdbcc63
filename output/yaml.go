package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// yamlPrinter writes the documents as one YAML block sequence, item by item
// ("- a: 1\n  b: x\n- …"), so that the output is a single YAML value like the
// json format's array; an empty result prints "[]".
//
// It emits YAML itself from the raw JSON instead of going through
// go.yaml.in/yaml/v3's encoder, for two reasons: yaml/v3 escapes characters
// outside the Basic Multilingual Plane (emoji become "\U0001F600"), and its
// node tree costs allocations per value. Numbers are copied verbatim;
// strings are plain when that cannot change their type or meaning, and
// double-quoted otherwise. The tests parse the output back with yaml/v3.
type yamlPrinter struct {
	w   io.Writer
	buf []byte
	n   int
	err error
}

func newYAMLPrinter(w io.Writer, _ Options) *yamlPrinter { return &yamlPrinter{w: w} }

func (p *yamlPrinter) Print(doc json.RawMessage) error {
	if p.err != nil {
		return p.err
	}
	if err := validDoc(doc); err != nil {
		return err
	}
	b := appendYAMLItem(p.buf[:0], trimValue(doc), 0, false)
	p.buf = b
	p.n++
	return p.write(b)
}

func (p *yamlPrinter) write(b []byte) error {
	if _, err := p.w.Write(b); err != nil {
		p.err = fmt.Errorf("output: writing yaml: %w", err)
	}
	return p.err
}

func (p *yamlPrinter) Close() error {
	if p.err == nil && p.n == 0 {
		return p.write([]byte("[]\n"))
	}
	return p.err
}

func appendIndent(dst []byte, n int) []byte {
	for range n {
		dst = append(dst, ' ')
	}
	return dst
}

func isEmptyContainer(raw []byte) bool {
	return (raw[0] == '{' || raw[0] == '[') && skipSpace(raw, 1) == len(raw)-1
}

// appendYAMLItem writes "- value" at indent; inline means the cursor is
// already positioned (after a parent's "- ").
func appendYAMLItem(dst, raw []byte, indent int, inline bool) []byte {
	if !inline {
		dst = appendIndent(dst, indent)
	}
	dst = append(dst, '-', ' ')
	return appendYAMLNode(dst, raw, indent+2)
}

// appendYAMLNode writes a value whose first line continues the current line
// and whose further lines are indented by indent.
func appendYAMLNode(dst, raw []byte, indent int) []byte {
	switch {
	case isEmptyContainer(raw):
		return append(append(dst, raw[0], raw[len(raw)-1]), '\n')
	case raw[0] == '{':
		first := true
		_ = eachMember(raw, func(key, val []byte) error {
			if !first {
				dst = appendIndent(dst, indent)
			}
			first = false
			dst = appendYAMLMember(dst, key, val, indent)
			return nil
		})
		return dst
	case raw[0] == '[':
		first := true
		_ = eachElement(raw, func(val []byte) error {
			dst = appendYAMLItem(dst, val, indent, first)
			first = false
			return nil
		})
		return dst
	}
	return append(appendYAMLScalar(dst, raw), '\n')
}

// maxImplicitKey is YAML's limit on an implicit ("key: value") key.
const maxImplicitKey = 1000

func appendYAMLMember(dst, rawKey, val []byte, indent int) []byte {
	start := len(dst)
	dst = appendYAMLScalar(dst, rawKey)
	if len(dst)-start > maxImplicitKey {
		// Too long for "key:"; use the explicit "? key\n: value" form.
		dst = append(dst[:start], '?', ' ')
		dst = appendYAMLScalar(dst, rawKey)
		dst = append(dst, '\n')
		dst = appendIndent(dst, indent)
	}
	dst = append(dst, ':')
	if val[0] == '{' || val[0] == '[' {
		if isEmptyContainer(val) {
			return append(dst, ' ', val[0], val[len(val)-1], '\n')
		}
		dst = append(dst, '\n')
		if val[0] == '[' {
			_ = eachElement(val, func(v []byte) error {
				dst = appendYAMLItem(dst, v, indent+2, false)
				return nil
			})
			return dst
		}
		dst = appendIndent(dst, indent+2)
		return appendYAMLNode(dst, val, indent+2)
	}
	dst = append(dst, ' ')
	return append(appendYAMLScalar(dst, val), '\n')
}

// appendYAMLScalar writes a JSON scalar: numbers, booleans and null as they
// are (they mean the same in YAML), strings plain or double-quoted.
func appendYAMLScalar(dst, raw []byte) []byte {
	if raw[0] != '"' {
		return append(dst, raw...)
	}
	start := len(dst)
	dst = appendUnquoted(dst, raw)
	text := dst[start:]
	if yamlPlainSafe(text) {
		return dst
	}
	// Re-emit quoted after the unquoted text, then move it into place.
	quoted := len(dst)
	dst = append(dst, '"')
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRune(text[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\uFFFD`...)
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\n':
			dst = append(dst, `\n`...)
		case r == '\t':
			dst = append(dst, `\t`...)
		case r == '\r':
			dst = append(dst, `\r`...)
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			dst = append(dst, fmt.Sprintf(`\x%02X`, r)...)
		case r == 0x2028:
			dst = append(dst, `\L`...)
		case r == 0x2029:
			dst = append(dst, `\P`...)
		case r == 0xFEFF || r == 0xFFFE || r == 0xFFFF:
			dst = append(dst, fmt.Sprintf(`\u%04X`, r)...)
		default:
			dst = append(dst, text[i:i+size]...)
		}
		i += size
		text = dst[start:quoted] // dst may have moved
	}
	dst = append(dst, '"')
	n := copy(dst[start:], dst[quoted:])
	return dst[:start+n]
}

// yamlPlainSafe reports whether s can be written as a plain scalar and
// still read back as this exact string under both YAML 1.1 and 1.2 rules.
// It is deliberately conservative: anything doubtful gets quoted.
func yamlPlainSafe(s []byte) bool {
	if len(s) == 0 || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	switch c := s[0]; {
	case c >= '0' && c <= '9', strings.IndexByte("-+.?:,[]{}#&*!|>'\"%@`~<=", c) >= 0:
		return false // indicators, and anything that may read as a number
	}
	if len(s) <= len("infinity") {
		for _, w := range [...]string{"null", "true", "false", "yes", "no", "on", "off", "y", "n", "inf", "nan", "infinity"} {
			if bytes.EqualFold(s, []byte(w)) {
				return false
			}
		}
	}
	for _, r := range string(s) {
		switch {
		case r < utf8.RuneSelf:
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(" _-./()+=;$^~<@", r)) {
				return false
			}
		case r == utf8.RuneError, r == 0xFEFF, !unicode.IsPrint(r):
			return false
		}
	}
	return true
}
