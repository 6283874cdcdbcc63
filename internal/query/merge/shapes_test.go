package merge

import (
	"encoding/json"
	"fmt"
	"testing"
)

// moreSplitCases are shapes the split cases of split_test.go do not
// cover: several ORDER BY keys with mixed directions and types, TOP, each
// VALUE aggregate, GROUP BY with every aggregate, OFFSET/LIMIT without
// ORDER BY.
func moreSplitCases() []splitCase {
	// Sort keys in descending Cosmos type order; with an ascending second
	// key every (k1, k2) is unique, so children of a split cannot tie.
	k1 := []string{`"b"`, `"a"`, `10`, `2.5`, `-1`, `true`, `false`, `null`, ``}
	twoKeys := func(splitAt int) (*splitWorld, []Range) {
		var p, o []json.RawMessage
		n := 0
		for _, a := range k1 {
			for b := range 3 {
				first := `{"item":` + a + `}`
				if a == `` {
					first = `{}` // undefined
				}
				row := json.RawMessage(ob(fmt.Sprintf(`[%s,{"item":%d}]`, first, b), fmt.Sprintf(`{"id":%d}`, n)))
				if n%3 == 0 {
					o = append(o, row)
				} else {
					p = append(p, row)
				}
				n++
			}
		}
		w := streamWorld(p, 11, splitAt)
		return w, []Range{{ID: "other", Source: &memSource{pages: [][]json.RawMessage{o[:4], nil, o[4:]}}}, {ID: "p", Source: &parentSource{w}}}
	}
	// value builds a VALUE aggregate world: p answers parts (one page
	// each), its children fresh partials that combine to the same, and
	// "other" one more partial.
	value := func(parts, fresh0, fresh1 []string, other string) func(int) (*splitWorld, []Range) {
		return func(splitAt int) (*splitWorld, []Range) {
			var owner []int
			for i := range parts {
				owner = append(owner, i%2)
			}
			w := &splitWorld{rows: rows(parts...), owner: owner, page: 1, splitAt: splitAt,
				fresh: [2][]json.RawMessage{rows(fresh0...), rows(fresh1...)}}
			return w, []Range{{ID: "other", Source: &memSource{pages: [][]json.RawMessage{rows(other)}}}, {ID: "p", Source: &parentSource{w}}}
		}
	}
	g := func(key string, n, s int, lo, hi string, avgSum, avgN int) string {
		return fmt.Sprintf(`{"groupByItems":[{"item":%s}],"payload":{"k":%s,"n":{"item":%d},"s":{"item":%d},"lo":{"item":%s},"hi":{"item":%s},"a":{"item":{"sum":%d,"count":%d}}}}`,
			key, key, n, s, lo, hi, avgSum, avgN)
	}
	groups := func(splitAt int) (*splitWorld, []Range) {
		w := &splitWorld{
			rows:  rows(g(`"x"`, 3, 6, `1`, `"z"`, 6, 3), g(`"y"`, 1, 5, `5`, `5`, 5, 1), g(`null`, 2, 0, `null`, `false`, 0, 0)),
			owner: []int{0, 1, 0}, page: 1, splitAt: splitAt,
			fresh: [2][]json.RawMessage{
				rows(g(`"x"`, 2, 2, `1`, `2`, 2, 2), g(`"y"`, 1, 5, `5`, `5`, 5, 1), g(`null`, 1, 0, `null`, `null`, 0, 0)),
				rows(g(`"x"`, 1, 4, `4`, `"z"`, 4, 1), g(`null`, 1, 0, `false`, `false`, 0, 0)),
			}}
		return w, []Range{{ID: "p", Source: &parentSource{w}}, {ID: "other", Source: &memSource{pages: [][]json.RawMessage{rows(g(`"y"`, 2, 1, `0`, `9`, 1, 2), g(`"w"`, 1, 1, `1`, `1`, 1, 1))}}}}
	}
	plain := func(splitAt int) (*splitWorld, []Range) {
		var p []json.RawMessage
		for i := range 14 {
			p = append(p, json.RawMessage(fmt.Sprintf(`{"v":%d}`, i)))
		}
		// Contiguous halves: the children's streams, one after the other,
		// are p's order, so TOP and OFFSET pick the same rows.
		w := &splitWorld{rows: p, owner: make([]int, len(p)), page: 3, splitAt: splitAt}
		for i := range p {
			if i >= len(p)/2 {
				w.owner[i] = 1
			}
			w.fresh[w.owner[i]] = append(w.fresh[w.owner[i]], p[i])
		}
		return w, []Range{{ID: "p", Source: &parentSource{w}}, {ID: "other", Source: &memSource{pages: [][]json.RawMessage{rows(`{"v":"o1"}`), rows(`{"v":"o2"}`)}}}}
	}
	desc2 := []string{"Descending", "Ascending"}
	aliases := map[string]*string{"k": nil, "n": str("Count"), "s": str("Sum"), "lo": str("Min"), "hi": str("Max"), "a": str("Average")}
	return []splitCase{
		{"order by two keys desc asc mixed types", &QueryInfo{OrderBy: desc2}, true, twoKeys},
		{"top over order by", &QueryInfo{OrderBy: desc2, Top: i64(9)}, true, twoKeys},
		{"offset limit over order by", &QueryInfo{OrderBy: desc2, Offset: i64(5), Limit: i64(12)}, true, twoKeys},
		{"value sum", &QueryInfo{Aggregates: []string{"Sum"}, HasSelectValue: true}, true,
			value([]string{`[{"item":3}]`, `[{"item":4.5}]`}, []string{`[{"item":5}]`}, []string{`[{"item":2.5}]`}, `[{"item":10}]`)},
		{"value avg", &QueryInfo{Aggregates: []string{"Average"}, HasSelectValue: true}, true,
			value([]string{`[{"item":{"sum":6,"count":2}}]`, `[{"item":{"sum":4,"count":2}}]`}, []string{`[{"item":{"sum":7,"count":3}}]`}, []string{`[{"item":{"sum":3,"count":1}}]`}, `[{"item":{"sum":5,"count":5}}]`)},
		{"value min in type order", &QueryInfo{Aggregates: []string{"Min"}, HasSelectValue: true}, true,
			value([]string{`[{"item":5}]`, `[{"item":{"min":false,"count":1}}]`}, []string{`[{"item":false}]`}, []string{`[{"item":5}]`}, `[{"item":"x"}]`)},
		{"value max in type order", &QueryInfo{Aggregates: []string{"Max"}, HasSelectValue: true}, true,
			value([]string{`[{"item":"b"}]`, `[{"item":3}]`}, []string{`[{"item":3}]`}, []string{`[{"item":{"max":"b","count":2}}]`}, `[{"item":"a"}]`)},
		{"value count of nothing", &QueryInfo{Aggregates: []string{"Count"}, HasSelectValue: true}, true,
			value([]string{`[{"item":0}]`, `[{"item":0}]`}, []string{`[{"item":0}]`}, []string{`[{"item":0}]`}, `[{"item":0}]`)},
		{"group by every aggregate", &QueryInfo{GroupByExpressions: []string{"c.k"}, GroupByAliases: []string{"k", "n", "s", "lo", "hi", "a"},
			GroupByAliasToAggregateType: aliases}, true, groups},
		{"offset limit", &QueryInfo{Offset: i64(3), Limit: i64(8)}, true, plain},
		{"top", &QueryInfo{Top: i64(5)}, true, plain},
	}
}

// TestMoreShapes pins the uninterrupted results of moreSplitCases.
func TestMoreShapes(t *testing.T) {
	want := map[string]string{
		"value sum":               `17.5`,
		"value avg":               `1.6666666666666667`,
		"value min in type order": `false`,
		"value max in type order": `"b"`,
		"value count of nothing":  `0`,
		"group by every aggregate": `{"k":"x","n":3,"s":6,"lo":1,"hi":"z","a":2},{"k":"y","n":3,"s":6,"lo":0,"hi":9,"a":2},` +
			`{"k":null,"n":2,"s":0,"lo":null,"hi":false},{"k":"w","n":1,"s":1,"lo":1,"hi":1,"a":1}`,
		"order by two keys desc asc mixed types": `{"id":0},{"id":1},{"id":2},{"id":3},{"id":4},{"id":5},{"id":6},{"id":7},{"id":8},` +
			`{"id":9},{"id":10},{"id":11},{"id":12},{"id":13},{"id":14},{"id":15},{"id":16},{"id":17},` +
			`{"id":18},{"id":19},{"id":20},{"id":21},{"id":22},{"id":23},{"id":24},{"id":25},{"id":26}`,
		"top over order by":          `{"id":0},{"id":1},{"id":2},{"id":3},{"id":4},{"id":5},{"id":6},{"id":7},{"id":8}`,
		"offset limit over order by": `{"id":5},{"id":6},{"id":7},{"id":8},{"id":9},{"id":10},{"id":11},{"id":12},{"id":13},{"id":14},{"id":15},{"id":16}`,
		"offset limit":               `{"v":3},{"v":4},{"v":5},{"v":6},{"v":7},{"v":8},{"v":9},{"v":10}`,
		"top":                        `{"v":0},{"v":1},{"v":2},{"v":3},{"v":4}`,
	}
	for _, tc := range moreSplitCases() {
		t.Run(tc.name, func(t *testing.T) {
			_, rs := tc.world(-1)
			m, err := New(tc.info, rs, nil, Options{MaxConcurrency: 2})
			if err != nil {
				t.Fatal(err)
			}
			got := collect(t, m)
			b, _ := json.Marshal(got)
			var joined string
			for i, r := range got {
				if i > 0 {
					joined += ","
				}
				joined += r
			}
			if w, ok := want[tc.name]; !ok || joined != w {
				t.Errorf("got  %s\nwant %s", b, w)
			}
		})
	}
}

// TestSplitAndResumeAtEveryK: for every shape, take k rows while range p
// splits after 0, 1, 2 or 4 of its pages (or never), save the state
// through JSON, resume on the ranges current then (remapping p's state
// onto its children when it is gone): the rows equal the uninterrupted
// result.
func TestSplitAndResumeAtEveryK(t *testing.T) {
	for _, tc := range append(splitCases(), moreSplitCases()...) {
		t.Run(tc.name, func(t *testing.T) {
			_, rs := tc.world(-1)
			m, err := New(tc.info, rs, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			full := collect(t, m)
			for _, splitAt := range []int{-1, 0, 1, 2, 4} {
				for k := 0; k <= len(full); k++ {
					w, rs := tc.world(splitAt)
					m1, err := New(tc.info, rs, nil, Options{MaxConcurrency: 2})
					if err != nil {
						t.Fatal(err)
					}
					got, st := takeK(t, m1, k)
					now := rs
					if w.isGone() {
						now = nil
						for _, r := range rs {
							if r.ID == "p" {
								now = append(now, w.children()...)
							} else {
								now = append(now, r)
							}
						}
						if err := Remap(&st, now, map[string][]string{"p0": {"p"}, "p1": {"p"}}); err != nil {
							t.Fatalf("split after %d, k=%d: remap: %v", splitAt, k, err)
						}
					}
					m2, err := New(tc.info, now, &st, Options{MaxConcurrency: 2})
					if err != nil {
						t.Fatalf("split after %d, k=%d: resume: %v", splitAt, k, err)
					}
					got = append(got, collect(t, m2)...)
					if !sameResult(tc.ordered, got, full) {
						t.Fatalf("split after %d, k=%d: resumed result differs\n got %v\nwant %v", splitAt, k, got, full)
					}
				}
			}
		})
	}
}
