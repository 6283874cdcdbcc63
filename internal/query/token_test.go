package query

import (
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
	in.Version = 1
	if !reflect.DeepEqual(*out, in) {
		t.Errorf("round trip changed the token:\n got %+v\nwant %+v", *out, in)
	}
}

func TestDecodeTokenRejects(t *testing.T) {
	good, _ := EncodeToken(sampleToken())
	enc := func(js string) string { return tokenPrefix + b64(js) }
	tests := []struct{ name, tok, want string }{
		{"empty", "", "not a cosmosctl continuation token"},
		{"service token", `{"token":"+RID:~x","range":{"min":"","max":"FF"}}`, "not a cosmosctl"},
		{"future version prefix", "cq9.abc", "unsupported version"},
		{"bad base64", tokenPrefix + "!!!", "not base64url"},
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
	f.Add(tokenPrefix + base64URL([]byte(`{"v":1,"q":"00000000000000000000000000000000","m":"merge","s":{"r":[{"id":"0","t":"x","n":5}],"l":"{"}}`)))
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
