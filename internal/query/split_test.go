package query

import (
	"errors"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/query/merge"
)

// TestSplitChildren: after a split, a pinned range's stream continues on
// the current ranges that name it as a parent and that the query reads.
func TestSplitChildren(t *testing.T) {
	feed := []cosmos.PartitionKeyRange{
		{ID: "0", MinInclusive: "", MaxExclusive: "20"},
		{ID: "4", MinInclusive: "20", MaxExclusive: "28", Parents: []string{"1"}},
		{ID: "6", MinInclusive: "28", MaxExclusive: "2C", Parents: []string{"1", "5"}},
		{ID: "7", MinInclusive: "2C", MaxExclusive: "30", Parents: []string{"1", "5"}},
		{ID: "2", MinInclusive: "30", MaxExclusive: "FF"},
	}
	all := []merge.QueryRange{{Min: "", Max: "FF", IsMinInclusive: true}}
	point := []merge.QueryRange{{Min: "2A", Max: "2A", IsMinInclusive: true, IsMaxInclusive: true}}
	tests := []struct {
		name   string
		gone   string
		ranges []merge.QueryRange
		want   string
	}{
		{"children and grandchildren", "1", all, "4,6,7"},
		{"second generation", "5", all, "6,7"},
		{"only the children the query reads", "1", point, "6"},
		{"a range nobody descends from", "3", all, ""},
		{"a live range is no parent", "0", all, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := &run{spec: Spec{Query: "SELECT * FROM c"}, stats: &Stats{},
				plan: &merge.Plan{QueryRanges: tc.ranges, QueryInfo: merge.QueryInfo{RewrittenQuery: "SELECT r FROM c WHERE ({documentdb-formattableorderbyquery-filter})"}}}
			var ids []string
			children, _ := q.rangesOf(descendants(feed, tc.gone))
			for _, r := range children {
				ids = append(ids, r.ID)
				rs, ok := r.Source.(*rangeSource)
				if !ok || rs.id != r.ID || rs.query != "SELECT r FROM c WHERE (true)" {
					t.Errorf("child %s: source %+v is not pinned to it with the range query", r.ID, r.Source)
				}
			}
			if got := strings.Join(ids, ","); got != tc.want {
				t.Errorf("children = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestDecodeTokenSplitState(t *testing.T) {
	enc := func(ranges string) string {
		return legacyTokenPrefix + b64(`{"v":1,"q":"00000000000000000000000000000000","m":"merge","s":{"r":[`+ranges+`]}}`)
	}
	tests := []struct {
		name, ranges string
		ok           bool
	}{
		{"consumed rows with hashes", `{"id":"0","t":"x","n":2,"k":[1,2]}`, true},
		{"children sharing a skip list", `{"id":"4","t":"x","pk":[1,2],"pg":"1"},{"id":"5","t":"x","pk":[1,2],"pg":"1"}`, true},
		{"more hashes than rows", `{"id":"0","t":"x","n":1,"k":[1,2]}`, false},
		{"group without rows", `{"id":"4","pg":"1"}`, false},
		{"rows without group", `{"id":"4","pk":[3]}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeToken(enc(tc.ranges))
			var te *TokenError
			if tc.ok && err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if !tc.ok && !errors.As(err, &te) {
				t.Fatalf("err = %v, want *TokenError", err)
			}
		})
	}
	bad := legacyTokenPrefix + b64(`{"v":1,"q":"00000000000000000000000000000000","m":"merge","s":{"r":[{"id":"0"}],"lk":"x"}}`)
	if _, err := DecodeToken(bad); err == nil || !strings.Contains(err.Error(), "sort key") {
		t.Errorf("bad sort key: err = %v", err)
	}
}
