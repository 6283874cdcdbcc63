package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
	"github.com/golang-jwt/jwt/v5"
)

func TestAuthFailuresWithSDK(t *testing.T) {
	fixed := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	wrongKey := strings.Repeat("A", 86) + "=="
	tests := []struct {
		name    string
		mutate  func(*Config)
		client  func(f *fixture) *azcosmos.Client
		status  int
		sub     string
		message func(f *fixture) string // exact text before the ActivityId tail
		prefix  string                  // or just a prefix
	}{
		{
			name:   "wrong master key",
			client: func(f *fixture) *azcosmos.Client { return f.keyClient(wrongKey) },
			status: 401, sub: "0", prefix: msgSignature + " Server used the following payload to sign: 'get\n\n\n",
		},
		{
			name:   "local auth disabled",
			mutate: func(c *Config) { c.LocalAuthDisabled = true },
			client: func(f *fixture) *azcosmos.Client { return f.keyClient(testKeyString()) },
			status: 401, sub: "0", message: func(*fixture) string { return msgLocalAuthOff },
		},
		{
			name:   "expired token",
			mutate: func(c *Config) { c.Now = func() time.Time { return fixed } },
			client: func(f *fixture) *azcosmos.Client {
				return f.aadClient(jwt.MapClaims{"exp": time.Date(2026, 11, 28, 11, 5, 9, 0, time.UTC).Unix()})
			},
			status: 401, sub: "5006",
			message: func(*fixture) string {
				return "Request blocked by Auth " + testAccount + " : Provided AAD token has been expired since [11/28/2026 11:05:09 AM (UTC)]. Current server time is [11/28/2026 12:00:00 PM (UTC)]. Please refresh the AAD token."
			},
		},
		{
			name: "wrong audience",
			client: func(f *fixture) *azcosmos.Client {
				return f.aadClient(jwt.MapClaims{"aud": "https://other.documents.azure.com"})
			},
			status: 401, sub: "5008",
			message: func(f *fixture) string {
				host := strings.TrimPrefix(f.srv.URL, "https://")
				return "Provided AAD token is intended for [https://other.documents.azure.com/]. This database account accepts tokens intended for [https://127.0.0.1, https://" + host + ", https://cosmos.azure.com]."
			},
		},
		{
			name: "bad signature",
			client: func(f *fixture) *azcosmos.Client {
				// A different RSA key under the trusted kid.
				c, err := azcosmos.NewClient(f.srv.URL, &tokenCred{key: otherRSAKey(), kid: testKid}, f.clientOptions())
				if err != nil {
					t.Fatal(err)
				}
				return c
			},
			status: 401, sub: "0", prefix: "Request blocked by Auth " + testAccount + " : Provided AAD token is invalid: the signature could not be verified",
		},
		{
			name:   "unknown kid",
			client: func(f *fixture) *azcosmos.Client { return mustClient(t, f, &tokenCred{key: f.key, kid: "other"}) },
			status: 401, sub: "0", prefix: "Request blocked by Auth " + testAccount + " : Provided AAD token is invalid: ",
		},
		{
			name:   "wrong tenant",
			client: func(f *fixture) *azcosmos.Client { return f.aadClient(jwt.MapClaims{"tid": "evil"}) },
			status: 401, sub: "0", prefix: "Request blocked by Auth " + testAccount + " : Provided AAD token is invalid: tenant [evil]",
		},
		{
			name:   "wrong issuer",
			client: func(f *fixture) *azcosmos.Client { return f.aadClient(jwt.MapClaims{"iss": "https://evil/"}) },
			status: 401, sub: "0", prefix: "Request blocked by Auth " + testAccount + " : Provided AAD token is invalid: issuer [https://evil/]",
		},
		{
			name: "not yet valid",
			client: func(f *fixture) *azcosmos.Client {
				return f.aadClient(jwt.MapClaims{"nbf": time.Now().Add(time.Hour).Unix()})
			},
			status: 401, sub: "0", prefix: "Request blocked by Auth " + testAccount + " : Provided AAD token is invalid: the token is not valid before",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.mutate)
			c := tt.client(f)
			_, err := containerClient(t, c, "shop", "single").ReadItem(context.Background(), azcosmos.NewPartitionKeyString("str"), "s", nil)
			st, sub, body := respErr(t, err)
			if st != tt.status || sub != tt.sub {
				t.Errorf("got %d/%s, want %d/%s (%s)", st, sub, tt.status, tt.sub, body.Message)
			}
			if body.Code != "Unauthorized" {
				t.Errorf("code = %q", body.Code)
			}
			text := messageText(body.Message)
			if tt.message != nil && text != tt.message(f) {
				t.Errorf("message\n got %q\nwant %q", text, tt.message(f))
			}
			if tt.prefix != "" && !strings.HasPrefix(text, tt.prefix) {
				t.Errorf("message\n got %q\nwant prefix %q", text, tt.prefix)
			}
		})
	}
}

func mustClient(t *testing.T, f *fixture, cred *tokenCred) *azcosmos.Client {
	t.Helper()
	c, err := azcosmos.NewClient(f.srv.URL, cred, f.clientOptions())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAuthAccepted(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		client func(f *fixture) *azcosmos.Client
	}{
		{"master key", nil, func(f *fixture) *azcosmos.Client { return f.keyClient(testKeyString()) }},
		{"emulator key", func(c *Config) { c.AcceptEmulatorKey = true }, func(f *fixture) *azcosmos.Client { return f.keyClient(emulatorKey) }},
		{"token for host", nil, func(f *fixture) *azcosmos.Client { return f.aadClient(nil) }},
		{"token for host:port", nil, func(f *fixture) *azcosmos.Client {
			return f.aadClient(jwt.MapClaims{"aud": f.srv.URL + "/"})
		}},
		{"token for cosmos.azure.com via audience override", nil, func(f *fixture) *azcosmos.Client {
			o := f.clientOptions()
			o.Cloud.Services = map[cloud.ServiceName]cloud.ServiceConfiguration{azcosmos.ServiceName: {Audience: "https://cosmos.azure.com"}}
			c, err := azcosmos.NewClient(f.srv.URL, &tokenCred{key: f.key, kid: testKid}, o)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}},
		{"token via group", nil, func(f *fixture) *azcosmos.Client {
			return f.aadClient(jwt.MapClaims{"oid": "someone", "groups": []string{"g0", "group-admin"}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.mutate)
			r, err := containerClient(t, tt.client(f), "shop", "single").ReadItem(context.Background(), azcosmos.NewPartitionKeyString("str"), "s", nil)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(r.Value), `"id":"s"`) {
				t.Errorf("value %s", r.Value)
			}
		})
	}
}

func TestAuthRawRequests(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name   string
		hdr    map[string]string
		sign   bool
		status int
		sub    string
		text   string
	}{
		{"missing header", nil, false, 401, "5000", msgMissingAuth},
		{"missing date", map[string]string{"x-ms-date": ""}, true, 401, "0", msgMissingDate},
		{"bearer", map[string]string{"Authorization": "Bearer eyJ0eXAiOiJKV1QifQ.e30.x"}, false, 401, "5001", msgBadAuthFormat},
		{"garbage", map[string]string{"Authorization": "type=master&ver=1.0"}, false, 401, "5001", msgBadAuthFormat},
		{"unknown type", map[string]string{"Authorization": "type=resource&ver=1.0&sig=abc"}, false, 401, "5001", msgBadAuthFormat},
		{"unparseable date", map[string]string{"x-ms-date": "yesterday"}, true, 401, "0", msgMissingDate},
		{"stale date", map[string]string{"x-ms-date": "Sat, 28 Nov 2020 12:00:00 GMT"}, true, 403, "0",
			"The authorization token is not valid at the current time. Please create another token and retry (token start time: Sat, 28 Nov 2020 12:00:00 GMT, token expiry time: Sat, 28 Nov 2020 12:15:00 GMT, current server time: …"},
		{"malformed aad", map[string]string{"Authorization": "type%3Daad%26ver%3D1.0%26sig%3Dnot-a-jwt"}, false, 401, "0",
			"Request blocked by Auth " + testAccount + " : Provided AAD token is invalid: the token is not a well-formed JWT."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := f.rawRequest(http.MethodGet, "/dbs/shop", nil, tt.hdr, tt.sign)
			var body errorBody
			if err := json.Unmarshal(readBody(t, resp), &body); err != nil {
				t.Fatal(err)
			}
			text := messageText(body.Message)
			textOK := text == tt.text
			if p, ok := strings.CutSuffix(tt.text, "…"); ok {
				textOK = strings.HasPrefix(text, p)
			}
			if resp.StatusCode != tt.status || resp.Header.Get("x-ms-substatus") != tt.sub || !textOK {
				t.Errorf("got %d/%s %q", resp.StatusCode, resp.Header.Get("x-ms-substatus"), body.Message)
			}
			if !strings.HasSuffix(body.Message, ", "+serverInfo) {
				t.Errorf("message tail: %q", body.Message)
			}
		})
	}
	// The signed request itself succeeds, also with the AAD form url-encoded.
	if resp := f.rawRequest(http.MethodGet, "/dbs/shop", nil, nil, true); resp.StatusCode != 200 {
		t.Errorf("signed request: %d", resp.StatusCode)
	}
	tok, err := (&tokenCred{key: f.key, kid: testKid}).GetToken(context.Background(), policy.TokenRequestOptions{Scopes: []string{"https://127.0.0.1/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"type=aad&ver=1.0&sig=" + tok.Token, "type%3Daad%26ver%3D1.0%26sig%3D" + tok.Token} {
		if resp := f.rawRequest(http.MethodGet, "/dbs/shop", nil, map[string]string{"Authorization": h}, false); resp.StatusCode != 200 {
			t.Errorf("%.30s…: %d %s", h, resp.StatusCode, readBody(t, resp))
		}
	}
}
