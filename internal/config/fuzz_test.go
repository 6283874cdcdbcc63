package config

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad: any config.yaml loads or is refused with an error; one that
// loads saves and loads again.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"current_profile: dev\nprofiles:\n  dev:\n    endpoint: https://x.documents.azure.com:443/\n    database: shop\n",
		"profiles: []\n", "profiles:\n  a: 1\n", ": :\n", "\ufeffcurrent_profile: x\n", "a: &a [*a]\n", "", "---\n---\n", "profiles:\n  p:\n    timeout: soon\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileName), data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(dir)
		if err != nil {
			return
		}
		if c == nil {
			t.Fatal("nil configuration without an error")
		}
	})
}
