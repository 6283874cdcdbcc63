package claims

import (
	"encoding/base64"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func jwt(payload string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","kid":"k"}`)) + "." + enc([]byte(payload)) + ".sig"
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name      string
		token     string
		principal string
		user      string
		app       bool
		check     func(t *testing.T, c *Claims)
	}{
		{
			name:      "user v1",
			token:     jwt(`{"aud":"https://acct.documents.azure.com","iss":"https://sts/t/","tid":"t1","oid":"o1","upn":"alice@contoso.com","name":"Alice","appid":"04b07795","scp":"user_impersonation openid","groups":["g1","g2"],"exp":1800000000,"iat":1799996400,"nbf":1799996400}`),
			principal: "alice@contoso.com", user: "alice@contoso.com",
			check: func(t *testing.T, c *Claims) {
				if c.Audience != "https://acct.documents.azure.com" || c.TenantID != "t1" || c.ObjectID != "o1" || c.ClientID() != "04b07795" {
					t.Errorf("fields: %+v", c)
				}
				if !reflect.DeepEqual(c.Scopes, []string{"user_impersonation", "openid"}) || len(c.Groups) != 2 {
					t.Errorf("scopes %v groups %v", c.Scopes, c.Groups)
				}
				if !c.ExpiresAt.Equal(time.Unix(1800000000, 0)) || !c.IssuedAt.Equal(time.Unix(1799996400, 0)) {
					t.Errorf("times %v %v", c.ExpiresAt, c.IssuedAt)
				}
			},
		},
		{
			name:      "user v2 preferred_username, aud array, padded payload",
			token:     jwt(`{"aud":["https://cosmos.azure.com"],"preferred_username":"bob@x","azp":"cid","scp":"a","exp":1.8e9}`) + "",
			principal: "bob@x", user: "bob@x",
			check: func(t *testing.T, c *Claims) {
				if c.Audience != "https://cosmos.azure.com" || c.ClientID() != "cid" || c.ExpiresAt.Unix() != 1800000000 {
					t.Errorf("fields: %+v", c)
				}
			},
		},
		{
			name:      "application",
			token:     jwt(`{"aud":"https://x","appid":"app-1","oid":"sp-oid","idtyp":"app","roles":["Data.Read"],"name":"ci"}`),
			principal: "ci", app: true,
			check: func(t *testing.T, c *Claims) {
				if !reflect.DeepEqual(c.Roles, []string{"Data.Read"}) {
					t.Errorf("roles %v", c.Roles)
				}
			},
		},
		{
			name:      "application without idtyp or name",
			token:     jwt(`{"appid":"app-2","oid":"o"}`),
			principal: "app-2", app: true,
		},
		{
			name:      "group overage claim",
			token:     jwt(`{"upn":"u","groups":{"src1":"x"}}`),
			principal: "u", user: "u",
			check: func(t *testing.T, c *Claims) {
				if c.Groups != nil {
					t.Errorf("groups %v", c.Groups)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Decode(tt.token)
			if err != nil {
				t.Fatal(err)
			}
			if c.Principal() != tt.principal || c.User() != tt.user || c.IsApp() != tt.app {
				t.Fatalf("principal %q user %q app %v", c.Principal(), c.User(), c.IsApp())
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tok := range []string{"", "opaque-token", "a.b", "a.!!!.c", "a." + base64.RawURLEncoding.EncodeToString([]byte("[1]")) + ".c"} {
		if _, err := Decode(tok); !errors.Is(err, ErrNotJWT) {
			t.Errorf("Decode(%q): want ErrNotJWT, got %v", tok, err)
		}
	}
}

func TestDecodeGroupsOverage(t *testing.T) {
	cases := []struct {
		name, payload string
		groups        []string
		overage       bool
	}{
		{"groups", `{"groups":["g1","g2"]}`, []string{"g1", "g2"}, false},
		{"no groups claim", `{"oid":"x"}`, nil, false},
		{"v1 overage", `{"_claim_names":{"groups":"src1"},"_claim_sources":{"src1":{"endpoint":"https://graph.microsoft.com/v1.0/users/x/getMemberObjects"}}}`, nil, true},
		{"implicit overage", `{"hasgroups":true}`, nil, true},
		{"other moved claim", `{"_claim_names":{"roles":"src1"},"groups":["g1"]}`, []string{"g1"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Decode(jwt(c.payload))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(got.Groups, ",") != strings.Join(c.groups, ",") || (got.Groups == nil) != (c.groups == nil) || got.GroupsOverage != c.overage {
				t.Fatalf("groups %v overage %v, want %v %v", got.Groups, got.GroupsOverage, c.groups, c.overage)
			}
		})
	}
}
