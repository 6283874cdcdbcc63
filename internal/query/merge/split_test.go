package merge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// splitWorld models range "p" that splits into "p0" and "p1" the way the
// service does: after the split, p answers with a SplitError; a child given
// p's continuation (an offset into p's rows) returns the rows of p from
// there that it owns, in p's order; a child given no token returns its own
// rows (fresh, which for partial aggregates differ from p's).
type splitWorld struct {
	rows      []json.RawMessage // p's result
	owner     []int             // which child holds each of p's rows
	fresh     [2][]json.RawMessage
	page      int
	mu        sync.Mutex
	served    int
	splitAt   int // p's requests answered before it is gone (<0: never)
	childReqs int
}

func (w *splitWorld) isGone() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.splitAt >= 0 && w.served >= w.splitAt
}

func (w *splitWorld) children() []Range {
	return []Range{{ID: "p0", Source: &childSource{w: w, j: 0}}, {ID: "p1", Source: &childSource{w: w, j: 1}}}
}

type parentSource struct{ w *splitWorld }

func (s *parentSource) NextPage(ctx context.Context, token *string) (Page, error) {
	w := s.w
	if w.isGone() {
		return Page{}, &SplitError{Range: "p", Children: w.children(), Err: errors.New("410/1002")}
	}
	w.mu.Lock()
	w.served++
	w.mu.Unlock()
	off := 0
	if token != nil {
		off, _ = strconv.Atoi(*token)
	}
	end := min(off+w.page, len(w.rows))
	p := Page{Rows: w.rows[off:end]}
	if end < len(w.rows) {
		n := strconv.Itoa(end)
		p.Next = &n
	}
	return p, nil
}

type childSource struct {
	w *splitWorld
	j int
}

func (s *childSource) NextPage(ctx context.Context, token *string) (Page, error) {
	w := s.w
	w.mu.Lock()
	w.childReqs++
	w.mu.Unlock()
	if token == nil {
		return Page{Rows: w.fresh[s.j]}, nil // one page: simple
	}
	off, err := strconv.Atoi(*token)
	if err != nil {
		return Page{}, fmt.Errorf("child %d: bad token %q", s.j, *token)
	}
	var p Page
	last := -1
	for i := off; i < len(w.rows) && len(p.Rows) < w.page; i++ {
		if w.owner[i] == s.j {
			p.Rows = append(p.Rows, w.rows[i])
			last = i
		}
	}
	for i := last + 1; last >= 0 && i < len(w.rows); i++ {
		if w.owner[i] == s.j {
			n := strconv.Itoa(last + 1)
			p.Next = &n
			break
		}
	}
	return p, nil
}

// streamWorld: p holds rows (sorted when ordered), split at random between
// the children; "other" is a second, stable range.
func streamWorld(rows []json.RawMessage, seed int64, splitAt int) *splitWorld {
	rng := rand.New(rand.NewSource(seed))
	w := &splitWorld{rows: rows, owner: make([]int, len(rows)), page: 3, splitAt: splitAt}
	for i, r := range rows {
		w.owner[i] = rng.Intn(2)
		w.fresh[w.owner[i]] = append(w.fresh[w.owner[i]], r)
	}
	return w
}

func sortedStrings(ss []string) string {
	c := append([]string(nil), ss...)
	sort.Strings(c)
	return strings.Join(c, ",")
}

type splitCase struct {
	name    string
	info    *QueryInfo
	ordered bool // compare in order (else as multisets)
	world   func(splitAt int) (*splitWorld, []Range)
}

func splitCases() []splitCase {
	obRow := func(v int, id string) json.RawMessage {
		return json.RawMessage(ob(fmt.Sprintf(`[{"item":%d}]`, v), fmt.Sprintf(`{"id":%q,"v":%d}`, id, v)))
	}
	ordered := func(splitAt int) (*splitWorld, []Range) {
		var p, o []json.RawMessage
		for i := 0; i < 40; i++ {
			p = append(p, obRow(i*2, fmt.Sprintf("p%02d", i)))
		}
		for i := 0; i < 15; i++ {
			o = append(o, obRow(i*5+1, fmt.Sprintf("o%02d", i)))
		}
		w := streamWorld(p, 3, splitAt)
		return w, []Range{{ID: "p", Source: &parentSource{w}}, {ID: "other", Source: &memSource{pages: [][]json.RawMessage{o[:7], o[7:]}}}}
	}
	plain := func(splitAt int) (*splitWorld, []Range) {
		var p []json.RawMessage
		for i := 0; i < 25; i++ {
			p = append(p, json.RawMessage(strconv.Itoa(i%9))) // duplicates on purpose
		}
		w := streamWorld(p, 5, splitAt)
		return w, []Range{{ID: "other", Source: &memSource{pages: [][]json.RawMessage{rows(`100`, `3`), rows(`101`)}}}, {ID: "p", Source: &parentSource{w}}}
	}
	count := func(splitAt int) (*splitWorld, []Range) {
		// p answers its partial in two pages; the children's fresh partials sum to p's.
		w := &splitWorld{rows: rows(`[{"item":3}]`, `[{"item":4}]`), owner: []int{0, 1}, page: 1, splitAt: splitAt,
			fresh: [2][]json.RawMessage{rows(`[{"item":5}]`), rows(`[{"item":2}]`)}}
		return w, []Range{{ID: "p", Source: &parentSource{w}}, {ID: "other", Source: &memSource{pages: [][]json.RawMessage{rows(`[{"item":10}]`)}}}}
	}
	group := func(splitAt int) (*splitWorld, []Range) {
		g := func(k, n int) json.RawMessage {
			return json.RawMessage(fmt.Sprintf(`{"groupByItems":[{"item":%d}],"payload":{"k":%d,"n":{"item":%d}}}`, k, k, n))
		}
		w := &splitWorld{rows: []json.RawMessage{g(1, 4), g(2, 2)}, owner: []int{0, 1}, page: 1, splitAt: splitAt,
			fresh: [2][]json.RawMessage{{g(1, 3), g(2, 1)}, {g(1, 1), g(2, 1)}}}
		return w, []Range{{ID: "p", Source: &parentSource{w}}, {ID: "other", Source: &memSource{pages: [][]json.RawMessage{{g(3, 7), g(1, 1)}}}}}
	}
	distinctOrdered := func(splitAt int) (*splitWorld, []Range) {
		// DISTINCT runs per range: both children hold 1 and 6, the parent
		// returned each once.
		v := func(n int) json.RawMessage {
			return json.RawMessage(fmt.Sprintf(`{"orderByItems":[{"item":%d}],"payload":%d}`, n, n))
		}
		w := &splitWorld{rows: []json.RawMessage{v(1), v(2), v(3), v(4), v(5), v(6)}, owner: []int{0, 0, 1, 0, 1, 0}, page: 3, splitAt: splitAt,
			fresh: [2][]json.RawMessage{{v(1), v(2), v(4), v(6)}, {v(1), v(3), v(5), v(6)}}}
		return w, []Range{{ID: "p", Source: &parentSource{w}}, {ID: "other", Source: &memSource{pages: [][]json.RawMessage{{v(2), v(7)}}}}}
	}
	return []splitCase{
		{"distinct ordered", &QueryInfo{OrderBy: []string{"Ascending"}, DistinctType: "Ordered"}, true, distinctOrdered},
		{"passthrough", nil, false, plain},
		{"distinct", &QueryInfo{DistinctType: "Unordered"}, false, plain},
		{"order by", &QueryInfo{OrderBy: []string{"Ascending"}}, true, ordered},
		{"order by offset limit", &QueryInfo{OrderBy: []string{"Ascending"}, Offset: i64(4), Limit: i64(30)}, true, ordered},
		{"value count", &QueryInfo{Aggregates: []string{"Count"}, HasSelectValue: true}, true, count},
		{"group by", &QueryInfo{GroupByExpressions: []string{"c.k"}, GroupByAliases: []string{"k", "n"},
			GroupByAliasToAggregateType: map[string]*string{"k": nil, "n": str("Count")}}, true, group},
	}
}

func sameResult(ordered bool, got, want []string) bool {
	if ordered {
		return strings.Join(got, ",") == strings.Join(want, ",")
	}
	return sortedStrings(got) == sortedStrings(want)
}

// TestSplitDuringMerge: a range that splits after each possible number of
// pages gives the same rows as one that never splits.
func TestSplitDuringMerge(t *testing.T) {
	for _, tc := range splitCases() {
		t.Run(tc.name, func(t *testing.T) {
			_, rs := tc.world(-1)
			m, err := New(tc.info, rs, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := collect(t, m)
			for splitAt := 0; splitAt <= 6; splitAt++ {
				w, rs := tc.world(splitAt)
				m, err := New(tc.info, rs, nil, Options{MaxConcurrency: 2})
				if err != nil {
					t.Fatal(err)
				}
				got := collect(t, m)
				if !sameResult(tc.ordered, got, want) {
					t.Fatalf("split after %d pages:\n got %v\nwant %v", splitAt, got, want)
				}
				if (splitAt == 0 && w.childReqs == 0) || (w.childReqs > 0 && !w.isGone()) {
					t.Errorf("split after %d pages: gone=%v, %d child requests", splitAt, w.isGone(), w.childReqs)
				}
			}
		})
	}
}

// TestRemapAtEveryK: stop after k rows, split the range, resume the saved
// state on the children: the rows equal the unsplit result.
func TestRemapAtEveryK(t *testing.T) {
	for _, tc := range splitCases() {
		t.Run(tc.name, func(t *testing.T) {
			_, rs := tc.world(-1)
			m, _ := New(tc.info, rs, nil, Options{})
			full := collect(t, m)
			for k := 0; k <= len(full); k++ {
				w, rs := tc.world(-1)
				m1, _ := New(tc.info, rs, nil, Options{})
				got, st2 := takeK(t, m1, k)
				w.mu.Lock()
				w.splitAt = 0
				w.mu.Unlock()
				var now []Range
				for _, r := range rs {
					if r.ID == "p" {
						now = append(now, w.children()...)
					} else {
						now = append(now, r)
					}
				}
				if err := Remap(&st2, now, map[string][]string{"p0": {"p"}, "p1": {"p"}}); err != nil {
					t.Fatalf("k=%d: remap: %v", k, err)
				}
				m2, err := New(tc.info, now, &st2, Options{})
				if err != nil {
					t.Fatalf("k=%d: resume: %v", k, err)
				}
				got = append(got, collect(t, m2)...)
				if !sameResult(tc.ordered, got, full) {
					t.Fatalf("k=%d: resumed result differs\n got %v\nwant %v", k, got, full)
				}
			}
		})
	}
}

func TestRemapMapping(t *testing.T) {
	tok := "7"
	tests := []struct {
		name    string
		in      []RangeState
		current []string
		parents map[string][]string
		want    string // JSON of the ranges, or "error"
	}{
		{"unchanged", []RangeState{{ID: "0", Token: &tok}, {ID: "1", Done: true}}, []string{"0", "1"}, nil,
			`[{"id":"0","t":"7"},{"id":"1","d":true}]`},
		{"split at a page boundary", []RangeState{{ID: "0"}, {ID: "1", Token: &tok}}, []string{"0", "2", "3"}, map[string][]string{"2": {"1"}, "3": {"1"}},
			`[{"id":"0"},{"id":"2","t":"7"},{"id":"3","t":"7"}]`},
		{"split mid-page: children share the skip list", []RangeState{{ID: "1", Token: &tok, Consumed: 2, Skip: []uint64{5, 9}}}, []string{"2", "3"}, map[string][]string{"2": {"1"}, "3": {"1"}},
			`[{"id":"2","t":"7","pk":[5,9],"pg":"1"},{"id":"3","t":"7","pk":[5,9],"pg":"1"}]`},
		{"done parent", []RangeState{{ID: "1", Done: true}}, []string{"2", "3"}, map[string][]string{"2": {"1"}, "3": {"1"}},
			`[{"id":"2","d":true},{"id":"3","d":true}]`},
		{"grandchildren", []RangeState{{ID: "1", Token: &tok}}, []string{"2", "4", "5"}, map[string][]string{"2": {"1"}, "4": {"1", "3"}, "5": {"1", "3"}},
			`[{"id":"2","t":"7"},{"id":"4","t":"7"},{"id":"5","t":"7"}]`},
		{"children outside the query are dropped", []RangeState{{ID: "1", Token: &tok}}, []string{"3"}, map[string][]string{"3": {"1"}},
			`[{"id":"3","t":"7"}]`},
		{"unknown range is left for New", []RangeState{{ID: "9"}}, []string{"2"}, map[string][]string{"2": {"1"}},
			`[{"id":"9"}]`},
		{"mid-page without hashes", []RangeState{{ID: "1", Token: &tok, Consumed: 2}}, []string{"2", "3"}, map[string][]string{"2": {"1"}, "3": {"1"}},
			"error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := State{Ranges: tc.in}
			var rs []Range
			for _, id := range tc.current {
				rs = append(rs, Range{ID: id})
			}
			err := Remap(&st, rs, tc.parents)
			if tc.want == "error" {
				if err == nil {
					t.Fatalf("no error; ranges %+v", st.Ranges)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(st.Ranges)
			if string(b) != tc.want {
				t.Errorf("got  %s\nwant %s", b, tc.want)
			}
		})
	}
}
