package merge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// memSource serves fixed pages; the continuation is the page index.
type memSource struct{ pages [][]json.RawMessage }

func (s *memSource) NextPage(ctx context.Context, token *string) (Page, error) {
	i := 0
	if token != nil {
		var err error
		if i, err = strconv.Atoi(*token); err != nil || i >= len(s.pages) {
			return Page{}, fmt.Errorf("bad token %q", *token)
		}
	}
	if len(s.pages) == 0 {
		return Page{}, nil
	}
	p := Page{Rows: s.pages[i]}
	if i+1 < len(s.pages) {
		n := strconv.Itoa(i + 1)
		p.Next = &n
	}
	return p, nil
}

func rows(ss ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(ss))
	for i, s := range ss {
		out[i] = json.RawMessage(s)
	}
	return out
}

// ranges builds sources; each range is a list of pages.
func ranges(pages ...[][]json.RawMessage) []Range {
	var out []Range
	for i, p := range pages {
		out = append(out, Range{ID: strconv.Itoa(i), Source: &memSource{pages: p}})
	}
	return out
}

func collect(t *testing.T, m *Merger) []string {
	t.Helper()
	var out []string
	for {
		r, err := m.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, string(r))
	}
}

// takeK takes the first k rows of m, closes it and returns the rows and
// the state after them, round-tripped through JSON as a token carries it.
func takeK(t *testing.T, m *Merger, k int) ([]string, State) {
	t.Helper()
	var got []string
	for i := 0; i < k; i++ {
		r, err := m.Next(context.Background())
		if err != nil {
			t.Fatalf("k=%d: %v", k, err)
		}
		got = append(got, string(r))
	}
	st := m.State()
	m.Close()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var st2 State
	if err := json.Unmarshal(b, &st2); err != nil {
		t.Fatal(err)
	}
	return got, st2
}

func i64(n int64) *int64   { return &n }
func str(s string) *string { return &s }

func ob(items string, payload string) string {
	return `{"_rid":"x","orderByItems":` + items + `,"payload":` + payload + `}`
}

func TestMergeShapes(t *testing.T) {
	tests := []struct {
		name   string
		info   *QueryInfo
		ranges []Range
		want   []string
	}{
		{
			name:   "passthrough keeps range order",
			info:   nil,
			ranges: ranges([][]json.RawMessage{rows(`1`, `2`), rows(`3`)}, nil, [][]json.RawMessage{rows(), rows(`4`)}),
			want:   []string{`1`, `2`, `3`, `4`},
		},
		{
			name: "order by asc across types",
			info: &QueryInfo{OrderBy: []string{"Ascending"}},
			ranges: ranges(
				[][]json.RawMessage{rows(ob(`[{}]`, `"u"`), ob(`[{"item":false}]`, `"f"`)), rows(ob(`[{"item":2}]`, `"2"`), ob(`[{"item":"a"}]`, `"a"`))},
				[][]json.RawMessage{rows(ob(`[{"item":null}]`, `"n"`), ob(`[{"item":true}]`, `"t"`), ob(`[{"item":1.5}]`, `"1.5"`), ob(`[{"item":10}]`, `"10"`), ob(`[{"item":"B"}]`, `"B"`))},
			),
			want: []string{`"u"`, `"n"`, `"f"`, `"t"`, `"1.5"`, `"2"`, `"10"`, `"B"`, `"a"`},
		},
		{
			name: "order by desc",
			info: &QueryInfo{OrderBy: []string{"Descending"}},
			ranges: ranges(
				[][]json.RawMessage{rows(ob(`[{"item":9}]`, `9`), ob(`[{"item":3}]`, `3`))},
				[][]json.RawMessage{rows(ob(`[{"item":7}]`, `7`)), rows(ob(`[{"item":5}]`, `5`), ob(`[{"item":1}]`, `1`))},
			),
			want: []string{`9`, `7`, `5`, `3`, `1`},
		},
		{
			name: "multi order by mixed directions",
			info: &QueryInfo{OrderBy: []string{"Ascending", "Descending"}},
			ranges: ranges(
				[][]json.RawMessage{rows(ob(`[{"item":"a"},{"item":2}]`, `"a2"`), ob(`[{"item":"b"},{"item":9}]`, `"b9"`))},
				[][]json.RawMessage{rows(ob(`[{"item":"a"},{"item":5}]`, `"a5"`), ob(`[{"item":"a"},{"item":1}]`, `"a1"`), ob(`[{"item":"b"},{"item":3}]`, `"b3"`))},
			),
			want: []string{`"a5"`, `"a2"`, `"a1"`, `"b9"`, `"b3"`},
		},
		{
			name: "order by big integers exact",
			info: &QueryInfo{OrderBy: []string{"Ascending"}},
			ranges: ranges(
				[][]json.RawMessage{rows(ob(`[{"item":9223372036854775806}]`, `1`))},
				[][]json.RawMessage{rows(ob(`[{"item":9223372036854775807}]`, `2`))},
				[][]json.RawMessage{rows(ob(`[{"item":9223372036854775805}]`, `0`))},
			),
			want: []string{`0`, `1`, `2`},
		},
		{
			name: "order by with undefined payload skips the row",
			info: &QueryInfo{OrderBy: []string{"Ascending"}},
			ranges: ranges(
				[][]json.RawMessage{rows(`{"orderByItems":[{"item":1}]}`, ob(`[{"item":2}]`, `"x"`))},
			),
			want: []string{`"x"`},
		},
		{
			name: "top after merge",
			info: &QueryInfo{OrderBy: []string{"Ascending"}, Top: i64(3)},
			ranges: ranges(
				[][]json.RawMessage{rows(ob(`[{"item":1}]`, `1`), ob(`[{"item":4}]`, `4`), ob(`[{"item":5}]`, `5`))},
				[][]json.RawMessage{rows(ob(`[{"item":2}]`, `2`), ob(`[{"item":3}]`, `3`), ob(`[{"item":6}]`, `6`))},
			),
			want: []string{`1`, `2`, `3`},
		},
		{
			name: "offset limit after merge",
			info: &QueryInfo{OrderBy: []string{"Ascending"}, Offset: i64(2), Limit: i64(2)},
			ranges: ranges(
				[][]json.RawMessage{rows(ob(`[{"item":1}]`, `1`), ob(`[{"item":4}]`, `4`), ob(`[{"item":5}]`, `5`))},
				[][]json.RawMessage{rows(ob(`[{"item":2}]`, `2`), ob(`[{"item":3}]`, `3`), ob(`[{"item":6}]`, `6`))},
			),
			want: []string{`3`, `4`},
		},
		{
			name:   "top without order by",
			info:   &QueryInfo{Top: i64(2)},
			ranges: ranges([][]json.RawMessage{rows(`{"a":1}`)}, [][]json.RawMessage{rows(`{"a":2}`, `{"a":3}`)}),
			want:   []string{`{"a":1}`, `{"a":2}`},
		},
		{
			name:   "distinct unordered",
			info:   &QueryInfo{DistinctType: "Unordered"},
			ranges: ranges([][]json.RawMessage{rows(`{"a":1,"b":2}`, `"x"`, `2`)}, [][]json.RawMessage{rows(`{"b":2,"a":1}`, `"x"`, `2.0`, `3`)}),
			want:   []string{`{"a":1,"b":2}`, `"x"`, `2`, `3`},
		},
		{
			name: "distinct ordered",
			info: &QueryInfo{DistinctType: "Ordered", OrderBy: []string{"Ascending"}},
			ranges: ranges(
				[][]json.RawMessage{rows(ob(`[{"item":"a"}]`, `"a"`), ob(`[{"item":"b"}]`, `"b"`))},
				[][]json.RawMessage{rows(ob(`[{"item":"a"}]`, `"a"`), ob(`[{"item":"c"}]`, `"c"`))},
			),
			want: []string{`"a"`, `"b"`, `"c"`},
		},
		{
			name:   "value count",
			info:   &QueryInfo{Aggregates: []string{"Count"}, HasSelectValue: true},
			ranges: ranges([][]json.RawMessage{rows(`[{"item":3}]`)}, [][]json.RawMessage{rows(`[{"item":0}]`)}, [][]json.RawMessage{rows(`[{"item":4}]`)}),
			want:   []string{`7`},
		},
		{
			name:   "value count no items",
			info:   &QueryInfo{Aggregates: []string{"Count"}, HasSelectValue: true},
			ranges: ranges([][]json.RawMessage{rows(`[{"item":0}]`)}, [][]json.RawMessage{rows(`[{"item":0}]`)}),
			want:   []string{`0`},
		},
		{
			name:   "value sum ints stay exact and floats combine",
			info:   &QueryInfo{Aggregates: []string{"Sum"}, HasSelectValue: true},
			ranges: ranges([][]json.RawMessage{rows(`[{"item":9007199254740993}]`)}, [][]json.RawMessage{rows(`[{"item":1}]`)}),
			want:   []string{`9007199254740994`},
		},
		{
			name:   "value sum floats",
			info:   &QueryInfo{Aggregates: []string{"Sum"}, HasSelectValue: true},
			ranges: ranges([][]json.RawMessage{rows(`[{"item":1.25}]`)}, [][]json.RawMessage{rows(`[{"item":2}]`)}, [][]json.RawMessage{rows(`[{"item":0}]`)}),
			want:   []string{`3.25`},
		},
		{
			name:   "value sum empty is 0",
			info:   &QueryInfo{Aggregates: []string{"Sum"}, HasSelectValue: true},
			ranges: ranges([][]json.RawMessage{rows(`[{"item":0}]`)}, [][]json.RawMessage{rows(`[{"item":0}]`)}),
			want:   []string{`0`},
		},
		{
			name:   "value avg",
			info:   &QueryInfo{Aggregates: []string{"Average"}, HasSelectValue: true},
			ranges: ranges([][]json.RawMessage{rows(`[{"item":{"sum":10,"count":4}}]`)}, [][]json.RawMessage{rows(`[{"item":{"sum":5,"count":1}}]`)}, [][]json.RawMessage{rows(`[{"item":{"sum":0,"count":0}}]`)}),
			want:   []string{`3`},
		},
		{
			name:   "value avg no items is undefined",
			info:   &QueryInfo{Aggregates: []string{"Average"}, HasSelectValue: true},
			ranges: ranges([][]json.RawMessage{rows(`[{"item":{"sum":0,"count":0}}]`)}, [][]json.RawMessage{rows(`[{"item":{"sum":null,"count":0}}]`)}),
			want:   nil,
		},
		{
			name:   "value min plain and count forms",
			info:   &QueryInfo{Aggregates: []string{"Min"}, HasSelectValue: true},
			ranges: ranges([][]json.RawMessage{rows(`[{"item":{"min":4,"count":2}}]`)}, [][]json.RawMessage{rows(`[{"item":{"min":null,"count":0}}]`)}, [][]json.RawMessage{rows(`[{"item":2.5}]`)}),
			want:   []string{`2.5`},
		},
		{
			name:   "value max in type order",
			info:   &QueryInfo{Aggregates: []string{"Max"}, HasSelectValue: true},
			ranges: ranges([][]json.RawMessage{rows(`[{"item":100}]`)}, [][]json.RawMessage{rows(`[{"item":"abc"}]`)}, [][]json.RawMessage{rows(`[{}]`)}),
			want:   []string{`"abc"`},
		},
		{
			name:   "value max no items",
			info:   &QueryInfo{Aggregates: []string{"Max"}, HasSelectValue: true},
			ranges: ranges([][]json.RawMessage{rows(`[{}]`)}, [][]json.RawMessage{rows(`[{"item":{"max":null,"count":0}}]`)}),
			want:   nil,
		},
		{
			name: "group by with several aggregates",
			info: &QueryInfo{
				GroupByExpressions: []string{"c.g"}, GroupByAliases: []string{"g", "n", "s", "a", "lo", "hi"},
				GroupByAliasToAggregateType: map[string]*string{"g": nil, "n": str("Count"), "s": str("Sum"), "a": str("Average"), "lo": str("Min"), "hi": str("Max")},
			},
			ranges: ranges(
				[][]json.RawMessage{rows(
					`{"groupByItems":[{"item":"x"}],"payload":{"g":"x","n":{"item":2},"s":{"item":3},"a":{"item":{"sum":3,"count":2}},"lo":{"item":1},"hi":{"item":2}}}`,
					`{"groupByItems":[{"item":"y"}],"payload":{"g":"y","n":{"item":1},"s":{"item":5},"a":{"item":{"sum":5,"count":1}},"lo":{"item":5},"hi":{"item":5}}}`)},
				[][]json.RawMessage{rows(
					`{"groupByItems":[{"item":"x"}],"payload":{"g":"x","n":{"item":1},"s":{"item":4},"a":{"item":{"sum":4,"count":1}},"lo":{"item":4},"hi":{"item":4}}}`)},
			),
			want: []string{`{"g":"x","n":3,"s":7,"a":2.3333333333333335,"lo":1,"hi":4}`, `{"g":"y","n":1,"s":5,"a":5,"lo":5,"hi":5}`},
		},
		{
			name:   "non-value aggregate without group by over no rows",
			info:   &QueryInfo{GroupByAliases: []string{"n", "m"}, GroupByAliasToAggregateType: map[string]*string{"n": str("Count"), "m": str("Max")}},
			ranges: ranges([][]json.RawMessage{rows()}, [][]json.RawMessage{rows()}),
			want:   []string{`{"n":0}`},
		},
		{
			name: "group by select value key",
			info: &QueryInfo{GroupByExpressions: []string{"c.g"}, HasSelectValue: true, GroupByAliasToAggregateType: map[string]*string{}},
			ranges: ranges(
				[][]json.RawMessage{rows(`{"groupByItems":[{"item":"a"}],"payload":"a"}`, `{"groupByItems":[{"item":"b"}],"payload":"b"}`)},
				[][]json.RawMessage{rows(`{"groupByItems":[{"item":"a"}],"payload":"a"}`)},
			),
			want: []string{`"a"`, `"b"`},
		},
		{
			name: "group by select value aggregate",
			info: &QueryInfo{GroupByExpressions: []string{"c.g"}, HasSelectValue: true, Aggregates: []string{"Count"}, GroupByAliasToAggregateType: map[string]*string{}},
			ranges: ranges(
				[][]json.RawMessage{rows(`{"groupByItems":[{"item":"a"}],"payload":{"item":2}}`, `{"groupByItems":[{"item":"b"}],"payload":{"item":1}}`)},
				[][]json.RawMessage{rows(`{"groupByItems":[{"item":"a"}],"payload":{"item":5}}`)},
			),
			want: []string{`7`, `1`},
		},
		{
			name:   "empty result",
			info:   &QueryInfo{OrderBy: []string{"Ascending"}},
			ranges: ranges([][]json.RawMessage{rows()}, nil),
			want:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(tt.info, tt.ranges, nil, Options{MaxConcurrency: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			got := collect(t, m)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// randomOrderBy builds n docs with mixed-type sort keys spread over k
// ranges in pages of pageSize, each range sorted like the service would.
func randomOrderBy(seed int64, n, k, pageSize int, desc bool) ([]Range, []string) {
	rnd := rand.New(rand.NewSource(seed))
	type doc struct {
		key  string
		id   int
		rng  int
		item item
	}
	keys := []string{`null`, `true`, `false`, `"a"`, `"b"`, `"ab"`, `1`, `2.5`, `-3`, `10`, `[1]`, `[]`, `[1,"a"]`, `{"a":1}`, `{}`}
	var docs []doc
	for i := 0; i < n; i++ {
		var key string
		if rnd.Intn(3) == 0 {
			key = strconv.Itoa(rnd.Intn(50))
		} else {
			key = keys[rnd.Intn(len(keys))]
		}
		it, _ := decodeItem(json.RawMessage(key))
		docs = append(docs, doc{key: key, id: i, rng: rnd.Intn(k), item: it})
	}
	less := func(a, b doc) bool {
		c := compareItems(a.item, b.item)
		if desc {
			c = -c
		}
		if c != 0 {
			return c < 0
		}
		if a.rng != b.rng {
			return a.rng < b.rng
		}
		return a.id < b.id
	}
	sort.SliceStable(docs, func(i, j int) bool { return less(docs[i], docs[j]) })
	var want []string
	perRange := make([][]json.RawMessage, k)
	for _, d := range docs {
		payload := `{"id":` + strconv.Itoa(d.id) + `}`
		want = append(want, payload)
		perRange[d.rng] = append(perRange[d.rng], json.RawMessage(ob(`[{"item":`+d.key+`}]`, payload)))
	}
	var rs []Range
	for i, rr := range perRange {
		var pages [][]json.RawMessage
		for len(rr) > 0 {
			size := 1 + rnd.Intn(pageSize)
			if size > len(rr) {
				size = len(rr)
			}
			pages = append(pages, rr[:size])
			rr = rr[size:]
			if rnd.Intn(5) == 0 {
				pages = append(pages, nil) // empty pages with a continuation happen
			}
		}
		rs = append(rs, Range{ID: strconv.Itoa(i), Source: &memSource{pages: pages}})
	}
	return rs, want
}

func TestOrderByRandom(t *testing.T) {
	for seed := int64(1); seed <= 20; seed++ {
		desc := seed%2 == 0
		rs, want := randomOrderBy(seed, 200, 4, 7, desc)
		dir := "Ascending"
		if desc {
			dir = "Descending"
		}
		m, err := New(&QueryInfo{OrderBy: []string{dir}}, rs, nil, Options{MaxConcurrency: 3})
		if err != nil {
			t.Fatal(err)
		}
		got := collect(t, m)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("seed %d: merged order differs\n got %v\nwant %v", seed, got, want)
		}
	}
}

// TestResumeAtEveryK splits every shape's result at every k, resumes from
// the encoded state and checks the concatenation equals the full result.
func TestResumeAtEveryK(t *testing.T) {
	rs, _ := randomOrderBy(7, 60, 3, 5, false)
	plain := func() []Range {
		return ranges(
			[][]json.RawMessage{rows(`1`, `2`), nil, rows(`3`)},
			[][]json.RawMessage{rows(`4`), rows(`5`, `6`, `7`)},
			[][]json.RawMessage{rows(`8`)},
		)
	}
	distinct := func() []Range {
		return ranges(
			[][]json.RawMessage{rows(`1`, `2`, `1`), rows(`3`)},
			[][]json.RawMessage{rows(`2`, `4`), rows(`3`, `5`)},
		)
	}
	groupRows := func() []Range {
		return ranges(
			[][]json.RawMessage{rows(`{"groupByItems":[{"item":1}],"payload":{"k":1,"n":{"item":2}}}`, `{"groupByItems":[{"item":2}],"payload":{"k":2,"n":{"item":1}}}`)},
			[][]json.RawMessage{rows(`{"groupByItems":[{"item":3}],"payload":{"k":3,"n":{"item":5}}}`, `{"groupByItems":[{"item":1}],"payload":{"k":1,"n":{"item":1}}}`)},
		)
	}
	tests := []struct {
		name string
		info *QueryInfo
		mk   func() []Range
	}{
		{"passthrough", nil, plain},
		{"top", &QueryInfo{Top: i64(6)}, plain},
		{"offset limit", &QueryInfo{Offset: i64(2), Limit: i64(4)}, plain},
		{"order by", &QueryInfo{OrderBy: []string{"Ascending"}}, func() []Range {
			r, _ := randomOrderBy(7, 60, 3, 5, false)
			return r
		}},
		{"order by offset limit", &QueryInfo{OrderBy: []string{"Ascending"}, Offset: i64(5), Limit: i64(30)}, func() []Range {
			r, _ := randomOrderBy(7, 60, 3, 5, false)
			return r
		}},
		{"distinct unordered", &QueryInfo{DistinctType: "Unordered"}, distinct},
		{"group by", &QueryInfo{GroupByExpressions: []string{"c.k"}, GroupByAliases: []string{"k", "n"}, GroupByAliasToAggregateType: map[string]*string{"k": nil, "n": str("Count")}}, groupRows},
	}
	_ = rs
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(tt.info, tt.mk(), nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			full := collect(t, m)
			if len(full) == 0 {
				t.Fatal("empty full result")
			}
			for k := 0; k <= len(full); k++ {
				m1, _ := New(tt.info, tt.mk(), nil, Options{})
				got, st2 := takeK(t, m1, k)
				m2, err := New(tt.info, tt.mk(), &st2, Options{})
				if err != nil {
					t.Fatalf("k=%d: resume: %v", k, err)
				}
				got = append(got, collect(t, m2)...)
				if strings.Join(got, ",") != strings.Join(full, ",") {
					t.Fatalf("k=%d: resumed result differs\n got %v\nwant %v", k, got, full)
				}
			}
		})
	}
}

// blockingSource answers its first page at once and then waits, so a test
// can observe that rows flow before every range has answered.
type blockingSource struct {
	first   []json.RawMessage
	release chan struct{}
}

func (s *blockingSource) NextPage(ctx context.Context, token *string) (Page, error) {
	if token == nil {
		n := "1"
		return Page{Rows: s.first, Next: &n}, nil
	}
	select {
	case <-s.release:
		return Page{}, nil
	case <-ctx.Done():
		return Page{}, ctx.Err()
	}
}

func TestStreamsBeforeLastRangeAnswers(t *testing.T) {
	release := make(chan struct{})
	slow := &blockingSource{release: release}
	rs := []Range{
		{ID: "0", Source: &memSource{pages: [][]json.RawMessage{rows(`1`, `2`)}}},
		{ID: "1", Source: slow},
	}
	// The slow range never answers its first page until released.
	slow.first = nil
	slowFirst := &gate{release: release}
	rs[1].Source = slowFirst
	m, err := New(nil, rs, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, want := range []string{`1`, `2`} {
		r, err := m.Next(context.Background())
		if err != nil || string(r) != want {
			t.Fatalf("got %s, %v; want %s before the slow range answered", r, err, want)
		}
	}
	close(release)
	r, err := m.Next(context.Background())
	if err != nil || string(r) != `3` {
		t.Fatalf("after release got %s, %v", r, err)
	}
}

type gate struct{ release chan struct{} }

func (g *gate) NextPage(ctx context.Context, token *string) (Page, error) {
	select {
	case <-g.release:
		return Page{Rows: rows(`3`)}, nil
	case <-ctx.Done():
		return Page{}, ctx.Err()
	}
}

func TestErrorsAndCancel(t *testing.T) {
	boom := errors.New("boom")
	m, _ := New(&QueryInfo{OrderBy: []string{"Ascending"}}, []Range{{ID: "0", Source: errSource{boom}}}, nil, Options{})
	if _, err := m.Next(context.Background()); !errors.Is(err, boom) {
		t.Errorf("error = %v, want boom", err)
	}
	m.Close()

	ctx, cancel := context.WithCancel(context.Background())
	m, _ = New(nil, []Range{{ID: "0", Source: &gate{release: make(chan struct{})}}}, nil, Options{})
	cancel()
	if _, err := m.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	m.Close()
}

type errSource struct{ err error }

func (e errSource) NextPage(context.Context, *string) (Page, error) { return Page{}, e.err }
