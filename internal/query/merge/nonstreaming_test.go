package merge

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// vs is a vector search row: score, payload.
func vs(score, payload string) json.RawMessage {
	return json.RawMessage(`{"_rid":"r","orderByItems":[{"item":` + score + `}],"payload":` + payload + `}`)
}

func vector(dir string) *QueryInfo {
	return &QueryInfo{OrderBy: []string{dir}, OrderByExpressions: []string{"VectorDistance(c.v, @v)"}, HasNonStreamingOrderBy: true}
}

func withTop(info *QueryInfo, top int64) *QueryInfo { info.Top = &top; return info }

func withOffsetLimit(info *QueryInfo, off, lim int64) *QueryInfo {
	info.Offset, info.Limit = &off, &lim
	return info
}

func withDistinct(info *QueryInfo) *QueryInfo { info.DistinctType = "Ordered"; return info }

func TestNonStreamingOrderBy(t *testing.T) {
	// Three ranges, several pages each, a tie on 0.5 across ranges 0 and 2.
	three := func() []Range {
		return ranges(
			[][]json.RawMessage{{vs(`0.9`, `"a"`), vs(`0.5`, `"b"`)}, nil, {vs(`0.1`, `"c"`)}},
			[][]json.RawMessage{{vs(`0.8`, `"d"`)}, {vs(`0.7`, `"e"`), vs(`0.2`, `"f"`)}},
			[][]json.RawMessage{{vs(`0.95`, `"g"`), vs(`0.5`, `"h"`), vs(`0.3`, `"i"`)}},
		)
	}
	tests := []struct {
		name   string
		info   *QueryInfo
		ranges []Range
		want   string
	}{
		{"descending top", withTop(vector("Descending"), 4), three(), `"g","a","d","e"`},
		{"ascending top", withTop(vector("Ascending"), 4), three(), `"c","f","i","b"`},
		{"ties go to the range first in EPK order", withTop(vector("Descending"), 6), three(), `"g","a","d","e","b","h"`},
		{"top larger than the result", withTop(vector("Descending"), 50), three(), `"g","a","d","e","b","h","i","f","c"`},
		{"offset limit", withOffsetLimit(vector("Descending"), 2, 3), three(), `"d","e","b"`},
		{"offset past the end", withOffsetLimit(vector("Descending"), 20, 3), three(), ``},
		{"top 0", withTop(vector("Descending"), 0), three(), ``},
		{"an empty range and an empty page", withTop(vector("Ascending"), 3), ranges(
			nil,
			[][]json.RawMessage{nil, {vs(`3`, `"x"`)}, {vs(`1`, `"y"`)}},
			[][]json.RawMessage{{vs(`2`, `"z"`)}},
		), `"y","z","x"`},
		{"distinct drops duplicates before they count", withDistinct(withTop(vector("Descending"), 3)), ranges(
			[][]json.RawMessage{{vs(`0.9`, `{"t":"a"}`), vs(`0.8`, `{"t":"b"}`)}},
			[][]json.RawMessage{{vs(`0.95`, `{"t":"a"}`), vs(`0.85`, `{"t":"b"}`), vs(`0.1`, `{"t":"c"}`)}},
			[][]json.RawMessage{{vs(`0.7`, `{"t":"a"}`), vs(`0.05`, `{"t":"d"}`)}},
		), `{"t":"a"},{"t":"b"},{"t":"c"}`},
		{"distinct with offset limit", withDistinct(withOffsetLimit(vector("Ascending"), 1, 2)), ranges(
			[][]json.RawMessage{{vs(`1`, `1`), vs(`2`, `2`), vs(`3`, `2.0`)}},
			[][]json.RawMessage{{vs(`1.5`, `1`), vs(`4`, `4`), vs(`5`, `5`)}},
		), `2,4`},
		{"rows without payload give no row", withTop(vector("Ascending"), 2), ranges(
			[][]json.RawMessage{{json.RawMessage(`{"orderByItems":[{"item":0}]}`), vs(`2`, `"b"`)}},
			[][]json.RawMessage{{vs(`1`, `"a"`)}},
		), `"a","b"`},
		{"several keys, mixed directions", withTop(&QueryInfo{OrderBy: []string{"Descending", "Ascending"}, HasNonStreamingOrderBy: true}, 3), ranges(
			[][]json.RawMessage{{json.RawMessage(`{"orderByItems":[{"item":1},{"item":"b"}],"payload":"1b"}`), json.RawMessage(`{"orderByItems":[{"item":2},{"item":"z"}],"payload":"2z"}`)}},
			[][]json.RawMessage{{json.RawMessage(`{"orderByItems":[{"item":1},{"item":"a"}],"payload":"1a"}`)}},
		), `"2z","1a","1b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(tt.info, tt.ranges, nil, Options{MaxConcurrency: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if got := strings.Join(collect(t, m), ","); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestNonStreamingOrderByRandom compares the bounded merge with sorting
// every row: random scores with many ties, pages, empty ranges, TOP or
// OFFSET/LIMIT, DISTINCT or not, both directions.
func TestNonStreamingOrderByRandom(t *testing.T) {
	for seed := int64(1); seed <= 60; seed++ {
		rnd := rand.New(rand.NewSource(seed))
		desc := rnd.Intn(2) == 0
		distinct := rnd.Intn(3) == 0
		type row struct {
			score   item
			payload string
			seq     int
		}
		var all []row
		var rs []Range
		seq := 0
		for r := range 1 + rnd.Intn(5) {
			var pages [][]json.RawMessage
			for range rnd.Intn(4) {
				var page []json.RawMessage
				for range rnd.Intn(6) {
					score := strconv.Itoa(rnd.Intn(12))
					if rnd.Intn(4) == 0 {
						score += ".5"
					}
					payload := fmt.Sprintf(`{"id":%d}`, seq)
					if distinct {
						payload = fmt.Sprintf(`{"t":%d}`, rnd.Intn(8))
					}
					it, _ := decodeItem(json.RawMessage(score))
					all = append(all, row{it, payload, seq})
					page = append(page, vs(score, payload))
					seq++
				}
				pages = append(pages, page)
			}
			rs = append(rs, Range{ID: strconv.Itoa(r), Source: &memSource{pages: pages}})
		}
		sort.SliceStable(all, func(i, j int) bool {
			c := compareItems(all[i].score, all[j].score)
			if desc {
				c = -c
			}
			return c < 0 || c == 0 && all[i].seq < all[j].seq
		})
		var want []string
		seen := map[string]bool{}
		for _, r := range all {
			if distinct && seen[r.payload] {
				continue
			}
			seen[r.payload] = true
			want = append(want, r.payload)
		}
		dir := "Ascending"
		if desc {
			dir = "Descending"
		}
		info := vector(dir)
		if distinct {
			withDistinct(info)
		}
		if rnd.Intn(2) == 0 {
			top := int64(rnd.Intn(10))
			withTop(info, top)
			want = want[:min(len(want), int(top))]
		} else {
			off, lim := int64(rnd.Intn(6)), int64(rnd.Intn(8))
			withOffsetLimit(info, off, lim)
			want = want[min(len(want), int(off)):min(len(want), int(off+lim))]
		}
		m, err := New(info, rs, nil, Options{MaxConcurrency: 3})
		if err != nil {
			t.Fatal(err)
		}
		if got := collect(t, m); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("seed %d (desc %v, distinct %v, top %v, offset %v, limit %v):\n got %v\nwant %v",
				seed, desc, distinct, info.Top != nil, info.Offset, info.Limit, got, want)
		}
	}
}

// vectorSplitWorld: range p's rows split between p0 and p1. The children,
// given no continuation, return their own rows (a vector search restarts
// them), which differ in order from p's pages.
func vectorSplitWorld(splitAt int) (*splitWorld, []Range) {
	var p []json.RawMessage
	for i := range 12 {
		p = append(p, vs(fmt.Sprintf("0.%02d", 99-i*7), fmt.Sprintf(`"p%d"`, i)))
	}
	w := streamWorld(p, 9, splitAt)
	other := &memSource{pages: [][]json.RawMessage{{vs(`0.9`, `"o1"`), vs(`0.5`, `"o2"`)}, {vs(`0.01`, `"o3"`)}}}
	return w, []Range{{ID: "p", Source: &parentSource{w}}, {ID: "other", Source: other}}
}

// TestNonStreamingOrderBySplit: a range that splits after any number of
// pages gives the same top-k as one that never does.
func TestNonStreamingOrderBySplit(t *testing.T) {
	for _, info := range []*QueryInfo{withTop(vector("Descending"), 5), withOffsetLimit(vector("Ascending"), 3, 6)} {
		_, rs := vectorSplitWorld(-1)
		m, err := New(info, rs, nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := collect(t, m)
		if len(want) == 0 {
			t.Fatal("empty result")
		}
		for splitAt := 0; splitAt <= 5; splitAt++ {
			w, rs := vectorSplitWorld(splitAt)
			m, err := New(info, rs, nil, Options{MaxConcurrency: 2})
			if err != nil {
				t.Fatal(err)
			}
			if got := collect(t, m); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("%v: split after %d pages:\n got %v\nwant %v", info.OrderBy, splitAt, got, want)
			}
			if splitAt < 4 && !w.isGone() {
				t.Errorf("split after %d pages: the range did not split", splitAt)
			}
		}
	}
}

// TestNonStreamingOrderByResume: a token after k rows records how many
// were delivered; resuming drains again and continues, also after the
// range split in between.
func TestNonStreamingOrderByResume(t *testing.T) {
	info := withOffsetLimit(vector("Descending"), 1, 7)
	_, rs := vectorSplitWorld(-1)
	m, _ := New(info, rs, nil, Options{})
	full := collect(t, m)
	for k := 0; k <= len(full); k++ {
		_, rs := vectorSplitWorld(-1)
		m1, _ := New(info, rs, nil, Options{})
		got, st := takeK(t, m1, k)
		if k > 0 && st.Drained != k+1 {
			t.Errorf("k=%d: state records %d delivered rows, want %d (the offset counts)", k, st.Drained, k+1)
		}
		w, _ := vectorSplitWorld(0)
		now := append(w.children(), rs[1])
		if err := Remap(&st, now, map[string][]string{"p0": {"p"}, "p1": {"p"}}); err != nil {
			t.Fatalf("k=%d: remap: %v", k, err)
		}
		m2, err := New(info, now, &st, Options{})
		if err != nil {
			t.Fatalf("k=%d: resume: %v", k, err)
		}
		got = append(got, collect(t, m2)...)
		if strings.Join(got, ",") != strings.Join(full, ",") {
			t.Fatalf("k=%d: resumed\n got %v\nwant %v", k, got, full)
		}
	}
}

// TestNonStreamingOrderByRefused: without TOP or LIMIT the plan is refused
// with the SDKs' words, by DecodePlan and by New.
func TestNonStreamingOrderByRefused(t *testing.T) {
	plan := `{"partitionedQueryExecutionInfoVersion":2,"queryInfo":{"distinctType":"None","top":null,"offset":null,"limit":null,"orderBy":["Descending"],"orderByExpressions":["VectorDistance(c.v, @v)"],"rewrittenQuery":"SELECT c._rid, [{\"item\": VectorDistance(c.v, @v)}] AS orderByItems, c AS payload FROM c WHERE ({documentdb-formattableorderbyquery-filter}) ORDER BY VectorDistance(c.v, @v)","hasNonStreamingOrderBy":true},"queryRanges":[]}`
	_, err := DecodePlan([]byte(plan))
	var ue *UnboundedVectorSearchError
	if !errors.As(err, &ue) || err.Error() != VectorSearchUnboundedMessage {
		t.Errorf("DecodePlan: %v, want the unbounded vector search refusal", err)
	}
	if _, err := New(vector("Descending"), ranges(nil), nil, Options{}); !errors.As(err, &ue) {
		t.Errorf("New: %v, want the unbounded vector search refusal", err)
	}
	bounded := strings.Replace(plan, `"top":null`, `"top":6`, 1)
	p, err := DecodePlan([]byte(bounded))
	if err != nil {
		t.Fatalf("DecodePlan with TOP: %v", err)
	}
	if q := p.RangeQuery("ignored"); !strings.Contains(q, "WHERE (true) ORDER BY VectorDistance") {
		t.Errorf("range query %q", q)
	}
	if !strings.Contains(Features, "NonStreamingOrderBy") {
		t.Errorf("Features %q do not offer NonStreamingOrderBy", Features)
	}
}
