package query

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"github.com/cosmosctl/cosmosctl/internal/query/merge"
)

// Prefixes mark cosmosctl continuation tokens and their version. Version 2
// appends a checksum of the content; version 1 tokens (no checksum), printed
// by earlier builds, are still accepted so a saved position keeps working.
const (
	tokenPrefix       = "cq2."
	legacyTokenPrefix = "cq1."
	tokenVersion      = 2
	checksumLen       = 16 // hex digits of SHA-256
)

// Token is a cosmosctl continuation token: the query it belongs to and
// the merge state (per-range continuations, rows consumed, OFFSET/LIMIT
// counts, DISTINCT state). Users treat it as opaque.
type Token struct {
	Version  int         `json:"v"`
	Query    string      `json:"q"` // QueryHash of the query it continues
	Mode     string      `json:"m"` // single | direct | merge
	PageSize int32       `json:"p,omitempty"`
	State    merge.State `json:"s"`
}

// Modes of execution a token can continue.
const (
	ModeSingle = "single" // one logical partition (--pk)
	ModeDirect = "direct" // the gateway served the query itself
	ModeMerge  = "merge"  // client-side cross-partition merge
)

// Limits that keep a hostile token from exhausting memory.
const (
	maxTokenLen    = 8 << 20
	maxTokenRanges = 4096
)

// QueryHash identifies a query for token validation: container, text,
// parameters and partition key all take part.
func QueryHash(db, coll, query, params, pk string) string {
	h := sha256.New()
	for _, s := range []string{db, coll, query, params, pk} {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// EncodeToken renders a token for the user: "cq2." PAYLOAD "." CHECKSUM.
// The checksum detects damage and hand edits; it is not a secret (the
// binding to the query is Token.Query).
func EncodeToken(t Token) (string, error) {
	t.Version = tokenVersion
	b, err := json.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("encode continuation token: %w", err)
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b) + "." + tokenChecksum(b), nil
}

// tokenChecksum covers the version prefix and the decoded payload.
func tokenChecksum(payload []byte) string {
	h := sha256.New()
	h.Write([]byte(tokenPrefix))
	h.Write(payload)
	return hex.EncodeToString(h.Sum(nil))[:checksumLen]
}

// TokenError is a continuation token that cannot be used (exit 2).
type TokenError struct{ Reason string }

func (e *TokenError) Error() string { return "invalid continuation token: " + e.Reason }

// DecodeToken parses and structurally validates a token. It never panics,
// whatever the input (see FuzzDecodeContinuation).
func DecodeToken(s string) (*Token, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxTokenLen {
		return nil, &TokenError{"too long"}
	}
	// The base64 decoder would skip line breaks inside; a token is one word.
	if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || unicode.IsSpace(r) }) {
		return nil, &TokenError{"corrupted (it holds spaces or control characters; pass it exactly as cosmosctl printed it)"}
	}
	var (
		payload, sum string
		version      int
	)
	switch {
	case strings.HasPrefix(s, tokenPrefix):
		var ok bool
		payload, sum, ok = strings.Cut(s[len(tokenPrefix):], ".")
		if !ok {
			return nil, &TokenError{"corrupted (no checksum: was it cut short?)"}
		}
		version = tokenVersion
	case strings.HasPrefix(s, legacyTokenPrefix):
		payload, version = s[len(legacyTokenPrefix):], 1
	case strings.HasPrefix(s, "cq"):
		return nil, &TokenError{"written by an unsupported version of cosmosctl"}
	default:
		return nil, &TokenError{"not a cosmosctl continuation token (pass the token cosmosctl printed, not a raw service token)"}
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, &TokenError{"corrupted (not base64url)"}
	}
	if version == tokenVersion && sum != tokenChecksum(raw) {
		return nil, &TokenError{"corrupted (checksum mismatch: the token was damaged or edited; pass it exactly as cosmosctl printed it)"}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var t Token
	if err := dec.Decode(&t); err != nil {
		return nil, &TokenError{"corrupted (" + err.Error() + ")"}
	}
	if dec.More() {
		return nil, &TokenError{"corrupted (trailing data)"}
	}
	if t.Version != version {
		return nil, &TokenError{fmt.Sprintf("version %d is not supported", t.Version)}
	}
	if len(t.Query) != 32 {
		return nil, &TokenError{"corrupted (query id)"}
	}
	if _, err := hex.DecodeString(t.Query); err != nil {
		return nil, &TokenError{"corrupted (query id)"}
	}
	switch t.Mode {
	case ModeSingle, ModeDirect, ModeMerge:
	default:
		return nil, &TokenError{fmt.Sprintf("unknown mode %q", t.Mode)}
	}
	st := t.State
	if t.PageSize < -1 || st.Drained < 0 || st.Skipped < 0 || st.Emitted < 0 {
		return nil, &TokenError{"corrupted (negative counts)"}
	}
	if len(st.Ranges) == 0 || len(st.Ranges) > maxTokenRanges {
		return nil, &TokenError{"corrupted (partition ranges)"}
	}
	if t.Mode != ModeMerge && len(st.Ranges) != 1 {
		return nil, &TokenError{"corrupted (partition ranges)"}
	}
	seen := map[string]bool{}
	for _, r := range st.Ranges {
		if r.ID == "" || seen[r.ID] || r.Consumed < 0 || len(r.Skip) > r.Consumed ||
			(r.Group == "") != (len(r.Pending) == 0) {
			return nil, &TokenError{"corrupted (partition range state)"}
		}
		seen[r.ID] = true
	}
	if len(st.LastKey) > 0 {
		var items []map[string]json.RawMessage
		if err := json.Unmarshal(st.LastKey, &items); err != nil {
			return nil, &TokenError{"corrupted (sort key)"}
		}
	}
	if len(st.Last) > 0 {
		if _, err := merge.Canonical(st.Last); err != nil {
			return nil, &TokenError{"corrupted (distinct state)"}
		}
	}
	return &t, nil
}

func decodeBase64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}
