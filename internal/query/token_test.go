package query

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/query/merge"
)

func sp(s string) *string { return &s }

func sampleToken() Token {
	return Token{
		Query: QueryHash("shop", "orders", "SELECT * FROM c ORDER BY c.n", "[]", ""),
		Mode:  ModeMerge, PageSize: 50,
		State: merge.State{
			Ranges:  []merge.RangeState{{ID: "0", Min: "", Max: "40", Token: sp(`{"token":"+RID:~a#RT:1","range":{"min":"","max":"40"}}`), Consumed: 3}, {ID: "1", Min: "40", Max: "FF", Done: true}},
			Skipped: 2, Emitted: 10, Last: json.RawMessage(`{"a":1}`), Seen: []uint64{1, 99},
		},
	}
}

func TestTokenRoundTrip(t *testing.T) {
	in := sampleToken()
	s, err := EncodeToken(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, tokenPrefix) || strings.ContainsAny(s, " \n\"") {
		t.Fatalf("token %q is not a compact opaque string", s)
	}
	out, err := DecodeToken(s)
	if err != nil {
		t.Fatal(err)
	}
	in.Version = tokenVersion
	if !reflect.DeepEqual(*out, in) {
		t.Errorf("round trip changed the token:\n got %+v\nwant %+v", *out, in)
	}
}

func TestDecodeTokenRejects(t *testing.T) {
	good, _ := EncodeToken(sampleToken())
	// Structural checks are the same for both versions; the legacy prefix
	// needs no checksum.
	enc := func(js string) string { return legacyTokenPrefix + b64(js) }
	sum := func(js string) string { return tokenPrefix + b64(js) + "." + tokenChecksum([]byte(js)) }
	const v1 = `{"v":1,"q":"00000000000000000000000000000000","m":"merge","s":{"r":[{"id":"0"}]}}`
	const v2 = `{"v":2,"q":"00000000000000000000000000000000","m":"merge","s":{"r":[{"id":"0"}]}}`
	tests := []struct{ name, tok, want string }{
		{"empty", "", "not a cosmosctl continuation token"},
		{"service token", `{"token":"+RID:~x","range":{"min":"","max":"FF"}}`, "not a cosmosctl"},
		{"future version prefix", "cq9.abc", "unsupported version"},
		{"bad base64", tokenPrefix + "!!!.0123456789abcdef", "not base64url"},
		{"no checksum", sum(v2)[:len(sum(v2))-17], "no checksum"},
		{"wrong checksum", tokenPrefix + b64(v2) + ".0123456789abcdef", "checksum mismatch"},
		{"checksum of another payload", tokenPrefix + b64(v2) + "." + tokenChecksum([]byte(v1)), "checksum mismatch"},
		{"legacy payload with a checksum", sum(v1), "version 1"},
		{"current payload without a checksum", enc(v2), "version 2"},
		{"truncated", good[:len(good)-7], "corrupted"},
		{"unknown field", enc(`{"v":1,"q":"00000000000000000000000000000000","m":"merge","s":{"r":[{"id":"0"}]},"x":1}`), "corrupted"},
		{"bad version", enc(`{"v":2,"q":"00000000000000000000000000000000","m":"merge","s":{"r":[{"id":"0"}]}}`), "version 2"},
		{"bad mode", enc(`{"v":1,"q":"00000000000000000000000000000000","m":"zzz","s":{"r":[{"id":"0"}]}}`), "unknown mode"},
		{"no ranges", enc(`{"v":1,"q":"00000000000000000000000000000000","m":"merge","s":{"r":[]}}`), "partition ranges"},
		{"dup ranges", enc(`{"v":1,"q":"00000000000000000000000000000000","m":"merge","s":{"r":[{"id":"0"},{"id":"0"}]}}`), "range state"},
		{"negative", enc(`{"v":1,"q":"00000000000000000000000000000000","m":"merge","s":{"r":[{"id":"0","n":-1}]}}`), "range state"},
		{"single with two ranges", enc(`{"v":1,"q":"00000000000000000000000000000000","m":"single","s":{"r":[{"id":"0"},{"id":"1"}]}}`), "partition ranges"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeToken(tt.tok)
			var te *TokenError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want *TokenError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func b64(s string) string {
	tok, _ := EncodeToken(Token{})
	_ = tok
	return base64URL([]byte(s))
}

func FuzzDecodeContinuation(f *testing.F) {
	good, _ := EncodeToken(sampleToken())
	f.Add(good)
	f.Add("")
	f.Add(tokenPrefix)
	f.Add(legacyTokenPrefix + base64URL([]byte(`{"v":1,"q":"00000000000000000000000000000000","m":"merge","s":{"r":[{"id":"0","t":"x","n":5}],"l":"{"}}`)))
	f.Add(`{"token":"x"}`)
	f.Fuzz(func(t *testing.T, s string) {
		tok, err := DecodeToken(s)
		if err != nil {
			var te *TokenError
			if !errors.As(err, &te) {
				t.Fatalf("decode error is %T, want *TokenError", err)
			}
			return
		}
		// A token that decodes must re-encode and decode to the same value.
		again, err := EncodeToken(*tok)
		if err != nil {
			t.Fatal(err)
		}
		tok2, err := DecodeToken(again)
		if err != nil {
			t.Fatalf("re-encoded token rejected: %v", err)
		}
		third, _ := EncodeToken(*tok2)
		if third != again {
			t.Fatalf("re-encoding is not stable: %q vs %q", again, third)
		}
	})
}

func base64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// TestTokenSingleEdits: every one-character edit of a token, at every
// position, is refused or decodes to the very same state (an edit of the
// last base64 character's unused bits).
func TestTokenSingleEdits(t *testing.T) {
	good, err := EncodeToken(sampleToken())
	if err != nil {
		t.Fatal(err)
	}
	want, err := DecodeToken(good)
	if err != nil {
		t.Fatal(err)
	}
	refused, same := 0, 0
	for i := range len(good) {
		for _, c := range []byte{'A', 'a', 'z', '0', '9', 'f', '-', '_', '.', '=', ' ', '\x00', '\x1b'} {
			if good[i] == c {
				continue
			}
			edited := good[:i] + string(c) + good[i+1:]
			got, err := DecodeToken(edited)
			switch {
			case err != nil:
				var te *TokenError
				if !errors.As(err, &te) {
					t.Fatalf("edit %q at %d: error %T, want *TokenError", c, i, err)
				}
				refused++
			case reflect.DeepEqual(got, want):
				same++
			default:
				t.Errorf("edit %q at %d decodes to a different state:\n got %+v\nwant %+v", c, i, *got, *want)
			}
		}
	}
	t.Logf("%d single-character edits: %d refused, %d decode to the same state", refused+same, refused, same)
	if refused == 0 {
		t.Error("no edit was refused")
	}
}

// TestRunRefusesDamagedTokens: a damaged token is a usage error (exit 2)
// before any request is sent (the runner has no backend here).
func TestRunRefusesDamagedTokens(t *testing.T) {
	spec := Spec{Database: "shop", Container: "orders", Query: "SELECT * FROM c ORDER BY c.n"}
	tok := sampleToken()
	tok.Query = QueryHash(spec.Database, spec.Container, spec.Query, "null", "")
	good, err := EncodeToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	mid := len(good) / 2
	tests := []struct{ name, tok, want string }{
		{"NUL inside", good[:mid] + "\x00" + good[mid:], "corrupted"},
		{"escape inside", good[:mid] + "\x1b[0m" + good[mid:], "corrupted"},
		{"newline inside", good[:mid] + "\n" + good[mid:], "corrupted"},
		{"DEL at the end", good + "\x7f", "control characters"},
		{"bell in front", "\a" + good, "control characters"},
		{"other container", func() string {
			o := tok
			o.Query = QueryHash(spec.Database, "orders2", spec.Query, "null", "")
			s, _ := EncodeToken(o)
			return s
		}(), "different query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := spec
			spec.Continuation = tt.tok
			_, err := (&Runner{}).Run(context.Background(), spec, func(json.RawMessage) error { return nil })
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want a usage error mentioning %q", err, tt.want)
			}
		})
	}
}
