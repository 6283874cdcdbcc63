package output

import (
	"encoding/json"
	"fmt"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// This file works on raw, already validated JSON bytes so that documents are
// re-emitted exactly as the server sent them: numbers stay textual (no
// float64 round trip), strings keep their original bytes and escapes, and
// object keys keep their order. Every function here assumes json.Valid(src).

// validDoc rejects anything that is not exactly one JSON value, so the
// scanners below can stay simple and never index out of range.
func validDoc(doc []byte) error {
	if !json.Valid(doc) {
		return fmt.Errorf("output: document is not valid JSON: %.60q", doc)
	}
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// stringEnd returns the index just past the closing quote of the string
// literal starting at b[i] == '"'.
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// valueEnd returns the index just past the value starting at b[i] (no
// leading space).
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	default: // number, true, false, null
		for i < len(b) && !isSpace(b[i]) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ':' {
			i++
		}
		return i
	}
}

// trimValue returns the value without surrounding whitespace.
func trimValue(b []byte) []byte {
	i := skipSpace(b, 0)
	j := len(b)
	for j > i && isSpace(b[j-1]) {
		j--
	}
	return b[i:j]
}

// eachMember calls fn for every member of the object b (trimmed, starting
// with '{'), in document order, with the raw key literal (quotes included)
// and the raw value.
func eachMember(b []byte, fn func(key, val []byte) error) error {
	i := skipSpace(b, 1)
	for i < len(b) && b[i] != '}' {
		ke := stringEnd(b, i)
		key := b[i:ke]
		i = skipSpace(b, ke)
		i = skipSpace(b, i+1) // ':'
		ve := valueEnd(b, i)
		if err := fn(key, b[i:ve]); err != nil {
			return err
		}
		i = skipSpace(b, ve)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return nil
}

// eachElement calls fn for every element of the array b (trimmed, '[').
func eachElement(b []byte, fn func(val []byte) error) error {
	i := skipSpace(b, 1)
	for i < len(b) && b[i] != ']' {
		ve := valueEnd(b, i)
		if err := fn(b[i:ve]); err != nil {
			return err
		}
		i = skipSpace(b, ve)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return nil
}

// appendUnquoted appends the decoded text of the string literal lit
// (quotes included). The common case, no escapes, copies bytes directly.
func appendUnquoted(dst, lit []byte) []byte {
	body := lit[1 : len(lit)-1]
	if !hasByte(body, '\\') {
		return append(dst, body...)
	}
	var s string
	if err := json.Unmarshal(lit, &s); err != nil {
		// Unreachable for validated input; keep the literal rather than lose data.
		return append(dst, body...)
	}
	return append(dst, s...)
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// ANSI SGR colours, chosen to resemble jq's defaults.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiKey    = "\x1b[1;34m"
	ansiString = "\x1b[32m"
	ansiNumber = "\x1b[36m"
	ansiBool   = "\x1b[33m"
	ansiNull   = "\x1b[90m"
)

// jsonStyle controls appendJSON: indent "" means compact.
type jsonStyle struct {
	indent string
	color  bool
}

// appendJSON re-emits the valid JSON value src in the given style, starting
// at nesting level depth (used for the elements of the top-level array).
// Tokens are copied byte for byte; only insignificant whitespace changes.
func appendJSON(dst, src []byte, st jsonStyle, depth int) []byte {
	newline := func(dst []byte, depth int) []byte {
		if st.indent == "" {
			return dst
		}
		dst = append(dst, '\n')
		for range depth {
			dst = append(dst, st.indent...)
		}
		return dst
	}
	paint := func(dst []byte, code string, tok []byte) []byte {
		if !st.color {
			return append(dst, tok...)
		}
		dst = append(dst, code...)
		dst = append(dst, tok...)
		return append(dst, ansiReset...)
	}
	for i := skipSpace(src, 0); i < len(src); i = skipSpace(src, i) {
		c := src[i]
		switch c {
		case '{', '[':
			closer := byte('}')
			if c == '[' {
				closer = ']'
			}
			if j := skipSpace(src, i+1); j < len(src) && src[j] == closer {
				dst = append(dst, c, closer)
				i = j + 1
				continue
			}
			dst = append(dst, c)
			depth++
			dst = newline(dst, depth)
			i++
		case '}', ']':
			depth--
			dst = newline(dst, depth)
			dst = append(dst, c)
			i++
		case ',':
			dst = append(dst, ',')
			dst = newline(dst, depth)
			i++
		case ':':
			dst = append(dst, ':')
			if st.indent != "" {
				dst = append(dst, ' ')
			}
			i++
		case '"':
			e := stringEnd(src, i)
			code := ansiString
			if j := skipSpace(src, e); j < len(src) && src[j] == ':' {
				code = ansiKey
			}
			dst = paint(dst, code, src[i:e])
			i = e
		default:
			e := valueEnd(src, i)
			code := ansiNumber
			switch c {
			case 't', 'f':
				code = ansiBool
			case 'n':
				code = ansiNull
			}
			dst = paint(dst, code, src[i:e])
			i = e
		}
	}
	return dst
}

// displayWidth is the number of terminal cells s occupies: East Asian wide
// and fullwidth runes (CJK, most emoji) take two, combining marks none.
func displayWidth(b []byte) int {
	n := 0
	for _, r := range string(b) { // no copy: the compiler ranges over b directly
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	switch {
	case r == utf8.RuneError:
		return 1
	case r < 0x300:
		return 1
	case isZeroWidth(r):
		return 0
	case isWide(r):
		return 2
	}
	return 1
}

func isZeroWidth(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) || r == 0x200B
}

func isWide(r rune) bool {
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return true
	}
	return false
}
