package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// parsePartitionKeyHeader parses x-ms-documentdb-partitionkey into canonical
// component strings (see canonicalScalar). azcosmos writes strings with
// strconv.QuoteToASCII, which is not always JSON ("\U0001f600", "\x01"), so
// strings fall back to Go unquoting when JSON decoding fails.
func parsePartitionKeyHeader(h string) ([]string, error) {
	s := strings.TrimSpace(h)
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, fmt.Errorf("partition key header %q is not a JSON array", h)
	}
	body := strings.TrimSpace(s[1 : len(s)-1])
	var out []string
	for body != "" {
		var tok string
		if body[0] == '"' {
			end := stringEnd(body)
			if end < 0 {
				return nil, fmt.Errorf("partition key header %q has an unterminated string", h)
			}
			tok, body = body[:end+1], body[end+1:]
			v, err := unquoteTolerant(tok)
			if err != nil {
				return nil, fmt.Errorf("partition key header %q: %w", h, err)
			}
			c, _ := canonicalScalar(v)
			out = append(out, c)
		} else {
			i := strings.IndexByte(body, ',')
			if i < 0 {
				i = len(body)
			}
			tok, body = strings.TrimSpace(body[:i]), body[i:]
			var c string
			if tok == "{}" {
				c = "undefined"
			} else {
				dec := json.NewDecoder(bytes.NewReader([]byte(tok)))
				dec.UseNumber()
				var v any
				if err := dec.Decode(&v); err != nil {
					return nil, fmt.Errorf("partition key header %q: invalid component %q", h, tok)
				}
				var err error
				if c, err = canonicalScalar(v); err != nil {
					return nil, fmt.Errorf("partition key header %q: %w", h, err)
				}
			}
			out = append(out, c)
		}
		body = strings.TrimSpace(body)
		if body == "" {
			break
		}
		if body[0] != ',' {
			return nil, fmt.Errorf("partition key header %q: expected ',' between components", h)
		}
		body = strings.TrimSpace(body[1:])
		if body == "" {
			return nil, fmt.Errorf("partition key header %q: trailing ','", h)
		}
	}
	return out, nil
}

// stringEnd returns the index of the closing quote of the string starting at s[0].
func stringEnd(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return -1
}

func unquoteTolerant(lit string) (string, error) {
	var v string
	if err := json.Unmarshal([]byte(lit), &v); err == nil {
		return v, nil
	}
	v, err := strconv.Unquote(strings.ReplaceAll(lit, `\/`, `/`))
	if err != nil {
		return "", fmt.Errorf("invalid string component %s", lit)
	}
	return v, nil
}
