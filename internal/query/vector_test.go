package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/query/merge"
)

// vectorPlan is the plan of "SELECT TOP 5 c.id FROM c ORDER BY
// VectorDistance(c.v, @v)" over a cosine container (%s: the "top" value).
const vectorPlan = `{"partitionedQueryExecutionInfoVersion":2,"queryInfo":{"distinctType":"None","top":%s,"offset":null,"limit":null,"orderBy":["Descending"],"orderByExpressions":["VectorDistance(c.v, @v)"],"rewrittenQuery":"SELECT c._rid, [{\"item\": VectorDistance(c.v, @v)}] AS orderByItems, {\"id\": c.id} AS payload FROM c WHERE ({documentdb-formattableorderbyquery-filter}) ORDER BY VectorDistance(c.v, @v)","hasNonStreamingOrderBy":true},"queryRanges":[{"min":"","max":"FF","isMinInclusive":true,"isMaxInclusive":false}]}`

// vectorBackend serves 18 scored rows over three ranges (pages of 2), in
// no global order; range "1" splits after split pages (<0: never).
func vectorBackend(top string, split int) (*fakeBackend, []string) {
	pages := map[string][][]json.RawMessage{}
	type scored struct {
		id    int
		score float64
	}
	var all []scored
	for i := range 18 {
		s := float64((i*7)%18) / 20 // a permutation: no ties
		all = append(all, scored{i, s})
		id := strconv.Itoa(i % 3)
		ps := pages[id]
		if len(ps) == 0 || len(ps[len(ps)-1]) == 2 {
			ps = append(ps, nil)
		}
		row := fmt.Sprintf(`{"_rid":"r","orderByItems":[{"item":%v}],"payload":{"id":"d%d"}}`, s, i)
		ps[len(ps)-1] = append(ps[len(ps)-1], json.RawMessage(row))
		pages[id] = ps
	}
	var want []string
	for s := 17; s >= 0 && len(want) < 5; s-- {
		for _, r := range all {
			if r.score == float64(s)/20 {
				want = append(want, fmt.Sprintf(`{"id":"d%d"}`, r.id))
			}
		}
	}
	f := &fakeBackend{planJSON: fmt.Sprintf(vectorPlan, top), pages: pages, ranges: []cosmos.PartitionKeyRange{
		{ID: "0", MinInclusive: "", MaxExclusive: "55"},
		{ID: "1", MinInclusive: "55", MaxExclusive: "AA"},
		{ID: "2", MinInclusive: "AA", MaxExclusive: "FF"},
	}}
	if p, err := merge.DecodePlan([]byte(f.planJSON)); err == nil {
		f.plan = p // a resume asks for the plan
	}
	if split >= 0 {
		f.splits = map[string]int{"1": split}
	}
	return f, want
}

// TestRunnerVectorSearch: the merge reads every page of every range, runs
// the rewritten query, and pages with --max-items resume to the same top
// rows, also when a range splits during the drain or between runs.
func TestRunnerVectorSearch(t *testing.T) {
	for _, split := range []int{-1, 0, 1, 2} {
		t.Run(fmt.Sprintf("split after %d pages", split), func(t *testing.T) {
			b, want := vectorBackend("5", split)
			got, out := runAll(t, b, testSpec(false))
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("rows\n got %v\nwant %v", got, want)
			}
			if out.Mode != ModeMerge {
				t.Errorf("mode %q", out.Mode)
			}
			if split >= 0 && !b.gone["1"] {
				t.Errorf("range 1 did not split")
			}
			if split < 0 && b.called("range") != 9 {
				t.Errorf("%d range pages fetched, want all 9", b.called("range"))
			}
			wantQuery := `SELECT c._rid, [{"item": VectorDistance(c.v, @v)}] AS orderByItems, {"id": c.id} AS payload FROM c WHERE (true) ORDER BY VectorDistance(c.v, @v)`
			if !b.queries[wantQuery] {
				t.Errorf("ranges were not sent the rewritten query: %v", b.queries)
			}
			for k := 1; k <= len(want); k++ {
				b, _ := vectorBackend("5", split)
				spec := testSpec(false)
				spec.MaxItems = k
				var got []string
				for run := 0; run <= len(want); run++ {
					rows, out := runAll(t, b, spec)
					got = append(got, rows...)
					if out.Continuation == "" {
						break
					}
					spec.Continuation = out.Continuation
				}
				if strings.Join(got, ",") != strings.Join(want, ",") {
					t.Fatalf("k=%d: resumed rows\n got %v\nwant %v", k, got, want)
				}
			}
		})
	}
}

// TestRunnerVectorSearchWithoutTop: the SDKs' refusal, as a usage error,
// before any range is read.
func TestRunnerVectorSearchWithoutTop(t *testing.T) {
	b, _ := vectorBackend("null", -1)
	out, err := (&Runner{Backend: b}).Run(context.Background(), testSpec(false), func(json.RawMessage) error {
		t.Error("a row was written")
		return nil
	})
	var ue *UsageError
	if !errors.As(err, &ue) || ue.Msg != merge.VectorSearchUnboundedMessage {
		t.Fatalf("err = %v, want a usage error with the SDKs' message", err)
	}
	if out.Written != 0 || b.called("range") != 0 || b.called("ranges") != 0 {
		t.Errorf("written %d, range pages %d, range listings %d; want none", out.Written, b.called("range"), b.called("ranges"))
	}
}
