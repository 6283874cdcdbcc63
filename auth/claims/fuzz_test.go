package claims

import (
	"encoding/base64"
	"errors"
	"testing"
)

// FuzzDecode: any token, or any payload in a JWT, decodes or is refused
// as not a JWT; it never panics.
func FuzzDecode(f *testing.F) {
	for _, p := range []string{
		`{"aud":"https://cosmos.azure.com","scp":"user_impersonation","exp":1700000000,"groups":["g1"]}`,
		`{"aud":["a","b"],"exp":1.5e9,"iat":"x","_claim_names":{"groups":"src1"},"hasgroups":true}`,
		`{"groups":{"x":1},"exp":1e400}`, `[]`, `null`, `{"exp":-9223372036854775809}`, `{`,
	} {
		f.Add("h." + base64.RawURLEncoding.EncodeToString([]byte(p)) + ".s")
	}
	f.Add("not-a-jwt")
	f.Add("a.b.c.d")
	f.Add("..")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := Decode(tok)
		if err != nil {
			if !errors.Is(err, ErrNotJWT) {
				t.Fatalf("%q: error %v does not wrap ErrNotJWT", tok, err)
			}
			return
		}
		if c == nil {
			t.Fatalf("%q: nil claims without an error", tok)
		}
	})
}
