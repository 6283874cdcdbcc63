package engine

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// anyRows decodes engine rows the way encoding/json does (for validators).
func anyRows(t testing.TB, rows []*value) []any {
	t.Helper()
	out := make([]any, len(rows))
	for i, r := range rows {
		if err := json.Unmarshal(toJSON(r), &out[i]); err != nil {
			t.Fatalf("row %s: %v", toJSON(r), err)
		}
	}
	return out
}

// sameRowsTol is sameRows with numbers compared to a relative tolerance.
func sameRowsTol(a, b []*value, ordered bool, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	if ordered {
		for i := range a {
			if !sameValuesTol(a[i], b[i], tol) {
				return false
			}
		}
		return true
	}
	used := make([]bool, len(b))
outer:
	for _, x := range a {
		for j, y := range b {
			if !used[j] && sameValuesTol(x, y, tol) {
				used[j] = true
				continue outer
			}
		}
		return false
	}
	return true
}

func sameValuesTol(a, b *value, tol float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case kindNumber:
		if a.isInt && b.isInt {
			return a.i == b.i
		}
		return math.Abs(a.num-b.num) <= tol*math.Max(math.Abs(a.num), math.Abs(b.num))
	case kindArray:
		if len(a.arr) != len(b.arr) {
			return false
		}
		for i := range a.arr {
			if !sameValuesTol(a.arr[i], b.arr[i], tol) {
				return false
			}
		}
		return true
	case kindObject:
		if len(a.keys) != len(b.keys) {
			return false
		}
		for i, k := range a.keys {
			if !sameValuesTol(a.vals[i], b.field(k), tol) {
				return false
			}
		}
		return true
	}
	return equalValues(a, b)
}

// vectorDocs are small vectors chosen so that the three distance functions
// disagree on the order: by cosine to [1,0] v1 ≻ v2 ≻ v3 ≻ v4, by dot product v4 ≻ v2 ≻ v1 ≻ v3, by
// euclidean distance v2 ≺ v1 ≺ v3 ≺ v4. Partition keys spread them over ranges.
func vectorDocs(t testing.TB) []*Document {
	raws := []string{
		`{"id":"v1","pk":"a","e":[1,0],"n":{"e":[1,0]}}`,
		`{"id":"v2","pk":"b","e":[2,1],"n":{"e":[2,1]}}`,
		`{"id":"v3","pk":"c","e":[0,1],"n":{"e":[0,1]}}`,
		`{"id":"v4","pk":"d","e":[3,4],"n":{"e":[3,4]}}`,
		`{"id":"v5","pk":"e","e":"not a vector"}`,
		`{"id":"v6","pk":"f","e":[1,2,3]}`,
		`{"id":"v7","pk":"g"}`,
	}
	var docs []*Document
	for _, r := range raws {
		docs = append(docs, testDoc(t, r))
	}
	return docs
}

func policy(dist string) VectorPolicy {
	return VectorPolicy{Embeddings: []VectorEmbedding{
		{Path: "/e", DataType: "float32", Dimensions: 2, DistanceFunction: dist},
		{Path: "/n/e", DataType: "float32", Dimensions: 2, DistanceFunction: "euclidean"},
	}}
}

func TestVectorDistanceValues(t *testing.T) {
	docs := vectorDocs(t)
	tests := []struct {
		name string
		vp   VectorPolicy
		sql  string
		want string // JSON rows
	}{
		{"cosine from policy", policy("cosine"), "SELECT c.id, VectorDistance(c.e, [1, 0]) AS s FROM c WHERE c.id IN ('v1', 'v3', 'v4')",
			`[{"id":"v1","s":1},{"id":"v3","s":0},{"id":"v4","s":0.6}]`},
		{"dot product from policy", policy("dotproduct"), "SELECT VALUE VectorDistance(c.e, [1, 2]) FROM c WHERE c.id IN ('v1', 'v4')",
			`[1,11]`},
		{"euclidean from policy", policy("euclidean"), "SELECT VALUE VectorDistance(c.e, [0, 0]) FROM c WHERE c.id IN ('v1', 'v4')",
			`[1,5]`},
		{"policy of a nested path", policy("cosine"), "SELECT VALUE VectorDistance(c.n.e, [0, 0]) FROM c WHERE c.id = 'v4'",
			`[5]`},
		{"policy by the second argument's path", policy("euclidean"), "SELECT VALUE VectorDistance([0, 0], c.e) FROM c WHERE c.id = 'v4'",
			`[5]`},
		{"options override the policy", policy("euclidean"), "SELECT VALUE VectorDistance(c.e, [1, 2], false, {'distanceFunction': 'DotProduct'}) FROM c WHERE c.id = 'v4'",
			`[11]`},
		{"identifier option keys", policy("dotproduct"), "SELECT VALUE VectorDistance(c.e, [0, 0], true, {distanceFunction: 'euclidean', dataType: 'float32'}) FROM c WHERE c.id = 'v4'",
			`[5]`},
		{"no policy: cosine", VectorPolicy{}, "SELECT VALUE VectorDistance(c.e, [1, 0]) FROM c WHERE c.id = 'v4'",
			`[0.6]`},
		{"not vectors: undefined", policy("cosine"), "SELECT c.id, VectorDistance(c.e, [1, 0]) AS s FROM c WHERE c.id IN ('v5', 'v6', 'v7')",
			`[{"id":"v5"},{"id":"v6"},{"id":"v7"}]`},
		{"zero vector under cosine: undefined", policy("cosine"), "SELECT VALUE VectorDistance(c.e, [0, 0]) FROM c WHERE c.id = 'v1'",
			`[]`},
		{"int8 components", policy("cosine"), "SELECT VALUE VectorDistance([1, 2], [3, 4], false, {'distanceFunction': 'dotproduct', 'dataType': 'int8'}) FROM c WHERE c.id = 'v1'",
			`[11]`},
		{"int8 out of range: undefined", policy("cosine"), "SELECT VALUE VectorDistance([1, 200], [3, 4], false, {'distanceFunction': 'dotproduct', 'dataType': 'int8'}) FROM c WHERE c.id = 'v1'",
			`[]`},
		{"parameter vector", policy("euclidean"), "SELECT VALUE VectorDistance(c.e, @v) FROM c WHERE c.id = 'v1'",
			`[1]`},
	}
	params := []Param{{Name: "@v", Value: json.RawMessage(`[1, 1]`)}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runSingleWithPolicy(t, tc.vp, docs, tc.sql, params)
			want := decodeRows(t, []json.RawMessage{json.RawMessage(tc.want)})[0].arr
			if !sameRowsTol(got, want, true, 1e-9) {
				t.Errorf("got %s, want %s", rowsString(got), tc.want)
			}
		})
	}
}

func TestVectorOrderBy(t *testing.T) {
	docs := vectorDocs(t)
	pk := PartitionKeyDef{Paths: []string{"/pk"}, Kind: "Hash", Version: 2}
	tests := []struct {
		name string
		vp   VectorPolicy
		sql  string
		want string // ids in order
	}{
		{"cosine: descending", policy("cosine"), "SELECT TOP 4 VALUE c.id FROM c ORDER BY VectorDistance(c.e, [1, 0])", "v1 v2 v4 v3"},
		{"dot product: descending", policy("dotproduct"), "SELECT TOP 4 VALUE c.id FROM c ORDER BY VectorDistance(c.e, [1, 0])", "v4 v2 v1 v3"},
		{"euclidean: ascending", policy("euclidean"), "SELECT TOP 4 VALUE c.id FROM c ORDER BY VectorDistance(c.e, [2, 0.5])", "v2 v1 v3 v4"},
		{"options decide the direction", policy("cosine"), "SELECT TOP 2 VALUE c.id FROM c ORDER BY VectorDistance(c.e, [2, 0.5], false, {'distanceFunction': 'euclidean'})", "v2 v1"},
		{"OFFSET LIMIT", policy("dotproduct"), "SELECT VALUE c.id FROM c ORDER BY VectorDistance(c.e, [1, 0]) OFFSET 1 LIMIT 2", "v2 v1"},
		{"filter", policy("cosine"), "SELECT TOP 10 VALUE c.id FROM c WHERE c.id != 'v1' ORDER BY VectorDistance(c.e, [1, 0])", "v2 v4 v3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for name, rows := range map[string][]*value{
				"single": runSingleWithPolicy(t, tc.vp, docs, tc.sql, nil),
				"cross":  runCrossPartitionWithPolicy(t, pk, tc.vp, docs, tc.sql, nil, 4),
			} {
				var ids []string
				for _, r := range rows {
					if r.kind == kindString {
						ids = append(ids, r.str)
					}
				}
				// Documents without a score (no vector) are not ranked at all.
				if got := strings.Join(ids, " "); got != tc.want {
					t.Errorf("%s: got %q, want %q", name, got, tc.want)
				}
			}
		})
	}
}

func TestVectorPlan(t *testing.T) {
	pk := PartitionKeyDef{Paths: []string{"/pk"}, Kind: "Hash", Version: 2}
	tests := []struct {
		name      string
		vp        VectorPolicy
		sql       string
		orderBy   []string
		top       *int
		rewritten string
	}{
		{"cosine", policy("cosine"), "SELECT TOP 6 c.text, VectorDistance(c.e, @v) AS score FROM c ORDER BY VectorDistance(c.e, @v)",
			[]string{"Descending"}, intPtr(6),
			`SELECT TOP 6 c._rid, [{"item": VectorDistance(c.e, @v)}] AS orderByItems, {"text": c.text, "score": VectorDistance(c.e, @v)} AS payload
FROM c
WHERE ({documentdb-formattableorderbyquery-filter})
ORDER BY VectorDistance(c.e, @v)`},
		{"euclidean", policy("euclidean"), "SELECT TOP 3 * FROM c WHERE c.pk > 'b' ORDER BY VectorDistance(c.e, @v)",
			[]string{"Ascending"}, intPtr(3),
			`SELECT TOP 3 c._rid, [{"item": VectorDistance(c.e, @v)}] AS orderByItems, c AS payload
FROM c
WHERE ((c.pk > "b") AND ({documentdb-formattableorderbyquery-filter}))
ORDER BY VectorDistance(c.e, @v)`},
		{"options override", policy("euclidean"), "SELECT c.id FROM c ORDER BY VectorDistance(c.e, @v, false, {'distanceFunction': 'dotproduct'}) OFFSET 2 LIMIT 3",
			[]string{"Descending"}, nil,
			`SELECT c._rid, [{"item": VectorDistance(c.e, @v, false, {"distanceFunction": "dotproduct"})}] AS orderByItems, {"id": c.id} AS payload
FROM c
WHERE ({documentdb-formattableorderbyquery-filter})
ORDER BY VectorDistance(c.e, @v, false, {"distanceFunction": "dotproduct"})
OFFSET 0 LIMIT 5`},
	}
	params := []Param{{Name: "@v", Value: json.RawMessage(`[1, 0]`)}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.sql)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := q.PlanWithPolicy(pk, tc.vp, params)
			if err != nil {
				t.Fatal(err)
			}
			var p struct {
				QueryInfo struct {
					OrderBy                []string `json:"orderBy"`
					OrderByExpressions     []string `json:"orderByExpressions"`
					Top                    *int     `json:"top"`
					RewrittenQuery         string   `json:"rewrittenQuery"`
					HasNonStreamingOrderBy bool     `json:"hasNonStreamingOrderBy"`
				} `json:"queryInfo"`
			}
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatal(err)
			}
			qi := p.QueryInfo
			if !qi.HasNonStreamingOrderBy {
				t.Errorf("hasNonStreamingOrderBy is false in %s", raw)
			}
			if strings.Join(qi.OrderBy, ",") != strings.Join(tc.orderBy, ",") {
				t.Errorf("orderBy = %v, want %v", qi.OrderBy, tc.orderBy)
			}
			if len(qi.OrderByExpressions) != 1 || !strings.HasPrefix(qi.OrderByExpressions[0], "VectorDistance(c.e, @v") {
				t.Errorf("orderByExpressions = %v", qi.OrderByExpressions)
			}
			if (qi.Top == nil) != (tc.top == nil) || (qi.Top != nil && *qi.Top != *tc.top) {
				t.Errorf("top = %v, want %v", qi.Top, tc.top)
			}
			if qi.RewrittenQuery != tc.rewritten {
				t.Errorf("rewrittenQuery\n got %s\nwant %s", qi.RewrittenQuery, tc.rewritten)
			}
		})
	}
	// A streaming ORDER BY keeps hasNonStreamingOrderBy false.
	q, err := Parse("SELECT * FROM c ORDER BY c.id")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := q.PlanWithPolicy(pk, policy("cosine"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"hasNonStreamingOrderBy":false`) {
		t.Errorf("streaming ORDER BY plan: %s", raw)
	}
}

func intPtr(n int) *int { return &n }

func TestVectorDistanceErrors(t *testing.T) {
	docs := vectorDocs(t)
	tests := []struct {
		name, sql, want string
		atParse         bool
	}{
		{"ASC", "SELECT TOP 1 c.id FROM c ORDER BY VectorDistance(c.e, [1, 0]) ASC", "Specifying a sorting order (ASC or DESC) with VectorDistance function is not supported.", true},
		{"DESC", "SELECT TOP 1 c.id FROM c ORDER BY VectorDistance(c.e, [1, 0]) DESC", "Specifying a sorting order (ASC or DESC) with VectorDistance function is not supported.", true},
		{"bad distance function", "SELECT VALUE VectorDistance(c.e, [1, 0], false, {'distanceFunction': 'manhattan'}) FROM c", `distanceFunction "manhattan" is not supported`, false},
		{"bad data type", "SELECT VALUE VectorDistance(c.e, [1, 0], false, {'dataType': 'float64'}) FROM c", `dataType "float64" is not supported`, false},
		{"unknown option", "SELECT VALUE VectorDistance(c.e, [1, 0], false, {'metric': 'cosine'}) FROM c", `unknown option "metric"`, false},
		{"options not an object", "SELECT VALUE VectorDistance(c.e, [1, 0], false, 'cosine') FROM c", "must be an object literal", false},
		{"bruteForce not a boolean", "SELECT VALUE VectorDistance(c.e, [1, 0], 1) FROM c", "(bruteForce) must be a boolean", false},
		{"bad options in ORDER BY", "SELECT TOP 1 c.id FROM c ORDER BY VectorDistance(c.e, [1, 0], false, {'distanceFunction': 'x'})", `distanceFunction "x" is not supported`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := Parse(tc.sql)
			if tc.atParse {
				var qe *QueryError
				if !errors.As(err, &qe) || qe.Error() != tc.want {
					t.Fatalf("Parse error = %v, want %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, err = q.ExecuteWithPolicy(context.Background(), policy("cosine"), docs, nil)
			var qe *QueryError
			if !errors.As(err, &qe) || !strings.Contains(qe.Error(), tc.want) {
				t.Fatalf("Execute error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// mergeNonStreaming is the client's merge for hasNonStreamingOrderBy plans
// (vector search): every range is drained, and only the best
// top (or offset+limit) rows by the plan's directions are kept, so memory
// stays bounded by k whatever the ranges return. Ties keep arrival order.
// OFFSET/LIMIT/TOP are applied afterwards by the caller.
func mergeNonStreaming(t testing.TB, streams [][]*value, dirs []string, top, offset, limit *int) []*value {
	t.Helper()
	k := -1
	switch {
	case top != nil:
		k = *top
	case offset != nil && limit != nil:
		k = *offset + *limit
	}
	if k < 0 {
		t.Fatalf("non-streaming ORDER BY plan without top or offset/limit")
	}
	var kept []*value // sorted best first, at most k
	for _, s := range streams {
		for _, r := range s {
			if r.field("orderByItems") == nil {
				t.Fatalf("non-streaming row without orderByItems: %s", toJSON(r))
			}
			// Insert after every row that is not worse (stable for ties).
			i := len(kept)
			for i > 0 && lessItems(r, kept[i-1], dirs) {
				i--
			}
			if i >= k {
				continue
			}
			kept = append(kept, nil)
			copy(kept[i+1:], kept[i:])
			kept[i] = r
			if len(kept) > k {
				kept = kept[:k]
			}
		}
	}
	out := make([]*value, 0, len(kept))
	for _, r := range kept {
		if p := r.field("payload"); p != nil {
			out = append(out, p)
		}
	}
	return out
}
