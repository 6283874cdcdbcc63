package query

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cosmosctl/cosmosctl/internal/query/merge"
)

// tokenPrefix marks cosmosctl continuation tokens and their version.
const tokenPrefix = "cq1."

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

// EncodeToken renders a token for the user.
func EncodeToken(t Token) (string, error) {
	t.Version = 1
	b, err := json.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("encode continuation token: %w", err)
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b), nil
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
	if !strings.HasPrefix(s, tokenPrefix) {
		if strings.HasPrefix(s, "cq") {
			return nil, &TokenError{"written by an unsupported version of cosmosctl"}
		}
		return nil, &TokenError{"not a cosmosctl continuation token (pass the token cosmosctl printed, not a raw service token)"}
	}
	raw, err := base64.RawURLEncoding.DecodeString(s[len(tokenPrefix):])
	if err != nil {
		return nil, &TokenError{"corrupted (not base64url)"}
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
	if t.Version != 1 {
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
