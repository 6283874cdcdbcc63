package seed

import "testing"

// FuzzParse: any seed file parses to a valid seed or is refused; it
// never panics, and itemsFile references are refused (no reader). The
// seeds are small: the demo seed's size would slow every mutation.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"tenant":"t","databases":[{"id":"d","containers":[{"id":"c","partitionKey":{"paths":["/pk"]},"items":[{"id":"1","pk":"a"}]}]}]}`,
		`{"databases":[{"id":"d","containers":[{"id":"c","itemsFile":"x.json"}]}]}`, `{"principals":[{"name":"a","certificate":"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----"}]}`,
		`[`, `null`, "\ufeff{}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz", data, nil)
		if err != nil {
			return
		}
		if s == nil || !s.Validated() {
			t.Fatal("a parsed seed is not validated")
		}
	})
}
