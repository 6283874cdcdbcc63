package cosmos_test

import (
	"encoding/json"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/cosmos"
)

// FuzzParsePartitionKey: any --pk value is refused or parses to a key
// whose canonical JSON is an array of Len components that parses back to
// the same key.
func FuzzParsePartitionKey(f *testing.F) {
	for _, s := range []string{"c1", `"c1"`, "42", "-1.5", "true", "null", `["t1","u1"]`, `["t1",2,null]`, "[1,", `"c1`, "{}", `"\ud83d\ude00"`, "9007199254740993", " x ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := cosmos.ParsePartitionKey(s)
		if err != nil {
			return
		}
		var comps []json.RawMessage
		if err := json.Unmarshal([]byte(k.JSON()), &comps); err != nil {
			t.Fatalf("%q: canonical form %q is not a JSON array: %v", s, k.JSON(), err)
		}
		if len(comps) != k.Len() {
			t.Fatalf("%q: %d components in %s, Len says %d", s, len(comps), k.JSON(), k.Len())
		}
		again, err := cosmos.ParsePartitionKey(k.JSON())
		if err != nil {
			t.Fatalf("%q: canonical form %s is refused: %v", s, k.JSON(), err)
		}
		if again.JSON() != k.JSON() {
			t.Fatalf("%q: canonical form is not stable: %s then %s", s, k.JSON(), again.JSON())
		}
	})
}

// FuzzParseParams: any --param is refused or gives one named parameter
// whose value encodes as JSON.
func FuzzParseParams(f *testing.F) {
	for _, s := range []string{"@city=Oslo", "@n=42", "@o={\"a\":1}", "@a=[1,2", "@s=\"x\"", "@e=", "city=Oslo", "@=x", "@x=null", "@big=1e400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := cosmos.ParseParams([]string{s}, "")
		if err != nil {
			return
		}
		if len(ps) != 1 || ps[0].Name == "" {
			t.Fatalf("%q: parameters %+v", s, ps)
		}
		if _, err := json.Marshal(ps[0].Value); err != nil {
			t.Fatalf("%q: value %#v does not encode: %v", s, ps[0].Value, err)
		}
	})
}
