package engine

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// kind is the JSON type of a value. Undefined is represented by a nil *value.
type kind uint8

const (
	kindNull kind = iota + 1
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// value is the engine's JSON value model. It keeps object keys in order and,
// for values parsed from documents or literals, the exact original JSON text
// (raw), so projected sub-documents come back byte-for-byte.
type value struct {
	kind  kind
	b     bool
	num   float64
	isInt bool  // the number is an integer held exactly in i
	i     int64 // valid when isInt
	str   string
	arr   []*value
	keys  []string // object keys in order
	vals  []*value // object values, parallel to keys
	raw   []byte   // compact original JSON text, nil for computed values
}

var (
	valNull  = &value{kind: kindNull}
	valTrue  = &value{kind: kindBool, b: true}
	valFalse = &value{kind: kindBool}
)

func boolVal(b bool) *value {
	if b {
		return valTrue
	}
	return valFalse
}

func strVal(s string) *value { return &value{kind: kindString, str: s} }

func intVal(i int64) *value { return &value{kind: kindNumber, num: float64(i), isInt: true, i: i} }

// numVal makes a number from a float, keeping the integer form when exact so
// integral results print without a fraction.
func numVal(f float64) *value {
	if f == math.Trunc(f) && math.Abs(f) < 1<<63 && !math.IsInf(f, 0) {
		if f == 0 && math.Signbit(f) {
			f = 0
		}
		return &value{kind: kindNumber, num: f, isInt: true, i: int64(f)}
	}
	return &value{kind: kindNumber, num: f}
}

func arrVal(items []*value) *value { return &value{kind: kindArray, arr: items} }

// field returns the named property of an object, nil (undefined) otherwise.
func (v *value) field(name string) *value {
	if v == nil || v.kind != kindObject {
		return nil
	}
	for i, k := range v.keys {
		if k == name {
			return v.vals[i]
		}
	}
	return nil
}

// objBuilder builds object values, dropping undefined members.
type objBuilder struct{ v *value }

func newObj() *objBuilder { return &objBuilder{v: &value{kind: kindObject}} }

func (o *objBuilder) set(k string, v *value) {
	if v == nil {
		return
	}
	for i, ek := range o.v.keys {
		if ek == k {
			o.v.vals[i] = v
			return
		}
	}
	o.v.keys = append(o.v.keys, k)
	o.v.vals = append(o.v.vals, v)
}

// ---- JSON parsing ----

const maxJSONDepth = 512

type jsonParser struct {
	s     []byte
	p     int
	depth int
}

var errJSON = errors.New("invalid JSON")

// parseJSON parses one JSON text. Whitespace is removed first so that raw
// spans are compact.
func parseJSON(b []byte) (*value, error) {
	src := compactJSON(b)
	jp := &jsonParser{s: src}
	v, err := jp.parse()
	if err != nil {
		return nil, err
	}
	if jp.p != len(src) {
		return nil, errJSON
	}
	return v, nil
}

// compactJSON strips insignificant whitespace (outside strings).
func compactJSON(b []byte) []byte {
	needs := false
	inStr, esc := false, false
	for _, c := range b {
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		if c == '"' {
			inStr = true
		} else if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			needs = true
			break
		}
	}
	if !needs {
		return b
	}
	out := make([]byte, 0, len(b))
	inStr, esc = false, false
	for _, c := range b {
		if inStr {
			out = append(out, c)
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			continue
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '"':
			inStr = true
		}
		out = append(out, c)
	}
	return out
}

func (jp *jsonParser) parse() (*value, error) {
	if jp.p >= len(jp.s) {
		return nil, errJSON
	}
	start := jp.p
	switch c := jp.s[jp.p]; {
	case c == '{':
		jp.depth++
		if jp.depth > maxJSONDepth {
			return nil, errors.New("JSON nested too deeply")
		}
		jp.p++
		v := &value{kind: kindObject}
		if jp.p < len(jp.s) && jp.s[jp.p] == '}' {
			jp.p++
		} else {
			for {
				if jp.p >= len(jp.s) || jp.s[jp.p] != '"' {
					return nil, errJSON
				}
				k, err := jp.str()
				if err != nil {
					return nil, err
				}
				if jp.p >= len(jp.s) || jp.s[jp.p] != ':' {
					return nil, errJSON
				}
				jp.p++
				m, err := jp.parse()
				if err != nil {
					return nil, err
				}
				v.keys = append(v.keys, k)
				v.vals = append(v.vals, m)
				if jp.p >= len(jp.s) {
					return nil, errJSON
				}
				if jp.s[jp.p] == ',' {
					jp.p++
					continue
				}
				if jp.s[jp.p] == '}' {
					jp.p++
					break
				}
				return nil, errJSON
			}
		}
		jp.depth--
		v.raw = jp.s[start:jp.p]
		return v, nil
	case c == '[':
		jp.depth++
		if jp.depth > maxJSONDepth {
			return nil, errors.New("JSON nested too deeply")
		}
		jp.p++
		v := &value{kind: kindArray}
		if jp.p < len(jp.s) && jp.s[jp.p] == ']' {
			jp.p++
		} else {
			for {
				m, err := jp.parse()
				if err != nil {
					return nil, err
				}
				v.arr = append(v.arr, m)
				if jp.p >= len(jp.s) {
					return nil, errJSON
				}
				if jp.s[jp.p] == ',' {
					jp.p++
					continue
				}
				if jp.s[jp.p] == ']' {
					jp.p++
					break
				}
				return nil, errJSON
			}
		}
		jp.depth--
		v.raw = jp.s[start:jp.p]
		return v, nil
	case c == '"':
		s, err := jp.str()
		if err != nil {
			return nil, err
		}
		return &value{kind: kindString, str: s, raw: jp.s[start:jp.p]}, nil
	case c == 't':
		if strings.HasPrefix(string(jp.s[jp.p:min(jp.p+4, len(jp.s))]), "true") {
			jp.p += 4
			return valTrue, nil
		}
	case c == 'f':
		if strings.HasPrefix(string(jp.s[jp.p:min(jp.p+5, len(jp.s))]), "false") {
			jp.p += 5
			return valFalse, nil
		}
	case c == 'n':
		if strings.HasPrefix(string(jp.s[jp.p:min(jp.p+4, len(jp.s))]), "null") {
			jp.p += 4
			return valNull, nil
		}
	case c == '-' || (c >= '0' && c <= '9'):
		return jp.number()
	}
	return nil, errJSON
}

func (jp *jsonParser) number() (*value, error) {
	start := jp.p
	s := jp.s
	if jp.p < len(s) && s[jp.p] == '-' {
		jp.p++
	}
	digits := func() int {
		n := 0
		for jp.p < len(s) && s[jp.p] >= '0' && s[jp.p] <= '9' {
			jp.p++
			n++
		}
		return n
	}
	intStart := jp.p
	if n := digits(); n == 0 || (n > 1 && s[intStart] == '0') {
		return nil, errJSON // JSON forbids leading zeros
	}
	isInt := true
	if jp.p < len(s) && s[jp.p] == '.' {
		isInt = false
		jp.p++
		if digits() == 0 {
			return nil, errJSON
		}
	}
	if jp.p < len(s) && (s[jp.p] == 'e' || s[jp.p] == 'E') {
		isInt = false
		jp.p++
		if jp.p < len(s) && (s[jp.p] == '+' || s[jp.p] == '-') {
			jp.p++
		}
		if digits() == 0 {
			return nil, errJSON
		}
	}
	return numberFromText(string(s[start:jp.p]), isInt, s[start:jp.p])
}

// numberFromText builds a number value from its literal text.
func numberFromText(text string, isInt bool, raw []byte) (*value, error) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, errJSON
	}
	v := &value{kind: kindNumber, num: f, raw: raw}
	if isInt {
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			v.isInt, v.i = true, i
		}
	}
	return v, nil
}

func (jp *jsonParser) str() (string, error) {
	s := jp.s
	jp.p++ // opening quote
	start := jp.p
	// fast path: no escapes
	for jp.p < len(s) {
		c := s[jp.p]
		if c == '"' {
			out := string(s[start:jp.p])
			jp.p++
			return out, nil
		}
		if c == '\\' || c < 0x20 {
			break
		}
		jp.p++
	}
	var sb strings.Builder
	sb.Write(s[start:jp.p])
	for jp.p < len(s) {
		c := s[jp.p]
		switch {
		case c == '"':
			jp.p++
			return sb.String(), nil
		case c < 0x20:
			return "", errJSON
		case c == '\\':
			if jp.p+1 >= len(s) {
				return "", errJSON
			}
			e := s[jp.p+1]
			jp.p += 2
			switch e {
			case '"', '\\', '/':
				sb.WriteByte(e)
			case 'b':
				sb.WriteByte('\b')
			case 'f':
				sb.WriteByte('\f')
			case 'n':
				sb.WriteByte('\n')
			case 'r':
				sb.WriteByte('\r')
			case 't':
				sb.WriteByte('\t')
			case 'u':
				r, ok := jp.hex4()
				if !ok {
					return "", errJSON
				}
				if r >= 0xD800 && r < 0xDC00 && jp.p+1 < len(s) && s[jp.p] == '\\' && s[jp.p+1] == 'u' {
					save := jp.p
					jp.p += 2
					r2, ok2 := jp.hex4()
					if ok2 && r2 >= 0xDC00 && r2 < 0xE000 {
						r = (r-0xD800)<<10 + (r2 - 0xDC00) + 0x10000
					} else {
						jp.p = save
					}
				}
				sb.WriteRune(r)
			default:
				return "", errJSON
			}
		default:
			sb.WriteByte(c)
			jp.p++
		}
	}
	return "", errJSON
}

func (jp *jsonParser) hex4() (rune, bool) {
	if jp.p+4 > len(jp.s) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(jp.s[jp.p:jp.p+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	jp.p += 4
	return rune(n), true
}

// ---- JSON output ----

// appendJSON appends the compact JSON text of v. Non-finite numbers have no
// JSON form; callers treat them as undefined before getting here.
func appendJSON(b []byte, v *value) []byte {
	if v == nil {
		return b
	}
	if v.raw != nil {
		return append(b, v.raw...)
	}
	switch v.kind {
	case kindNull:
		return append(b, "null"...)
	case kindBool:
		if v.b {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	case kindNumber:
		return appendNumber(b, v)
	case kindString:
		return appendString(b, v.str)
	case kindArray:
		b = append(b, '[')
		first := true
		for _, e := range v.arr {
			if e == nil || !jsonable(e) {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendJSON(b, e)
		}
		return append(b, ']')
	case kindObject:
		b = append(b, '{')
		first := true
		for i, k := range v.keys {
			e := v.vals[i]
			if e == nil || !jsonable(e) {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendString(b, k)
			b = append(b, ':')
			b = appendJSON(b, e)
		}
		return append(b, '}')
	}
	return b
}

// jsonable reports whether v can be written as JSON (non-finite numbers cannot).
func jsonable(v *value) bool {
	return v.kind != kindNumber || v.isInt || (!math.IsNaN(v.num) && !math.IsInf(v.num, 0))
}

func appendNumber(b []byte, v *value) []byte {
	if v.raw != nil {
		return append(b, v.raw...)
	}
	if v.isInt {
		return strconv.AppendInt(b, v.i, 10)
	}
	return append(b, formatFloat(v.num)...)
}

// formatFloat prints a double the way the service (JavaScript-style) does:
// shortest round-trip digits, exponent form only for very large/small values.
func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	a := math.Abs(f)
	if a != 0 && (a >= 1e21 || a < 1e-6) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// Go writes e-07 / e+21; JavaScript writes e-7 / e+21.
		if i := strings.IndexByte(s, 'e'); i >= 0 && i+2 < len(s) && s[i+2] == '0' {
			s = s[:i+2] + strings.TrimLeft(s[i+2:], "0")
		}
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

func toJSON(v *value) []byte { return appendJSON(nil, v) }
