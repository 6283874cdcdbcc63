package engine

import (
	"strings"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tKeyword
	tNumber
	tString
	tParam
	tOp // punctuation and operators
)

type token struct {
	kind  tokKind
	text  string // source text (keywords upper-cased in kw)
	kw    string // upper-case keyword for tKeyword
	str   string // decoded string literal
	start int
	end   int
}

// keywords are the reserved words (read-only); they cannot be used as bare
// identifiers or after '.', exactly as the service rejects c.value.
var keywords = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "AND": true, "OR": true, "NOT": true,
	"AS": true, "IN": true, "BETWEEN": true, "LIKE": true, "ESCAPE": true, "VALUE": true,
	"TOP": true, "DISTINCT": true, "ORDER": true, "BY": true, "ASC": true, "DESC": true,
	"GROUP": true, "OFFSET": true, "LIMIT": true, "JOIN": true, "EXISTS": true, "ARRAY": true,
	"TRUE": true, "FALSE": true, "NULL": true, "UNDEFINED": true, "UDF": true,
	"LEFT": true, "RIGHT": true, "RANK": true,
}

// isKeyword reports whether an identifier-shaped word is reserved. Keywords are
// case-insensitive except the literals and udf, which are lower-case only
// (the service grammar spells them 'true', 'false', 'null', 'undefined', 'udf').
func isKeyword(word, upper string) bool {
	switch upper {
	case "TRUE", "FALSE", "NULL", "UNDEFINED", "UDF":
		return word == strings.ToLower(upper)
	}
	return keywords[upper]
}

const maxQueryLength = 256 * 1024

// lex splits query text into tokens. Errors carry the offending position.
func lex(src string) ([]token, *SyntaxError) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
			continue
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			j := strings.Index(src[i+2:], "*/")
			if j < 0 {
				return nil, syntaxErrAt(src, i, len(src))
			}
			i += j + 4
			continue
		}
		start := i
		switch {
		case isIdentStart(c):
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			text := src[start:i]
			up := strings.ToUpper(text)
			if isKeyword(text, up) {
				toks = append(toks, token{kind: tKeyword, text: text, kw: up, start: start, end: i})
			} else {
				toks = append(toks, token{kind: tIdent, text: text, start: start, end: i})
			}
		case c >= '0' && c <= '9' || (c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9'):
			if c == '0' && i+1 < len(src) && (src[i+1] == 'x' || src[i+1] == 'X') {
				i += 2
				for i < len(src) && isHex(src[i]) {
					i++
				}
			} else {
				for i < len(src) && src[i] >= '0' && src[i] <= '9' {
					i++
				}
				if i < len(src) && src[i] == '.' {
					i++
					for i < len(src) && src[i] >= '0' && src[i] <= '9' {
						i++
					}
				}
				if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
					j := i + 1
					if j < len(src) && (src[j] == '+' || src[j] == '-') {
						j++
					}
					if j < len(src) && src[j] >= '0' && src[j] <= '9' {
						i = j
						for i < len(src) && src[i] >= '0' && src[i] <= '9' {
							i++
						}
					}
				}
			}
			toks = append(toks, token{kind: tNumber, text: src[start:i], start: start, end: i})
		case c == '\'' || c == '"':
			s, n, ok := lexString(src[i:])
			if !ok {
				return nil, syntaxErrAt(src, start, len(src))
			}
			i += n
			toks = append(toks, token{kind: tString, text: src[start:i], str: s, start: start, end: i})
		case c == '@':
			i++
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			if i == start+1 {
				return nil, syntaxErrAt(src, start, i)
			}
			toks = append(toks, token{kind: tParam, text: src[start:i], start: start, end: i})
		default:
			op := ""
			for _, cand := range []string{">>>", "<>", "!=", "<=", ">=", "<<", ">>", "||", "??"} {
				if strings.HasPrefix(src[i:], cand) {
					op = cand
					break
				}
			}
			if op == "" {
				if strings.IndexByte("=<>+-*/%&|^~(),.[]{}:?", c) < 0 {
					_, size := utf8.DecodeRuneInString(src[i:])
					return nil, syntaxErrAt(src, i, i+size)
				}
				op = src[i : i+1]
			}
			i += len(op)
			toks = append(toks, token{kind: tOp, text: op, start: start, end: i})
		}
	}
	toks = append(toks, token{kind: tEOF, start: len(src), end: len(src)})
	return toks, nil
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// lexString decodes a quoted string literal with JSON/JavaScript escapes.
func lexString(s string) (string, int, bool) {
	q := s[0]
	var sb strings.Builder
	i := 1
	for i < len(s) {
		c := s[i]
		switch {
		case c == q:
			return sb.String(), i + 1, true
		case c == '\\':
			if i+1 >= len(s) {
				return "", 0, false
			}
			e := s[i+1]
			i += 2
			switch e {
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
				if i+4 > len(s) {
					return "", 0, false
				}
				var r rune
				for _, h := range []byte(s[i : i+4]) {
					if !isHex(h) {
						return "", 0, false
					}
					r = r*16 + rune(hexVal(h))
				}
				i += 4
				if r >= 0xD800 && r < 0xDC00 && i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					var r2 rune
					ok := true
					for _, h := range []byte(s[i+2 : i+6]) {
						if !isHex(h) {
							ok = false
							break
						}
						r2 = r2*16 + rune(hexVal(h))
					}
					if ok && r2 >= 0xDC00 && r2 < 0xE000 {
						r = (r-0xD800)<<10 + (r2 - 0xDC00) + 0x10000
						i += 6
					}
				}
				sb.WriteRune(r)
			case '"', '\\', '/', '\'':
				sb.WriteByte(e)
			default:
				return "", 0, false // the grammar allows only JSON escapes
			}
		default:
			sb.WriteByte(c)
			i++
		}
	}
	return "", 0, false
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// syntaxErrAt builds the service's SC1001 error for the token at [start,end).
func syntaxErrAt(src string, start, end int) *SyntaxError {
	if start >= len(src) {
		return &SyntaxError{Code: "SC1001", Message: "Syntax error, unexpected end-of-input.", Start: len(src), End: len(src)}
	}
	return &SyntaxError{Code: "SC1001", Message: "Syntax error, incorrect syntax near '" + src[start:end] + "'.", Start: start, End: end}
}
