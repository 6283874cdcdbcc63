package cmd

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/sandbox/sandboxtest"
)

// splitter splits the ranges of shop/orders one after another, oldest
// first, so every shape meets a range it has not seen split yet.
type splitter struct {
	e    *queryEnv
	live []string
}

func newSplitter(e *queryEnv) *splitter {
	return &splitter{e: e, live: []string{"0", "1", "2", "3"}}
}

// next returns the range to split next and records its children.
func (s *splitter) next(children []string) string {
	id := s.live[0]
	s.live = append(s.live[1:], children...)
	return id
}

func (s *splitter) splitNow(t *testing.T) {
	t.Helper()
	id := s.live[0]
	children, err := s.e.sb.Gateway.SplitRange("shop", "orders", id)
	if err != nil {
		t.Fatal(err)
	}
	s.next(children)
}

// assertSameAsSingleRange compares rows from the split container with
// orders1 the way TestQueryCrossPartitionMatchesSingleRange does.
func assertSameAsSingleRange(t *testing.T, sql string, ordered bool, got, single []json.RawMessage) {
	t.Helper()
	multi := queryNormalize(t, got)
	one := queryNormalize(t, single)
	a, b := queryCanonSort(t, multi), queryCanonSort(t, one)
	if ordered {
		// Aggregates may differ in the last float digit (summation order).
		keys := queryOrderKeys(sql)
		if keys == nil {
			if !queryApproxEqual(multi, one) {
				t.Fatalf("split container and 1 range differ:\n split %v\nsingle %v", truncateAny(multi), truncateAny(one))
			}
			return
		}
		if !queryApproxEqual(queryProject(multi, keys), queryProject(one, keys)) {
			t.Fatalf("split container and 1 range order differently:\n split %v\nsingle %v", truncateAny(multi), truncateAny(one))
		}
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("split container and 1 range differ (%d vs %d rows):\n split %v\nsingle %v\nfirst difference: %s", len(a), len(b), truncateStr(a), truncateStr(b), firstDiff(a, b))
	}
}

// firstDiff names the first row only one side has (both sorted).
func firstDiff(a, b []string) string {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			i++
			j++
		case a[i] < b[j]:
			return "only in the split result: " + a[i]
		default:
			return "only in the single range: " + b[j]
		}
	}
	if i < len(a) {
		return "only in the split result: " + a[i]
	}
	if j < len(b) {
		return "only in the single range: " + b[j]
	}
	return "none"
}

// TestQuerySplitBeforeStart: ranges split before the query runs (every
// shape sees one more split than the previous one).
func TestQuerySplitBeforeStart(t *testing.T) {
	e := queryStart(t)
	s := newSplitter(e)
	for _, tt := range queryShapes {
		t.Run(tt.name, func(t *testing.T) {
			s.splitNow(t)
			args := append([]string{"query", tt.sql, "-d", "shop", "--page-size", "50"}, tt.extra...)
			got := e.mustJSON(t, append(args, "-c", "orders")...)
			single := e.mustJSON(t, append(args, "-c", "orders1")...)
			assertSameAsSingleRange(t, tt.sql, tt.ordered, got, single)
		})
	}
}

// TestQuerySplitDuringQuery: a range splits after it answered its first
// page; the rest of its rows come from its children (410/1002, re-read
// ranges, continue on the children).
func TestQuerySplitDuringQuery(t *testing.T) {
	e := queryStart(t)
	s := newSplitter(e)
	gone := 0
	for _, tt := range queryShapes {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"query", tt.sql, "-d", "shop", "--page-size", "5"}, tt.extra...)
			single := e.mustJSON(t, append(args, "-c", "orders1")...)
			before := e.sb.Gateway.Stats().ByStatus[410]
			id := s.live[0]
			done := e.sb.Gateway.SplitRangeAfter("shop", "orders", id, 1)
			got := e.mustJSON(t, append(args, "-c", "orders")...)
			select {
			case children := <-done:
				if len(children) != 2 {
					t.Fatalf("split of range %s failed", id)
				}
				s.next(children)
			default:
				// The query never read the range (TOP 0): split it now so
				// the next shape arms a fresh range (the trigger goes
				// dormant: the old id serves no more pages).
				s.splitNow(t)
			}
			if e.sb.Gateway.Stats().ByStatus[410] > before {
				gone++
			}
			assertSameAsSingleRange(t, tt.sql, tt.ordered, got, single)
		})
	}
	// Shapes with several pages per range read the split range again after
	// its first page (aggregates and small DISTINCT/GROUP BY results have
	// one page per range and finish before the split matters).
	t.Logf("%d of %d shapes met the split range's 410", gone, len(queryShapes))
	if gone < 10 {
		t.Errorf("only %d of %d shapes met the split range's 410", gone, len(queryShapes))
	}
}

// TestQuerySplitBetweenContinuations: --max-items stops, ranges split,
// --continuation resumes on the children: the joined rows equal orders1's.
func TestQuerySplitBetweenContinuations(t *testing.T) {
	e := queryStart(t)
	s := newSplitter(e)
	for _, tt := range queryShapes {
		t.Run(tt.name, func(t *testing.T) {
			base := append([]string{"query", tt.sql, "-d", "shop", "--page-size", "6"}, tt.extra...)
			single := e.mustJSON(t, append(base, "-c", "orders1")...)
			full := e.mustJSON(t, append(base, "-c", "orders")...)
			// Small results at k=1 and 4, large ones in about three rounds.
			ks := []int{1, 4}
			if len(full) > 12 {
				ks = []int{len(full)/3 + 1}
			}
			for _, k := range ks {
				var got []json.RawMessage
				token := ""
				for round := 0; ; round++ {
					args := append(append([]string{}, base...), "-c", "orders", "--max-items", fmt.Sprint(k), "-o", "json")
					if token != "" {
						args = append(args, "--continuation", token)
					}
					r := e.run(t, args...)
					if r.err != nil {
						t.Fatalf("k=%d round %d: exit %d: %s", k, round, r.code, r.stderr)
					}
					var page []json.RawMessage
					if err := json.Unmarshal([]byte(r.stdout), &page); err != nil {
						t.Fatal(err)
					}
					got = append(got, page...)
					token = r.continuation()
					if token == "" {
						break
					}
					if round > len(full)/k+3 {
						t.Fatalf("k=%d: never finished", k)
					}
					// Split a range between the two invocations (only the
					// first rounds, to keep the test quick).
					if round < 2 {
						s.splitNow(t)
					}
				}
				assertSameAsSingleRange(t, tt.sql, tt.ordered, got, single)
			}
		})
	}
}

// TestQuerySplitCascade: a range splits mid-query and then its children
// split too, and a single-partition query's token outlives a split of
// its partition's range.
func TestQuerySplitCascade(t *testing.T) {
	e := queryStart(t)
	gw := e.sb.Gateway
	shapes := []struct {
		sql     string
		ordered bool
	}{
		{"SELECT c.id, c.total FROM c ORDER BY c.total DESC", true},
		{"SELECT c.id, i.sku FROM c JOIN i IN c.items", false},
		{"SELECT c.customerId, COUNT(1) AS n, SUM(c.total) AS total FROM c GROUP BY c.customerId", false},
		{"SELECT DISTINCT VALUE c.city FROM c ORDER BY c.city", true},
	}
	next := 4 // ids the gateway gives children: 4 ranges, then two per split
	parent := 0
	for _, sh := range shapes {
		t.Run(sh.sql, func(t *testing.T) {
			// Range p splits after its first page; its children after
			// their first and second.
			p := fmt.Sprint(parent)
			lo, hi := fmt.Sprint(next), fmt.Sprint(next+1)
			parent, next = parent+1, next+2
			first := gw.SplitRangeAfter("shop", "orders", p, 1)
			a := gw.SplitRangeAfter("shop", "orders", lo, 1)
			b := gw.SplitRangeAfter("shop", "orders", hi, 2)
			args := []string{"query", sh.sql, "-d", "shop", "--page-size", "4"}
			single := e.mustJSON(t, append(args, "-c", "orders1")...)
			got := e.mustJSON(t, append(args, "-c", "orders")...)
			assertSameAsSingleRange(t, sh.sql, sh.ordered, got, single)
			if c := <-first; strings.Join(c, ",") != lo+","+hi {
				t.Fatalf("range %s split into %v, want %s,%s", p, c, lo, hi)
			}
			// Children that were read split as well; disarm the others by
			// splitting them now, and keep the id bookkeeping in step.
			for _, ch := range []struct {
				id   string
				done <-chan []string
			}{{lo, a}, {hi, b}} {
				select {
				case <-ch.done:
					t.Logf("child %s split during the query", ch.id)
				default:
					if _, err := gw.SplitRange("shop", "orders", ch.id); err != nil {
						t.Fatal(err)
					}
				}
				next += 2
			}
		})
	}

	// --pk: the token names the logical partition, not a range.
	base := []string{"query", "SELECT * FROM c ORDER BY c.total", "-d", "shop", "--pk", "c7", "--page-size", "3"}
	full := e.mustJSON(t, append(base, "-c", "orders1")...)
	r := e.run(t, append(base, "-c", "orders", "--max-items", "4", "-o", "json")...)
	if r.err != nil {
		t.Fatal(r.stderr)
	}
	var got []json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	token := r.continuation()
	if token == "" {
		t.Fatalf("no continuation: %s", r.stderr)
	}
	// Split every live range once (gone ids are refused), so c7's does.
	split := 0
	for id := range next {
		if _, err := gw.SplitRange("shop", "orders", fmt.Sprint(id)); err == nil {
			split++
		}
	}
	if split == 0 {
		t.Fatal("no range split")
	}
	rest := e.mustJSON(t, append(base, "-c", "orders", "--continuation", token)...)
	assertSameAsSingleRange(t, "SELECT * FROM c ORDER BY c.total", true, append(got, rest...), full)
}

// TestQuerySplitFault: the sandbox's --fault split=DB/COLL/RANGE@N splits
// a range while a query reads it.
func TestQuerySplitFault(t *testing.T) {
	e := queryStart(t, sandboxtest.WithFaults("split=shop/orders/2@2"))
	sql := "SELECT c.id, c.total FROM c ORDER BY c.total"
	args := []string{"query", sql, "-d", "shop", "--page-size", "5"}
	single := e.mustJSON(t, append(args, "-c", "orders1")...)
	got := e.mustJSON(t, append(args, "-c", "orders")...)
	assertSameAsSingleRange(t, sql, true, got, single)
	if n := e.sb.Gateway.Stats().ByStatus[410]; n == 0 {
		t.Error("the query never met the split range's 410")
	}
}
