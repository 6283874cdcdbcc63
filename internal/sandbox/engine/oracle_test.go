package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/oracletest"
)

// stripSystem removes the service's system properties from result documents.
func stripSystem(v *value) *value {
	if v == nil || v.kind != kindObject {
		return v
	}
	ob := newObj()
	for i, k := range v.keys {
		switch k {
		case "_rid", "_self", "_etag", "_attachments", "_ts":
			continue
		}
		ob.set(k, v.vals[i])
	}
	return ob.v
}

// TestOracle checks every query of the real-service oracle, both on one range
// and through the cross-partition path over 4 ranges.
func TestOracle(t *testing.T) {
	docs := loadOracleDocs(t)
	oracleDir := oracletest.Dir(t)
	suites, err := filepath.Glob(oracleDir + "/queries/*.json")
	if err != nil || len(suites) == 0 {
		t.Fatalf("no oracle suites in %s: %v", oracleDir, err)
	}
	pk := PartitionKeyDef{Paths: []string{"/categoryId"}, Kind: "Hash", Version: 2}
	total := 0
	for _, suite := range suites {
		b, err := os.ReadFile(suite)
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			Name    string `json:"name"`
			Queries []struct {
				Name  string `json:"name"`
				Query string `json:"query"`
			} `json:"queries"`
		}
		if err := json.Unmarshal(b, &s); err != nil {
			t.Fatalf("%s: %v", suite, err)
		}
		for _, oq := range s.Queries {
			total++
			t.Run(s.Name+"/"+oq.Name, func(t *testing.T) {
				rb, err := os.ReadFile(filepath.Join(oracleDir, "queries", s.Name, oq.Name+".results.json"))
				if err != nil {
					t.Fatal(err)
				}
				var rawRows []json.RawMessage
				if err := json.Unmarshal(rb, &rawRows); err != nil {
					t.Fatal(err)
				}
				var want []*value
				for _, r := range rawRows {
					v, err := parseJSON(r)
					if err != nil {
						t.Fatal(err)
					}
					want = append(want, stripSystem(v))
				}
				ordered := strings.Contains(strings.ToUpper(oq.Query), "ORDER BY")
				for name, got := range map[string][]*value{
					"single": runSingle(t, docs, oq.Query, nil),
					"cross":  runCrossPartition(t, pk, docs, oq.Query, nil, 4),
				} {
					for i := range got {
						got[i] = stripSystem(got[i])
					}
					if !sameRows(got, want, ordered) {
						t.Errorf("%s: got %d rows %s\nwant %d rows %s", name, len(got), rowsString(got), len(want), rowsString(want))
					}
				}
			})
		}
	}
	if total == 0 {
		t.Fatal("oracle has no queries")
	}
}
