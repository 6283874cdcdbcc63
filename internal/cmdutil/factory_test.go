package cmdutil_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/cmdtest"
	"github.com/cosmosctl/cosmosctl/internal/cosmos"
)

// The factory builds each object once per invocation, and --debug
// reaches the one HTTP client.
func TestFactoryBuildsOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	for _, debug := range []bool{false, true} {
		env := map[string]string{"COSMOSCTL_ENDPOINT": "https://acct.documents.azure.com:443/", "COSMOSCTL_KEY": "a2V5"}
		f, _, _, errOut := cmdtest.NewFactory(t.TempDir(), env)
		f.Flags.Debug = debug
		ctx := context.Background()

		s1, err1 := f.Settings()
		s2, err2 := f.Settings()
		if err1 != nil || err2 != nil || s1 != s2 {
			t.Fatalf("Settings: %p %v, %p %v; want one value", s1, err1, s2, err2)
		}
		h1, _ := f.HTTPClient()
		h2, _ := f.HTTPClient()
		sess1, _ := f.AuthSession()
		sess2, _ := f.AuthSession()
		c1, err1 := f.CosmosClient(ctx)
		c2, err2 := f.CosmosClient(ctx)
		if err1 != nil || err2 != nil {
			t.Fatalf("CosmosClient: %v, %v", err1, err2)
		}
		if h1 == nil || h1 != h2 || sess1 == nil || sess1 != sess2 || c1 != c2 || c1.Method != "key" {
			t.Fatalf("debug=%v: built more than once: http %p %p, session %p %p, cosmos %p %p", debug, h1, h2, sess1, sess2, c1, c2)
		}
		if sess1.Settings != s1 {
			t.Error("the auth session has other settings than the invocation")
		}
		resp, err := h1.Get(srv.URL + "/dbs")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if logged := strings.Contains(errOut.String(), "debug: http GET "+srv.URL+"/dbs"); logged != debug {
			t.Errorf("debug=%v: stderr %q", debug, errOut.String())
		}
	}
}

// Settings problems are reported before anything signs in.
func TestFactoryCosmosClientChecksBeforeSigningIn(t *testing.T) {
	tests := []struct {
		name     string
		endpoint string
		want     string
	}{
		{"no endpoint", "", `no Cosmos DB endpoint for profile "default"`},
		{"not a URL", "acct.documents.azure.com", "is not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _, _ := cmdtest.NewFactory(t.TempDir(), map[string]string{"COSMOSCTL_ENDPOINT": tt.endpoint})
			f.Credentials = func(context.Context) (*cosmos.Credentials, error) {
				t.Error("signed in before checking the endpoint")
				return nil, errors.New("no")
			}
			if _, err := f.CosmosClient(context.Background()); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("CosmosClient: %v, want %q", err, tt.want)
			}
		})
	}
}
