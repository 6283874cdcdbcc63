// Package oracletest finds the real-service query oracle (Microsoft's
// published results for aggregate and ORDER BY queries over a sample data
// set) that the engine and the cross-partition pipeline are tested against.
// The oracle lives in the workspace's shared/ folder beside the repository,
// not in the repository itself.
package oracletest

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the oracle directory (holding queries/ and testdata/). It is
// $COSMOSCTL_ORACLE_DIR, else shared/oracle beside the repository root. When
// it cannot be found the test is skipped, except under CI, where it fails:
// the oracle must never be silently left out there.
func Dir(t testing.TB) string {
	t.Helper()
	if d, ok := Find(); ok {
		return d
	}
	msg := "the query oracle (shared/oracle beside the repository, or $COSMOSCTL_ORACLE_DIR) was not found"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// Find looks for the oracle without failing: for tests that only add the
// oracle's data when it is there.
func Find() (string, bool) {
	for _, d := range candidates() {
		if st, err := os.Stat(filepath.Join(d, "queries")); err == nil && st.IsDir() {
			return d, true
		}
	}
	return "", false
}

func candidates() []string {
	var out []string
	if d := os.Getenv("COSMOSCTL_ORACLE_DIR"); d != "" {
		out = append(out, d)
	}
	// go test runs in the package directory: walk up to the module root.
	if wd, err := os.Getwd(); err == nil {
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				out = append(out, filepath.Join(filepath.Dir(d), "shared", "oracle"))
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	// The workspace this project is developed in keeps shared/ at a fixed
	// place; a clone elsewhere on the same machine still finds it.
	out = append(out, filepath.Join(string(filepath.Separator), "work", "shared", "oracle"))
	return out
}
