package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// TestPlanGolden pins the plan JSON of every query shape. Run with -update
// after an intended change and review the diff.
func TestPlanGolden(t *testing.T) {
	pk := PartitionKeyDef{Paths: []string{"/pk"}, Kind: "Hash", Version: 2}
	hpk := PartitionKeyDef{Paths: []string{"/tenant", "/user"}, Kind: "MultiHash", Version: 2}
	tests := []struct {
		name   string
		pk     PartitionKeyDef
		query  string
		params []Param
	}{
		{"plain", pk, "SELECT c.id, c.name FROM c WHERE c.n > 1", nil},
		{"orderby_single", pk, "SELECT * FROM c ORDER BY c.id", nil},
		{"orderby_multi", pk, "SELECT c.id, c.n FROM c WHERE c.n > 1 ORDER BY c.n DESC, c[\"value\"][\"createdTime\"]", nil},
		{"orderby_value", pk, "SELECT VALUE c.name FROM c ORDER BY c.name DESC", nil},
		{"top", pk, "SELECT TOP 3 * FROM c", nil},
		{"top_orderby", pk, "SELECT TOP 10 c._ts FROM c ORDER BY c._ts", nil},
		{"top_param", pk, "SELECT TOP @n c.id FROM c ORDER BY c.id", []Param{{Name: "@n", Value: json.RawMessage(`7`)}}},
		{"offset_limit", pk, "SELECT c.id FROM c ORDER BY c.n OFFSET 5 LIMIT 7", nil},
		{"offset_limit_plain", pk, "SELECT c.id FROM c OFFSET 1 LIMIT 2", nil},
		{"offset_limit_huge", pk, "SELECT c.id FROM c ORDER BY c.id OFFSET 9223372036854775807 LIMIT 20000000", nil},
		{"distinct", pk, "SELECT DISTINCT c.grp FROM c", nil},
		{"distinct_value", pk, "SELECT DISTINCT VALUE c.id FROM c", nil},
		{"distinct_ordered", pk, "SELECT DISTINCT VALUE c.n FROM c ORDER BY c.n", nil},
		{"value_count", pk, "SELECT VALUE COUNT(1) FROM c", nil},
		{"value_sum", pk, "SELECT VALUE SUM(c.n) FROM c WHERE c.n > 0", nil},
		{"value_avg", pk, "SELECT VALUE AVG(c.n) FROM c", nil},
		{"value_min", pk, "SELECT VALUE MIN(c.n) FROM c", nil},
		{"value_max", pk, "SELECT VALUE MAX(c.n) FROM c", nil},
		{"nonvalue_aggregate", pk, "SELECT COUNT(1) FROM c", nil},
		{"nonvalue_aggregates", pk, "SELECT COUNT(1) AS n, AVG(c.n) AS mean FROM c", nil},
		{"groupby", pk, "SELECT c.grp, COUNT(1) AS n, SUM(c.n) AS total, AVG(c.n) AS mean, MIN(c.n) AS lo, MAX(c.n) AS hi FROM c GROUP BY c.grp", nil},
		{"groupby_multi", pk, "SELECT c.team, c.name, COUNT(1) AS count FROM c GROUP BY c.team, c.name", nil},
		{"groupby_value", pk, "SELECT VALUE COUNT(1) FROM c GROUP BY c.grp", nil},
		{"pinned_literal", pk, "SELECT * FROM c WHERE c.pk = 'a' AND c.n > 1", nil},
		{"pinned_param", pk, "SELECT VALUE COUNT(1) FROM c WHERE c.pk = @pk", []Param{{Name: "@pk", Value: json.RawMessage(`"partitionKey"`)}}},
		{"pinned_number_reversed", pk, "SELECT * FROM c WHERE 42 = c.pk", nil},
		{"pinned_in", pk, "SELECT * FROM c WHERE c.pk IN ('b', 'a', @pk, 'a')", []Param{{Name: "@pk", Value: json.RawMessage(`"partitionKey"`)}}},
		{"not_pinned_not_in", pk, "SELECT * FROM c WHERE c.pk NOT IN ('a')", nil},
		{"subquery_source", pk, "SELECT VALUE s.id FROM (SELECT c.id FROM c WHERE c.pk = 'a') AS s WHERE s.id > 'x' ORDER BY s.id", nil},
		{"not_pinned_or", pk, "SELECT * FROM c WHERE c.pk = 'a' OR c.pk = 'b'", nil},
		{"pinned_hierarchical", hpk, "SELECT * FROM c WHERE c.tenant = 'partitionKey' AND c.user = ''", nil},
		{"prefix_hierarchical_not_pinned", hpk, "SELECT * FROM c WHERE c.tenant = 't'", nil},
		{"join_orderby", pk, "SELECT c.id, t.name FROM c JOIN t IN c.tags WHERE t.w > 1 ORDER BY t.name", nil},
		{"root_alias", pk, "SELECT r.id FROM root r ORDER BY r.id", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := Parse(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, err := q.Plan(tt.pk, tt.params)
			if err != nil {
				t.Fatal(err)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, got, "", "  "); err != nil {
				t.Fatalf("plan is not JSON: %v\n%s", err, got)
			}
			pretty.WriteByte('\n')
			path := filepath.Join("testdata", "plan_"+tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestPlanGolden -update)", err)
			}
			if !bytes.Equal(pretty.Bytes(), want) {
				t.Errorf("plan differs from %s\ngot:\n%s", path, pretty.Bytes())
			}
		})
	}
}

// The .NET SDK's QueryPlanRetrieverTests pin these query infos (from the
// service's own query-plan code); ours must match byte for byte.
func TestPlanMatchesPublishedServicePlans(t *testing.T) {
	pk := PartitionKeyDef{Paths: []string{"/id"}, Kind: "Hash", Version: 2}
	tests := []struct {
		query string
		want  string
	}{
		{"SELECT * FROM c ORDER BY c.id",
			`{"distinctType":"None","top":null,"offset":null,"limit":null,"orderBy":["Ascending"],"orderByExpressions":["c.id"],"groupByExpressions":[],"groupByAliases":[],"aggregates":[],"groupByAliasToAggregateType":{},"rewrittenQuery":"SELECT c._rid, [{\"item\": c.id}] AS orderByItems, c AS payload\nFROM c\nWHERE ({documentdb-formattableorderbyquery-filter})\nORDER BY c.id","hasSelectValue":false,"dCountInfo":null,"hasNonStreamingOrderBy":false}`},
		{"SELECT c.id FROM c GROUP BY c.id",
			`{"distinctType":"None","top":null,"offset":null,"limit":null,"orderBy":[],"orderByExpressions":[],"groupByExpressions":["c.id"],"groupByAliases":["id"],"aggregates":[],"groupByAliasToAggregateType":{"id":null},"rewrittenQuery":"SELECT [{\"item\": c.id}] AS groupByItems, {\"id\": c.id} AS payload\nFROM c\nGROUP BY c.id","hasSelectValue":false,"dCountInfo":null,"hasNonStreamingOrderBy":false}`},
		{"SELECT DISTINCT VALUE c.id FROM c",
			`{"distinctType":"Unordered","top":null,"offset":null,"limit":null,"orderBy":[],"orderByExpressions":[],"groupByExpressions":[],"groupByAliases":[],"aggregates":[],"groupByAliasToAggregateType":{},"rewrittenQuery":"","hasSelectValue":true,"dCountInfo":null,"hasNonStreamingOrderBy":false}`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := Parse(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := q.Plan(pk, nil)
			if err != nil {
				t.Fatal(err)
			}
			var plan struct {
				QueryInfo json.RawMessage `json:"queryInfo"`
			}
			if err := json.Unmarshal(raw, &plan); err != nil {
				t.Fatal(err)
			}
			if string(plan.QueryInfo) != tt.want {
				t.Errorf("queryInfo\n got %s\nwant %s", plan.QueryInfo, tt.want)
			}
		})
	}
}

func TestQueryFeatureFlags(t *testing.T) {
	tests := []struct {
		query       string
		needs, nonV bool
	}{
		{"SELECT * FROM c", false, false},
		{"SELECT c.id FROM c WHERE c.n > 1", false, false},
		{"SELECT TOP 1 * FROM c", true, false},
		{"SELECT * FROM c ORDER BY c.id", true, false},
		{"SELECT * FROM c OFFSET 1 LIMIT 1", true, false},
		{"SELECT DISTINCT c.id FROM c", true, false},
		{"SELECT VALUE COUNT(1) FROM c", true, false},
		{"SELECT VALUE MAX(c.n) FROM c WHERE c.n > 1", true, false},
		{"SELECT COUNT(1) FROM c", true, true},
		{"SELECT VALUE COUNT(1) + 1 FROM c", true, true},
		{"SELECT c.g FROM c GROUP BY c.g", true, true},
		{"SELECT VALUE COUNT(1) FROM c GROUP BY c.g", true, true},
		{"SELECT c.id, (SELECT VALUE COUNT(1) FROM t IN c.tags) AS n FROM c", false, false},
		{"SELECT VALUE s.id FROM (SELECT c.id FROM c WHERE c.n > 1) AS s", false, false},
		{"SELECT VALUE s.id FROM (SELECT TOP 1 c.id FROM c) AS s", true, false},
		{"SELECT VALUE t FROM c JOIN (SELECT VALUE x FROM x IN c.tags ORDER BY x) AS t", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, err := Parse(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			if got := q.NeedsCrossPartitionState(); got != tt.needs {
				t.Errorf("NeedsCrossPartitionState = %v, want %v", got, tt.needs)
			}
			if got := q.NonValueAggregate(); got != tt.nonV {
				t.Errorf("NonValueAggregate = %v, want %v", got, tt.nonV)
			}
		})
	}
}

// TestValueGroupByRows pins the per-range rows of SELECT VALUE <aggregate>
// … GROUP BY: the payload is an array of {"item": partial}, as for VALUE
// aggregates without GROUP BY (cosmos-wire.md §6.5), because clients read
// payload[0].item.
func TestValueGroupByRows(t *testing.T) {
	docs := []*Document{testDoc(t, `{"id":"1","g":"a","n":1}`), testDoc(t, `{"id":"2","g":"a","n":3}`), testDoc(t, `{"id":"3","g":"b","n":"x"}`)}
	pk := PartitionKeyDef{Paths: []string{"/id"}, Kind: "Hash", Version: 2}
	tests := []struct {
		agg  string
		want []string
	}{
		{"COUNT(1)", []string{`{"groupByItems":[{"item":"a"}],"payload":[{"item":2}]}`, `{"groupByItems":[{"item":"b"}],"payload":[{"item":1}]}`}},
		{"SUM(c.n)", []string{`{"groupByItems":[{"item":"a"}],"payload":[{"item":4}]}`, `{"groupByItems":[{"item":"b"}],"payload":[{}]}`}},
		{"MIN(c.n)", []string{`{"groupByItems":[{"item":"a"}],"payload":[{"item":{"min":1,"count":2}}]}`, `{"groupByItems":[{"item":"b"}],"payload":[{"item":{"min":"x","count":1}}]}`}},
		{"MAX(c.n)", []string{`{"groupByItems":[{"item":"a"}],"payload":[{"item":{"max":3,"count":2}}]}`, `{"groupByItems":[{"item":"b"}],"payload":[{"item":{"max":"x","count":1}}]}`}},
		{"AVG(c.n)", []string{`{"groupByItems":[{"item":"a"}],"payload":[{"item":{"sum":4,"count":2}}]}`, `{"groupByItems":[{"item":"b"}],"payload":[{"item":{"count":1}}]}`}},
	}
	for _, tt := range tests {
		t.Run(tt.agg, func(t *testing.T) {
			q, err := Parse("SELECT VALUE " + tt.agg + " FROM c GROUP BY c.g")
			if err != nil {
				t.Fatal(err)
			}
			raw, err := q.Plan(pk, nil)
			if err != nil {
				t.Fatal(err)
			}
			var plan planInfo
			if err := json.Unmarshal(raw, &plan); err != nil {
				t.Fatal(err)
			}
			rq, err := Parse(plan.QueryInfo.RewrittenQuery)
			if err != nil {
				t.Fatalf("rewritten query %q: %v", plan.QueryInfo.RewrittenQuery, err)
			}
			res, err := rq.Execute(context.Background(), docs, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range res.Rows {
				got = append(got, string(r))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("rows of %q:\n got %s\nwant %s", plan.QueryInfo.RewrittenQuery, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
