package cosmos

// UnescapeHTML undoes the HTML escaping that azcosmos adds when it
// re-marshals items it returns as [][]byte (ReadManyItems, query pages):
// encoding/json writes <, >, & and U+2028/U+2029 inside strings as
// \u003c, \u003e, \u0026, \u2028 and \u2029. The service sent those
// characters literally, so turning the escapes back gives the stored
// bytes (only a document that stored the escape sequences themselves
// comes back with the equivalent literal character). Other escapes,
// including an escaped backslash before "u003c", are left alone.
func UnescapeHTML(b []byte) []byte {
	out := b[:0:0]
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		if b[i+1] == 'u' && i+6 <= len(b) {
			if lit := htmlEscaped(string(b[i+2 : i+6])); lit != "" {
				out = append(out, lit...)
				i += 5
				continue
			}
		}
		// Any other escape: copy it whole so its second byte is not
		// mistaken for the start of another escape.
		out = append(out, b[i], b[i+1])
		i++
	}
	return out
}

// htmlEscaped returns the character encoding/json's HTML-safe escape
// \uHHHH stands for, or "" for any other code.
func htmlEscaped(hex string) string {
	switch hex {
	case "003c":
		return "<"
	case "003e":
		return ">"
	case "0026":
		return "&"
	case "2028":
		return "\u2028"
	case "2029":
		return "\u2029"
	}
	return ""
}
