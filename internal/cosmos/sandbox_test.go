package cosmos_test

import (
	"encoding/json"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/httpclient"
	"github.com/cosmosctl/cosmosctl/internal/sandbox"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

// coreHTMLDoc is stored as is; azcosmos re-marshals read-many items with
// HTML escapes that ReadMany must undo.
const coreHTMLDoc = `{"id":"html","k":"h","markup":"<b>Tom & Jerry</b>","sep":"a` + "\u2028" + `b","n":1.0000000000000001}`

// coreSeed is the demo seed plus a database "core" whose containers have
// every kind of key: scalars of each type, hierarchical and nested paths.
func coreSeed(t *testing.T) *seed.Seed {
	t.Helper()
	s := seed.Demo()
	sixty, on := 60, -1
	s.Databases = append(s.Databases, seed.Database{ID: "core", Containers: []seed.Container{
		{ID: "mixed", PartitionKey: seed.PartitionKey{Paths: []string{"/k"}, Kind: "Hash"}, PhysicalPartitions: 3, Items: []json.RawMessage{
			json.RawMessage(`{"id":"s","k":"a b","v":1}`),
			json.RawMessage(`{"id":"n","k":42,"v":2}`),
			json.RawMessage(`{"id":"two","k":2.0,"v":3}`),
			json.RawMessage(`{"id":"z","k":null,"v":4}`),
			json.RawMessage(`{"id":"b","k":true,"v":5}`),
			json.RawMessage(`{"id":"u","k":"Zoë 東京","v":6,"e":"\u00e9t\u00e9 \ud83d\ude80"}`),
			json.RawMessage(`{"zeta":1,"id":"order","k":"o","alpha":2,"big":9223372036854775807}`),
			json.RawMessage(coreHTMLDoc),
		}},
		{ID: "tree", PartitionKey: seed.PartitionKey{Paths: []string{"/t", "/u"}, Kind: "MultiHash"}, PhysicalPartitions: 2, DefaultTTL: &sixty, Items: []json.RawMessage{
			json.RawMessage(`{"id":"e1","t":"t1","u":"u1"}`),
			json.RawMessage(`{"id":"e1","t":"t1","u":"u2"}`),
			json.RawMessage(`{"id":"e2","t":"t2","u":5}`),
		}},
		{ID: "nested", PartitionKey: seed.PartitionKey{Paths: []string{"/a/b"}, Kind: "Hash"}, DefaultTTL: &on, Items: []json.RawMessage{
			json.RawMessage(`{"id":"n1","a":{"b":"x"}}`),
		}},
	}})
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	return s
}

// coreEnv is a running sandbox and a client for it.
type coreEnv struct {
	sb        *sandbox.Sandbox
	configDir string
	client    *cosmos.Client // signed in with the account key
}

// startCore starts the sandbox with coreSeed and builds a client the way
// commands build theirs, signed in with the account key.
func startCore(t *testing.T) *coreEnv {
	t.Helper()
	dir := t.TempDir()
	sb := sandboxtest.Start(t, sandboxtest.WithConfigDir(dir), sandboxtest.WithSeed(coreSeed(t)))
	c := newClient(t, sb, cosmos.Credentials{Method: "key", Key: sb.AccountKey})
	return &coreEnv{sb: sb, configDir: dir, client: c}
}

// newClient builds a *cosmos.Client for the sandbox through
// cosmos.NewClient, trusting its CA, without retries.
func newClient(t *testing.T, sb *sandbox.Sandbox, creds cosmos.Credentials) *cosmos.Client {
	t.Helper()
	hc, err := httpclient.New(httpclient.Options{CAFile: sb.CAFile})
	if err != nil {
		t.Fatal(err)
	}
	c, err := cosmos.NewClient(sb.Endpoint, creds, &cosmos.Options{HTTPClient: hc, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tokenClient is newClient signed in as a seed principal with a real
// Entra token.
func (e *coreEnv) tokenClient(t *testing.T, principal string) *cosmos.Client {
	t.Helper()
	cred := sandboxtest.Credential(t, e.sb, principal)
	return newClient(t, e.sb, cosmos.Credentials{Method: "devicecode", Token: cred})
}
