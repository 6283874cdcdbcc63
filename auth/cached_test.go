package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// countingCredential issues numbered JWT-shaped tokens of a fixed lifetime.
type countingCredential struct {
	mu       sync.Mutex
	now      func() time.Time
	lifetime time.Duration
	calls    int
}

func (c *countingCredential) GetToken(ctx context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	now := c.now()
	exp := now.Add(c.lifetime)
	body, _ := json.Marshal(map[string]any{"iat": now.Unix(), "exp": exp.Unix(), "n": c.calls})
	tok := "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(body) + ".sig"
	return azcore.AccessToken{Token: tok, ExpiresOn: exp}, nil
}

func TestUsableCredential(t *testing.T) {
	base := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		lifetime   time.Duration
		wantMargin time.Duration
		// calls at these offsets from the first; want the inner calls after each
		at    []time.Duration
		calls []int
	}{
		{"an hour: MSAL's 5 minutes", time.Hour, RefreshMargin,
			[]time.Duration{0, 30 * time.Minute, 54*time.Minute + 59*time.Second, 55 * time.Minute}, []int{1, 1, 1, 2}},
		{"3 s: a quarter", 3 * time.Second, 750 * time.Millisecond,
			[]time.Duration{0, 2 * time.Second, 2250 * time.Millisecond, 2500 * time.Millisecond}, []int{1, 1, 2, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			now := base
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			inner := &countingCredential{now: clock, lifetime: tt.lifetime}
			c := newUsableCredential(inner, clock)
			opts := policy.TokenRequestOptions{Scopes: []string{"https://acct/.default"}}
			for i, d := range tt.at {
				mu.Lock()
				now = base.Add(d)
				mu.Unlock()
				tok, err := c.GetToken(context.Background(), opts)
				if err != nil {
					t.Fatal(err)
				}
				if inner.calls != tt.calls[i] {
					t.Fatalf("at +%v: %d inner calls, want %d", d, inner.calls, tt.calls[i])
				}
				if i == 0 {
					if want := base.Add(tt.lifetime - tt.wantMargin); !tok.ExpiresOn.Equal(want) {
						t.Fatalf("reported expiry %v, want %v (margin %v)", tok.ExpiresOn, want, tt.wantMargin)
					}
				}
			}
			// A claims challenge always reaches the inner credential.
			before := inner.calls
			if _, err := c.GetToken(context.Background(), policy.TokenRequestOptions{Scopes: opts.Scopes, Claims: `{"x":1}`}); err != nil || inner.calls != before+1 {
				t.Fatalf("claims request: %v, %d inner calls, want %d", err, inner.calls, before+1)
			}
		})
	}
}
