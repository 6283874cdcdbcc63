package merge_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/query/merge"
)

// onePage is a range that answers one page.
type onePage []json.RawMessage

func (p onePage) NextPage(context.Context, *string) (merge.Page, error) {
	return merge.Page{Rows: p}, nil
}

// FuzzMergePartials: the partial results two ranges send for an aggregate,
// with SELECT VALUE or inside GROUP BY, merge into JSON rows or are refused
// with an error; they never panic.
func FuzzMergePartials(f *testing.F) {
	for _, s := range [][3]string{
		{"Count", `[{"item":3}]`, `[{"item":4}]`},
		{"Sum", `[{"item":1.5}]`, `[{"item":2}]`},
		{"Average", `[{"item":{"sum":3,"count":2}}]`, `[{"item":{"sum":null,"count":0}}]`},
		{"Min", `[{"item":"a"}]`, `[{"item":{"min":1,"count":1}}]`},
		{"Max", `[{"item":true}]`, `[{}]`},
		{"Count", `[{"item":1e400}]`, `[[]]`},
		{"Sum", `{"groupByItems":[{"item":1}],"payload":{"k":1,"n":{"item":2}}}`, `{"groupByItems":[{"item":1}],"payload":{"k":1,"n":{"item":"x"}}}`},
		{"Average", `{"groupByItems":[{}],"payload":{"n":{"item":{"sum":1,"count":1}}}}`, `null`},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, agg, a, b string) {
		if !json.Valid([]byte(a)) || !json.Valid([]byte(b)) {
			return // the SDK never hands on invalid JSON
		}
		infos := []*merge.QueryInfo{
			{Aggregates: []string{agg}, HasSelectValue: true},
			{GroupByExpressions: []string{"c.k"}, GroupByAliases: []string{"k", "n"},
				GroupByAliasToAggregateType: map[string]*string{"k": nil, "n": &agg}},
		}
		for _, info := range infos {
			ranges := []merge.Range{{ID: "0", Source: onePage{json.RawMessage(a)}}, {ID: "1", Source: onePage{json.RawMessage(b)}}}
			m, err := merge.New(info, ranges, nil, merge.Options{})
			if err != nil {
				continue
			}
			for range 10 {
				row, err := m.Next(context.Background())
				if err != nil {
					break // io.EOF, or partials refused with an error
				}
				if !json.Valid(row) {
					t.Fatalf("%s of %s and %s: invalid row %q", agg, a, b, row)
				}
			}
			m.Close()
		}
	})
}
