// Package redact masks secrets (tokens, signatures, keys, OAuth form
// fields) in text that is about to be printed or logged.
package redact

import "regexp"

// Patterns of secrets that may appear in URLs, headers and bodies that
// --debug prints: JWTs, the Cosmos authorization header's signature, OAuth
// form fields and JSON token fields, and account keys.
var redactPatterns = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`), "[REDACTED-JWT]"},
	{regexp.MustCompile(`(?i)(sig(?:%3D|=))[^&\s"]+`), "${1}[REDACTED]"},
	{regexp.MustCompile(`(?i)((?:client_secret|refresh_token|access_token|id_token|client_assertion|device_code|code|password)=)[^&\s"]+`), "${1}[REDACTED]"},
	{regexp.MustCompile(`(?i)("(?:client_secret|refresh_token|access_token|id_token|secret|account_key|accountKey|key)"\s*:\s*")[^"]*`), "${1}[REDACTED]"},
	{regexp.MustCompile(`(?i)(AccountKey=)[^;\s"]+`), "${1}[REDACTED]"},
}

// Secrets masks secrets in s so it can be printed with --debug.
func Secrets(s string) string {
	for _, p := range redactPatterns {
		s = p.re.ReplaceAllString(s, p.repl)
	}
	return s
}
