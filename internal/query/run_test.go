package query

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"

	"github.com/cosmosctl/cosmosctl/internal/cosmos"
	"github.com/cosmosctl/cosmosctl/internal/query/merge"
)

// fakeBackend is an in-memory service. The cross-partition probe is
// served from direct when set, else refused with a *Refusal carrying
// planJSON (empty: the plan must be requested, and plan answers). Range
// pages come from rangePages, where a continuation is a page index. A
// range in splits is gone once it has served that many pages: its
// children then share its pages (child j the rows at even/odd positions)
// and accept its continuations, like the service after a split.
type fakeBackend struct {
	single   [][]json.RawMessage
	direct   [][]json.RawMessage
	planJSON string
	plan     *merge.Plan
	ranges   []cosmos.PartitionKeyRange
	pages    map[string][][]json.RawMessage
	splits   map[string]int

	mu     sync.Mutex
	served map[string]int
	gone   map[string]bool
	calls  map[string]int
	// queries are the range queries RangePage was asked to run.
	queries map[string]bool
}

var errGone = errors.New("410/1002: partition key range is gone")

func (f *fakeBackend) count(call string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[call]++
}

func (f *fakeBackend) called(call string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[call]
}

func pageAt(pages [][]json.RawMessage, token *string) (Page, error) {
	i := 0
	if token != nil {
		var err error
		if i, err = strconv.Atoi(*token); err != nil || i >= len(pages) {
			return Page{}, fmt.Errorf("bad continuation %q", *token)
		}
	}
	if len(pages) == 0 {
		return Page{Cost: Cost{Charge: 1}}, nil
	}
	p := Page{Rows: pages[i], Cost: Cost{Charge: 1}}
	if i+1 < len(pages) {
		n := strconv.Itoa(i + 1)
		p.Next = &n
	}
	return p, nil
}

func (f *fakeBackend) QueryPage(_ context.Context, spec Spec, token *string) (Page, error) {
	if spec.PartitionKey != nil {
		f.count("single")
		return pageAt(f.single, token)
	}
	f.count("probe")
	if f.direct == nil {
		return Page{}, &Refusal{PlanJSON: f.planJSON, Err: errors.New("400/1004: cross partition query can not be directly served by the gateway")}
	}
	return pageAt(f.direct, token)
}

func (f *fakeBackend) Plan(context.Context, Spec) (*merge.Plan, Cost, error) {
	f.count("plan")
	if f.plan == nil {
		return nil, Cost{}, errors.New("no plan")
	}
	return f.plan, Cost{Charge: 0.5}, nil
}

// current is the range feed now: split ranges replaced by their children.
func (f *fakeBackend) current() []cosmos.PartitionKeyRange {
	var out []cosmos.PartitionKeyRange
	for _, r := range f.ranges {
		if !f.gone[r.ID] {
			out = append(out, r)
			continue
		}
		mid := r.MinInclusive + "8"
		out = append(out,
			cosmos.PartitionKeyRange{ID: r.ID + ".0", MinInclusive: r.MinInclusive, MaxExclusive: mid, Parents: []string{r.ID}},
			cosmos.PartitionKeyRange{ID: r.ID + ".1", MinInclusive: mid, MaxExclusive: r.MaxExclusive, Parents: []string{r.ID}})
	}
	return out
}

func (f *fakeBackend) Ranges(context.Context, Spec) ([]cosmos.PartitionKeyRange, error) {
	f.count("ranges")
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.current(), nil
}

func (f *fakeBackend) RangePage(_ context.Context, _ Spec, id, query string, token *string) (Page, error) {
	f.count("range")
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.queries == nil {
		f.queries, f.served, f.gone = map[string]bool{}, map[string]int{}, map[string]bool{}
	}
	f.queries[query] = true
	if parent, j, ok := strings.Cut(id, "."); ok {
		var pages [][]json.RawMessage
		n := 0
		for _, p := range f.pages[parent] {
			var mine []json.RawMessage
			for _, row := range p {
				if strconv.Itoa(n%2) == j {
					mine = append(mine, row)
				}
				n++
			}
			pages = append(pages, mine)
		}
		return pageAt(pages, token)
	}
	if after, ok := f.splits[id]; ok && f.served[id] >= after {
		f.gone[id] = true
	}
	if f.gone[id] {
		var kids []cosmos.PartitionKeyRange
		for _, r := range f.current() {
			if len(r.Parents) > 0 && r.Parents[0] == id {
				kids = append(kids, r)
			}
		}
		return Page{}, &RangeSplitError{Range: id, Children: kids, Err: errGone, Rereads: 1}
	}
	f.served[id]++
	return pageAt(f.pages[id], token)
}

const orderByPlan = `{"partitionedQueryExecutionInfoVersion":2,"queryInfo":{"distinctType":"None","orderBy":["Ascending"],"orderByExpressions":["c.n"],"rewrittenQuery":"SELECT c._rid, [{\"item\": c.n}] AS orderByItems, c AS payload FROM c WHERE ({documentdb-formattableorderbyquery-filter}) ORDER BY c.n"},"queryRanges":[{"min":"","max":"FF","isMinInclusive":true,"isMaxInclusive":false}]}`

const rangeQuery = `SELECT c._rid, [{"item": c.n}] AS orderByItems, c AS payload FROM c WHERE (true) ORDER BY c.n`

func obRow(n int) string {
	return fmt.Sprintf(`{"_rid":"r","orderByItems":[{"item":%d}],"payload":{"n":%d}}`, n, n)
}

// mergeBackend serves ORDER BY c.n over three ranges with rows n = 0..29;
// range "1" splits after split pages (<0: never).
func mergeBackend(planInRefusal bool, split int) (*fakeBackend, []string) {
	pages := map[string][][]json.RawMessage{}
	var want []string
	for i := range 30 {
		id := strconv.Itoa(i % 3)
		ps := pages[id]
		if len(ps) == 0 || len(ps[len(ps)-1]) == 4 {
			ps = append(ps, nil)
		}
		ps[len(ps)-1] = append(ps[len(ps)-1], json.RawMessage(obRow(i)))
		pages[id] = ps
		want = append(want, fmt.Sprintf(`{"n":%d}`, i))
	}
	plan, _ := merge.DecodePlan([]byte(orderByPlan))
	f := &fakeBackend{plan: plan, pages: pages, ranges: []cosmos.PartitionKeyRange{
		{ID: "0", MinInclusive: "", MaxExclusive: "55"},
		{ID: "1", MinInclusive: "55", MaxExclusive: "AA"},
		{ID: "2", MinInclusive: "AA", MaxExclusive: "FF"},
	}}
	if planInRefusal {
		f.planJSON = orderByPlan
	}
	if split >= 0 {
		f.splits = map[string]int{"1": split}
	}
	return f, want
}

func plainBackend() (*fakeBackend, []string) {
	var want []string
	var pages [][]json.RawMessage
	for i := range 11 {
		if i%3 == 0 {
			pages = append(pages, nil)
		}
		row := fmt.Sprintf(`{"id":"d%d"}`, i)
		pages[len(pages)-1] = append(pages[len(pages)-1], json.RawMessage(row))
		want = append(want, row)
	}
	return &fakeBackend{single: pages, direct: pages}, want
}

func testSpec(pk bool) Spec {
	s := Spec{Database: "db", Container: "coll", Query: "SELECT * FROM c ORDER BY c.n", MaxConcurrency: 2}
	if pk {
		k := azcosmos.NewPartitionKeyString("a")
		s.PartitionKey, s.PartitionKeyJSON = &k, `["a"]`
	}
	return s
}

func runAll(t *testing.T, b Backend, spec Spec) ([]string, *Outcome) {
	t.Helper()
	var got []string
	out, err := (&Runner{Backend: b}).Run(context.Background(), spec, func(r json.RawMessage) error {
		got = append(got, string(r))
		return nil
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return got, out
}

// TestRunnerModes: which path a query takes, what it asks the backend, and
// that the rows are the whole result.
func TestRunnerModes(t *testing.T) {
	tests := []struct {
		name       string
		backend    func() (*fakeBackend, []string)
		pk         bool
		mode       string
		calls      map[string]int // backend calls that must have happened (-1: none)
		roundTrips int
	}{
		{"single with --pk", func() (*fakeBackend, []string) { return plainBackend() }, true, ModeSingle,
			map[string]int{"single": 4, "probe": -1, "plan": -1, "ranges": -1}, 4},
		{"direct when the gateway serves the probe", func() (*fakeBackend, []string) { return plainBackend() }, false, ModeDirect,
			map[string]int{"probe": 4, "plan": -1, "ranges": -1, "range": -1}, 4},
		{"merge with the plan of the 400/1004 refusal", func() (*fakeBackend, []string) { return mergeBackend(true, -1) }, false, ModeMerge,
			map[string]int{"probe": 1, "plan": -1, "ranges": 1, "range": 9}, 11},
		{"refusal without a plan asks for it", func() (*fakeBackend, []string) { return mergeBackend(false, -1) }, false, ModeMerge,
			map[string]int{"probe": 1, "plan": 1, "ranges": 1, "range": 9}, 12},
		{"split during the merge", func() (*fakeBackend, []string) { return mergeBackend(true, 1) }, false, ModeMerge,
			map[string]int{"probe": 1, "ranges": 1, "range": 3 + 3 + 2 + 2 + 2}, 1 + 1 + (3 + 3 + 1 + 2 + 2) + 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, want := tc.backend()
			got, out := runAll(t, b, testSpec(tc.pk))
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("rows\n got %v\nwant %v", got, want)
			}
			if out.Mode != tc.mode || out.Continuation != "" {
				t.Errorf("mode %q continuation %q, want %q and none", out.Mode, out.Continuation, tc.mode)
			}
			for call, n := range tc.calls {
				if got := b.called(call); (n < 0 && got != 0) || (n >= 0 && got != n) {
					t.Errorf("%s calls = %d, want %d", call, got, max(n, 0))
				}
			}
			if out.Stats.RoundTrips != tc.roundTrips {
				t.Errorf("round trips = %d, want %d", out.Stats.RoundTrips, tc.roundTrips)
			}
			if tc.mode == ModeMerge && !b.queries[rangeQuery] {
				t.Errorf("ranges were not sent the plan's rewritten query: %v", b.queries)
			}
		})
	}
}

// TestRunnerResume: --max-items k hands out a token; resuming from it,
// k rows at a time, completes the result without duplicates, in every
// mode (and across a split that happens between two runs).
func TestRunnerResume(t *testing.T) {
	tests := []struct {
		name    string
		backend func() (*fakeBackend, []string)
		pk      bool
		mode    string
	}{
		{"single", plainBackend, true, ModeSingle},
		{"direct", plainBackend, false, ModeDirect},
		{"merge", func() (*fakeBackend, []string) { return mergeBackend(true, -1) }, false, ModeMerge},
		{"merge across a split", func() (*fakeBackend, []string) { return mergeBackend(true, 2) }, false, ModeMerge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, want := tc.backend()
			for k := 1; k <= len(want)+1; k++ {
				b, _ := tc.backend()
				spec := testSpec(tc.pk)
				spec.MaxItems = k
				var got []string
				for run := 0; ; run++ {
					if run > len(want)+1 {
						t.Fatalf("k=%d: no end after %d runs", k, run)
					}
					rows, out := runAll(t, b, spec)
					if len(rows) > k {
						t.Fatalf("k=%d: a run wrote %d rows", k, len(rows))
					}
					if out.Mode != tc.mode {
						t.Fatalf("k=%d run %d: mode %q, want %q", k, run, out.Mode, tc.mode)
					}
					got = append(got, rows...)
					if out.Continuation == "" {
						break
					}
					if len(rows) != k {
						t.Fatalf("k=%d: a token after %d rows", k, len(rows))
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

// tokenFor runs spec with --max-items 2 and returns the token.
func tokenFor(t *testing.T, b Backend, spec Spec) string {
	t.Helper()
	spec.MaxItems = 2
	_, out := runAll(t, b, spec)
	if out.Continuation == "" {
		t.Fatal("no continuation token")
	}
	return out.Continuation
}

// TestRunnerRejectsTokens: tokens of another mode, query or page size are
// usage errors that say what to do.
func TestRunnerRejectsTokens(t *testing.T) {
	plain, _ := plainBackend()
	merged, _ := mergeBackend(true, -1)
	single := tokenFor(t, plain, testSpec(true))
	direct := tokenFor(t, plain, testSpec(false))
	mergeTok := tokenFor(t, merged, testSpec(false))
	// The query hash covers the partition key, so only a token whose
	// mode does not match its query gets to the mode checks.
	remode := func(tok, mode string) string {
		t.Helper()
		d, err := DecodeToken(tok)
		if err != nil {
			t.Fatal(err)
		}
		d.Mode = mode
		s, err := EncodeToken(*d)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	withSize := testSpec(false)
	withSize.PageSize = 7
	sized := tokenFor(t, plain, withSize)
	other := testSpec(false)
	other.Query = "SELECT * FROM c"
	tests := []struct {
		name  string
		spec  Spec
		token string
		want  string
	}{
		{"single token without --pk", testSpec(false), remode(direct, ModeSingle), "it was issued for a single-partition query; pass the same --pk"},
		{"direct token with --pk", testSpec(true), remode(single, ModeDirect), "it was not issued for a single-partition query"},
		{"merge token with --pk", testSpec(true), remode(single, ModeMerge), "it was not issued for a single-partition query"},
		{"token of the same query with --pk", testSpec(true), direct, "it belongs to a different query"},
		{"another query", other, mergeTok, "it belongs to a different query"},
		{"another page size", func() Spec { s := testSpec(false); s.PageSize = 9; return s }(), sized, "it was issued with --page-size 7"},
		{"not a token", testSpec(false), "abc", "not a cosmosctl continuation token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := mergeBackend(true, -1)
			tc.spec.Continuation = tc.token
			out, err := (&Runner{Backend: b}).Run(context.Background(), tc.spec, func(json.RawMessage) error {
				t.Error("a row was written")
				return nil
			})
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(ue.Msg, tc.want) || !strings.HasPrefix(ue.Msg, "invalid continuation token") {
				t.Fatalf("err = %v, want a usage error saying %q", err, tc.want)
			}
			if out == nil || out.Written != 0 {
				t.Errorf("outcome %+v", out)
			}
		})
	}
}

// TestRunnerErrors: backend failures reach the caller unchanged (the
// command explains them); a plan that cannot be merged is refused.
func TestRunnerErrors(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		b    Backend
		want string
	}{
		{"probe fails without a refusal", &failingBackend{probe: boom}, "boom"},
		{"the refusal's plan is corrupt", &fakeBackend{planJSON: "{"}, "the gateway's query plan"},
		{"the plan cannot be fetched", &fakeBackend{}, "no plan"},
		{"no range overlaps", func() Backend { b, _ := mergeBackend(true, -1); b.ranges = nil; return b }(), "no partition key range of db/coll overlaps the query"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := (&Runner{Backend: tc.b}).Run(context.Background(), testSpec(false), func(json.RawMessage) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			var ue *UsageError
			if errors.As(err, &ue) {
				t.Errorf("a backend failure became a usage error: %v", err)
			}
		})
	}
}

type failingBackend struct {
	fakeBackend
	probe error
}

func (f *failingBackend) QueryPage(context.Context, Spec, *string) (Page, error) {
	return Page{}, f.probe
}

// TestRunnerStopsOnEmitError: emit's error stops the run, and the pages fetched
// stay within the prefetch bound (the probe, one buffered, one waiting).
func TestRunnerStopsOnEmitError(t *testing.T) {
	b, _ := plainBackend()
	stop := errors.New("stop")
	n := 0
	out, err := (&Runner{Backend: b}).Run(context.Background(), testSpec(false), func(json.RawMessage) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || out.Written != 1 {
		t.Fatalf("err %v written %d, want stop after 1", err, out.Written)
	}
	if got := b.called("probe"); got > 3 {
		t.Errorf("%d pages fetched for 2 rows of the first page", got)
	}
}
