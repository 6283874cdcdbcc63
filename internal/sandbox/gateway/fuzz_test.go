package gateway

import (
	"encoding/json"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/engine"
)

// FuzzParsePartitionKeyHeader: the header parser never panics, and whatever it
// accepts canonicalises to valid JSON components (or "undefined").
func FuzzParsePartitionKeyHeader(f *testing.F) {
	for _, s := range []string{`["a"]`, `["\U0001f600"]`, `["a\x01b"]`, `[1.5,true,null]`, `[{}]`, `[`, `["\`, `[1,]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		comps, err := parsePartitionKeyHeader(s)
		if err != nil {
			return
		}
		for _, c := range comps {
			if c != "undefined" && !json.Valid([]byte(c)) {
				t.Fatalf("%q: component %q is not JSON", s, c)
			}
		}
	})
}

// FuzzContinuation: decoding never panics and encode/decode round-trips.
func FuzzContinuation(f *testing.F) {
	f.Add(`{"token":"+RID:~x#RT:1#TRC:3#SBX:1#QH:ab","range":{"min":"","max":"FF"}}`, 2, 5)
	f.Add(`garbage`, 0, 0)
	f.Fuzz(func(t *testing.T, tok string, unit, offset int) {
		_, _ = decodeContinuation(tok)
		if unit < 0 || offset < 0 {
			return
		}
		want := continuation{unit: unit, offset: offset, hash: "abc"}
		got, err := decodeContinuation(encodeContinuation("rid", want, engine.Range{ID: "0", MaxExclusive: "FF"}))
		if err != nil || got != want {
			t.Fatalf("round trip %+v → %+v, %v", want, got, err)
		}
	})
}
