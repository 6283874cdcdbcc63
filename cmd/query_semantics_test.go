package cmd

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/errs"
	"github.com/cosmosctl/cosmosctl/internal/oracletest"
	"github.com/cosmosctl/cosmosctl/internal/query/merge"
	"github.com/cosmosctl/cosmosctl/internal/sandbox/seed"
)

// semanticsDatabase holds documents whose per-range partials are the
// service's corner cases, in "mixed" (4 ranges) and "mixed1" (1 range):
// x is the number i except one string (so SUM and AVG of x are undefined,
// overall and in group k = "c"); o takes every type, arrays and objects
// included, all values distinct; n spells 1e20, 1e21 and 2^53+1 two ways
// each.
func semanticsDatabase() seed.Database {
	var items []json.RawMessage
	for i := range 24 {
		x := fmt.Sprint(i)
		if i == 5 {
			x = `"five"`
		}
		var o string
		switch i % 5 {
		case 0:
			o = fmt.Sprintf(`[%d]`, i)
		case 1:
			o = fmt.Sprintf(`{"a":%d}`, i)
		case 2:
			o = fmt.Sprintf(`"s%02d"`, i)
		case 3:
			o = fmt.Sprint(i)
		case 4:
			o = fmt.Sprintf(`[%d,"x"]`, i)
		}
		switch i {
		case 21:
			o = `true`
		case 22:
			o = `null`
		}
		n := []string{`1e20`, `100000000000000000000`, `1e21`, `1000000000000000000000`, `9007199254740993`, `9007199254740993.0`}[i%6]
		doc := fmt.Sprintf(`{"id":"d%02d","pk":"p%02d","k":%q,"x":%s,"y":%d,"n":%s`, i, i, string(rune('a'+i%3)), x, i, n)
		if i != 23 { // o undefined
			doc += `,"o":` + o
		}
		items = append(items, json.RawMessage(doc+"}"))
	}
	c := seed.Container{ID: "mixed", PartitionKey: seed.PartitionKey{Paths: []string{"/pk"}, Kind: "Hash"}, PhysicalPartitions: 4, Items: items}
	one := c
	one.ID, one.PhysicalPartitions = "mixed1", 1
	return seed.Database{ID: "semantics", Containers: []seed.Container{c, one}}
}

// TestQueryMergeSemantics: where a range's partial is undefined, or values
// of different types or spellings meet, the merged result of 4 ranges is
// the service's and equals that of 1 range.
func TestQueryMergeSemantics(t *testing.T) {
	e := queryStart(t)
	tests := []struct {
		name, sql string
		want      string // JSON array; compared as a multiset unless ordered
		ordered   bool
	}{
		{"sum with a string is undefined", "SELECT VALUE SUM(c.x) FROM c", `[]`, true},
		{"avg with a string is undefined", "SELECT VALUE AVG(c.x) FROM c", `[]`, true},
		{"sum of numbers", "SELECT VALUE SUM(c.y) FROM c", `[276]`, true},
		{"non-value sum and avg with a string", "SELECT SUM(c.x) AS s, AVG(c.x) AS a, COUNT(1) AS n FROM c", `[{"n":24}]`, true},
		{"group by sum and avg", "SELECT c.k, SUM(c.x) AS s, AVG(c.x) AS a FROM c GROUP BY c.k",
			`[{"k":"a","s":84,"a":10.5},{"k":"b","s":92,"a":11.5},{"k":"c"}]`, false},
		{"group by value sum", "SELECT VALUE SUM(c.x) FROM c GROUP BY c.k", `[84,92]`, false},
		{"group by avg of a string", `SELECT c.k, AVG("asdf") AS a FROM c GROUP BY c.k`, `[{"k":"a"},{"k":"b"},{"k":"c"}]`, false},
		{"group by value avg of a string", `SELECT VALUE AVG("asdf") FROM c GROUP BY c.k`, `[]`, false},
		{"group by value count", "SELECT VALUE COUNT(1) FROM c GROUP BY c.k", `[8,8,8]`, false},
		{"group by numbers spelled two ways", "SELECT c.n, COUNT(1) AS cnt FROM c GROUP BY c.n",
			`[{"n":1e20,"cnt":8},{"n":1e21,"cnt":8},{"n":9007199254740993,"cnt":4},{"n":9007199254740992,"cnt":4}]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := queryNormalize(t, queryRows(t, tt.want))
			for _, c := range []string{"mixed", "mixed1"} {
				got := queryNormalize(t, e.mustJSON(t, "query", tt.sql, "-d", "semantics", "-c", c))
				if !tt.ordered {
					sort.Slice(got, func(i, j int) bool { return fmt.Sprint(got[i]) < fmt.Sprint(got[j]) })
					sort.Slice(want, func(i, j int) bool { return fmt.Sprint(want[i]) < fmt.Sprint(want[j]) })
				}
				if !queryApproxEqual(got, want) {
					t.Errorf("%s: got %v, want %v", c, truncateAny(got), truncateAny(want))
				}
			}
		})
	}
}

func queryRows(t *testing.T, s string) []json.RawMessage {
	t.Helper()
	var rows []json.RawMessage
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestQueryMergeOrderAndDistinct: ORDER BY over every type sorts arrays
// before objects, as each range does; DISTINCT treats 1e20 and
// 100000000000000000000 as one value (and 1e21 and its integer spelling),
// and 9007199254740993 (an exact
// int64) and 9007199254740993.0 (the double 9007199254740992) as two.
func TestQueryMergeOrderAndDistinct(t *testing.T) {
	e := queryStart(t)
	rank := map[string]int{"nil": 0, "bool": 1, "float64": 2, "string": 3, "[]interface {}": 4, "map[string]interface {}": 5}
	for _, dir := range []string{"ASC", "DESC"} {
		t.Run("order by "+dir, func(t *testing.T) {
			sql := "SELECT c.id, c.o FROM c ORDER BY c.o " + dir
			multi := queryNormalize(t, e.mustJSON(t, "query", sql, "-d", "semantics", "-c", "mixed"))
			single := queryNormalize(t, e.mustJSON(t, "query", sql, "-d", "semantics", "-c", "mixed1"))
			if !reflect.DeepEqual(multi, single) {
				t.Fatalf("4 ranges and 1 range order differently:\n multi %v\nsingle %v", truncateAny(multi), truncateAny(single))
			}
			if len(multi) != 24 {
				t.Fatalf("got %d rows, want 24", len(multi))
			}
			last := -1
			for i, r := range multi {
				v, ok := r.(map[string]any)["o"]
				k := rank[fmt.Sprintf("%T", v)]
				if !ok {
					k = -1 // undefined first
				}
				if dir == "DESC" {
					k = -k
				}
				if i > 0 && k < last {
					t.Fatalf("row %d (%v) is out of type order: undefined, null, booleans, numbers, strings, arrays, objects", i, r)
				}
				last = k
			}
		})
	}
	t.Run("distinct numbers", func(t *testing.T) {
		for _, c := range []string{"mixed", "mixed1"} {
			r := e.run(t, "query", "SELECT DISTINCT VALUE c.n FROM c", "-d", "semantics", "-c", c, "-o", "json")
			if r.err != nil {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var got []string
			for _, row := range queryRows(t, r.stdout) {
				s := string(row)
				switch s { // either spelling of the one value
				case "100000000000000000000":
					s = "1e20"
				case "1000000000000000000000":
					s = "1e21"
				}
				got = append(got, s)
			}
			sort.Strings(got)
			if want := []string{"1e20", "1e21", "9007199254740993", "9007199254740993.0"}; !reflect.DeepEqual(got, want) {
				t.Errorf("%s: got %v, want %v", c, got, want)
			}
		}
	})
}

// TestQueryVectorSearch: vector search across 4 ranges with the vector
// inline (--param) or in a file, TOP and OFFSET/LIMIT, DISTINCT, resumed
// with --max-items, and refused without TOP or LIMIT.
func TestQueryVectorSearch(t *testing.T) {
	oracleDir := oracletest.Dir(t)
	var vec json.RawMessage
	for _, s := range oracletest.Suites(t, oracleDir) {
		for _, p := range s.TestData.Parameters {
			if s.Name == "vector" && p.Name == "@testData_searchVector" {
				vec = p.Value
			}
		}
	}
	if vec == nil {
		t.Fatal("the oracle's vector suite has no @testData_searchVector")
	}
	e := queryStart(t)
	inline := []string{"--param", "@v=" + string(vec)}
	file := filepath.Join(t.TempDir(), "v.json")
	if err := os.WriteFile(file, []byte(`{"@v":`+string(vec)+`}`), 0o600); err != nil {
		t.Fatal(err)
	}
	const sel = "SELECT %s c.text, VectorDistance(c.embedding, @v) AS score FROM c ORDER BY VectorDistance(c.embedding, @v)%s"
	run := func(t *testing.T, sql string, extra ...string) []any {
		t.Helper()
		args := append([]string{"query", sql, "-d", "oracle", "-c", "QuantizedCosine"}, extra...)
		return queryNormalize(t, e.mustJSON(t, args...))
	}
	all := run(t, fmt.Sprintf(sel, "TOP 10", ""), inline...)
	if len(all) != 10 {
		t.Fatalf("TOP 10 over 10 documents gave %d rows", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i-1].(map[string]any)["score"].(float64) < all[i].(map[string]any)["score"].(float64) {
			t.Fatalf("cosine similarity is not descending at row %d: %v", i, truncateAny(all))
		}
	}
	tests := []struct {
		name  string
		sql   string
		extra []string
		want  []any
	}{
		{"top from a param file", fmt.Sprintf(sel, "TOP 4", ""), []string{"--param-file", file}, all[:4]},
		{"offset limit", fmt.Sprintf(sel, "", " OFFSET 3 LIMIT 4"), inline, all[3:7]},
		{"offset past the end", fmt.Sprintf(sel, "", " OFFSET 12 LIMIT 4"), inline, []any{}},
		{"distinct", "SELECT DISTINCT TOP 3 c.text FROM c ORDER BY VectorDistance(c.embedding, @v)", inline, func() []any {
			var out []any
			for _, r := range all[:3] {
				out = append(out, map[string]any{"text": r.(map[string]any)["text"]})
			}
			return out
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := run(t, tt.sql, tt.extra...); !queryApproxEqualTol(got, tt.want, 1e-9) {
				t.Errorf("got  %v\nwant %v", truncateAny(got), truncateAny(tt.want))
			}
		})
	}
	t.Run("resumed with max-items", func(t *testing.T) {
		sql := fmt.Sprintf(sel, "TOP 7", "")
		var got []any
		token := ""
		for range 10 {
			args := append([]string{"query", sql, "-d", "oracle", "-c", "QuantizedCosine", "--max-items", "3", "-o", "json"}, inline...)
			if token != "" {
				args = append(args, "--continuation", token)
			}
			r := e.run(t, args...)
			if r.err != nil {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			got = append(got, queryNormalize(t, queryRows(t, r.stdout))...)
			if token = r.continuation(); token == "" {
				break
			}
		}
		if !queryApproxEqualTol(got, all[:7], 1e-9) {
			t.Errorf("pages joined\n got %v\nwant %v", truncateAny(got), truncateAny(all[:7]))
		}
	})
	t.Run("refused without top or limit", func(t *testing.T) {
		r := e.run(t, append([]string{"query", fmt.Sprintf(sel, "", ""), "-d", "oracle", "-c", "QuantizedCosine"}, inline...)...)
		if r.code != errs.ExitUsage || !strings.Contains(r.stderr, merge.VectorSearchUnboundedMessage) || r.stdout != "" {
			t.Errorf("exit %d, stdout %q, stderr %q; want a usage error with the SDKs' message", r.code, r.stdout, r.stderr)
		}
	})
}
