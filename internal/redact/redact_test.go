package redact

import (
	"strings"
	"testing"
)

func TestSecrets(t *testing.T) {
	jwt := "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJvaWQiOiJ4In0.c2lnbmF0dXJl"
	cases := []struct {
		name, in, secret string
	}{
		{"bare jwt", "token " + jwt, jwt},
		{"aad header", "Authorization: type=aad&ver=1.0&sig=" + jwt, "c2lnbmF0dXJl"},
		{"master header encoded", "type%3Dmaster%26ver%3D1.0%26sig%3DkorEJrfs6WvHDf08oob9DsrUxytEsYeDrat9Q1bz", "korEJrfs6Wv"},
		{"form secret", "grant_type=client_credentials&client_secret=s3cr3t&scope=x", "s3cr3t"},
		{"refresh form", "refresh_token=0.AAAA-long&grant_type=refresh_token", "0.AAAA-long"},
		{"json token", `{"access_token":"abc.def","refresh_token":"r-123"}`, "r-123"},
		{"sandbox json key", `{"account_key": "QUJDREVG"}`, "QUJDREVG"},
		{"connection string", "AccountEndpoint=https://x/;AccountKey=QUJD==;", "QUJD=="},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Secrets(tc.in)
			if strings.Contains(got, tc.secret) {
				t.Fatalf("Secrets(%q) = %q still holds the secret", tc.in, got)
			}
			if !strings.Contains(got, "REDACTED") {
				t.Fatalf("Secrets(%q) = %q has no redaction mark", tc.in, got)
			}
		})
	}
	if got := Secrets("SELECT * FROM c WHERE c.code = 'x'"); got != "SELECT * FROM c WHERE c.code = 'x'" {
		t.Fatalf("harmless text changed: %q", got)
	}
}
