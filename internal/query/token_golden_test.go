package query

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/query/merge"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// goldenPages serves fixed pages; the continuation is the page index.
type goldenPages [][]json.RawMessage

func (p goldenPages) NextPage(_ context.Context, token *string) (merge.Page, error) {
	i := 0
	if token != nil {
		var err error
		if i, err = strconv.Atoi(*token); err != nil || i >= len(p) {
			return merge.Page{}, fmt.Errorf("bad token %q", *token)
		}
	}
	if len(p) == 0 {
		return merge.Page{}, nil
	}
	pg := merge.Page{Rows: p[i]}
	if i+1 < len(p) {
		n := strconv.Itoa(i + 1)
		pg.Next = &n
	}
	return pg, nil
}

// goldenParent is range "p" of the split case: its continuation is an
// offset into its rows; goldenChild j, given that offset, returns the rows
// of p from there that it owns (the service's behaviour after a split).
type goldenParent struct {
	rows  []json.RawMessage
	owner []int
}

func (p *goldenParent) NextPage(_ context.Context, token *string) (merge.Page, error) {
	off := 0
	if token != nil {
		off, _ = strconv.Atoi(*token)
	}
	end := min(off+3, len(p.rows))
	pg := merge.Page{Rows: p.rows[off:end]}
	if end < len(p.rows) {
		n := strconv.Itoa(end)
		pg.Next = &n
	}
	return pg, nil
}

type goldenChild struct {
	p *goldenParent
	j int
}

func (c *goldenChild) NextPage(_ context.Context, token *string) (merge.Page, error) {
	off := 0
	if token != nil {
		off, _ = strconv.Atoi(*token)
	}
	var pg merge.Page
	i := off
	for ; i < len(c.p.rows) && len(pg.Rows) < 2; i++ {
		if c.p.owner[i] == c.j {
			pg.Rows = append(pg.Rows, c.p.rows[i])
		}
	}
	for k := i; k < len(c.p.rows); k++ {
		if c.p.owner[k] == c.j {
			n := strconv.Itoa(i)
			pg.Next = &n
			break
		}
	}
	return pg, nil
}

func gRows(ss ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(ss))
	for i, s := range ss {
		out[i] = json.RawMessage(s)
	}
	return out
}

func gOB(items, payload string) string {
	return `{"_rid":"x","orderByItems":` + items + `,"payload":` + payload + `}`
}

func gI64(n int64) *int64   { return &n }
func gStr(s string) *string { return &s }

type goldenCase struct {
	name string
	info *merge.QueryInfo
	// before are the ranges the token is taken over, after those it
	// resumes on (after a split), with the pkranges parents.
	before, after func() []merge.Range
	parents       map[string][]string
	// resumed: the tokens are taken from a run that itself resumed, after
	// the split, from a token taken after this many rows (so they carry
	// the children's shared skip lists).
	resumed int
}

func goldenCases() []goldenCase {
	plain := func() []merge.Range {
		return []merge.Range{
			{ID: "0", Source: goldenPages{gRows(`1`, `2`), nil, gRows(`3`)}},
			{ID: "1", Source: goldenPages{gRows(`4`), gRows(`5`, `6`, `7`)}},
			{ID: "2", Source: goldenPages{gRows(`8`)}},
		}
	}
	orderBy := func() []merge.Range {
		return []merge.Range{
			{ID: "0", Source: goldenPages{
				gRows(gOB(`[{}]`, `"u"`), gOB(`[{"item":false}]`, `"f"`)),
				gRows(gOB(`[{"item":2}]`, `"2"`), gOB(`[{"item":"a"}]`, `"a"`))}},
			{ID: "1", Source: goldenPages{
				gRows(gOB(`[{"item":null}]`, `"n"`), gOB(`[{"item":true}]`, `"t"`), gOB(`[{"item":1.5}]`, `"1.5"`)),
				gRows(gOB(`[{"item":10}]`, `"10"`), gOB(`[{"item":"B"}]`, `"B"`))}},
			{ID: "2", Source: goldenPages{gRows(gOB(`[{"item":2}]`, `"2b"`)), nil, gRows(gOB(`[{"item":"z"}]`, `"z"`))}},
		}
	}
	twoKeys := func() []merge.Range {
		return []merge.Range{
			{ID: "0", Source: goldenPages{gRows(gOB(`[{"item":"b"},{"item":9}]`, `"b9"`), gOB(`[{"item":"a"},{"item":2}]`, `"a2"`))}},
			{ID: "1", Source: goldenPages{gRows(gOB(`[{"item":"b"},{"item":3}]`, `"b3"`)), gRows(gOB(`[{"item":"a"},{"item":5}]`, `"a5"`), gOB(`[{"item":"a"},{"item":1}]`, `"a1"`))}},
		}
	}
	distinctOrdered := func() []merge.Range {
		v := func(s string) string { return gOB(`[{"item":`+s+`}]`, s) }
		return []merge.Range{
			{ID: "0", Source: goldenPages{gRows(v(`1`), v(`2`)), gRows(v(`4`), v(`6`))}},
			{ID: "1", Source: goldenPages{gRows(v(`1`), v(`3`), v(`4`)), gRows(v(`7`))}},
		}
	}
	distinct := func() []merge.Range {
		return []merge.Range{
			{ID: "0", Source: goldenPages{gRows(`1`, `2`, `1`), gRows(`{"a":1,"b":2}`)}},
			{ID: "1", Source: goldenPages{gRows(`2`, `4`), gRows(`{"b":2,"a":1}`, `5`)}},
		}
	}
	count := func() []merge.Range {
		return []merge.Range{
			{ID: "0", Source: goldenPages{gRows(`[{"item":3}]`)}},
			{ID: "1", Source: goldenPages{gRows(`[{"item":4}]`)}},
		}
	}
	group := func() []merge.Range {
		g := func(k, n int) string {
			return fmt.Sprintf(`{"groupByItems":[{"item":%d}],"payload":{"k":%d,"n":{"item":%d}}}`, k, k, n)
		}
		return []merge.Range{
			{ID: "0", Source: goldenPages{gRows(g(1, 2), g(2, 1)), gRows(g(4, 1))}},
			{ID: "1", Source: goldenPages{gRows(g(3, 5), g(1, 1))}},
		}
	}
	splitParent := func() *goldenParent {
		var rows []json.RawMessage
		for i := 0; i < 10; i++ {
			rows = append(rows, json.RawMessage(gOB(fmt.Sprintf(`[{"item":%d}]`, i*2), fmt.Sprintf(`{"id":"p%d"}`, i))))
		}
		return &goldenParent{rows: rows, owner: []int{0, 1, 1, 0, 0, 1, 0, 1, 1, 0}}
	}
	other := func() merge.Range {
		return merge.Range{ID: "o", Source: goldenPages{
			gRows(gOB(`[{"item":1}]`, `{"id":"o1"}`), gOB(`[{"item":7}]`, `{"id":"o7"}`)),
			gRows(gOB(`[{"item":13}]`, `{"id":"o13"}`))}}
	}
	splitBefore := func() []merge.Range { return []merge.Range{{ID: "p", Source: splitParent()}, other()} }
	splitAfter := func() []merge.Range {
		p := splitParent()
		return []merge.Range{{ID: "p0", Source: &goldenChild{p, 0}}, {ID: "p1", Source: &goldenChild{p, 1}}, other()}
	}
	vector := func() []merge.Range {
		v := func(score, id string) string { return gOB(`[{"item":`+score+`}]`, `{"id":"`+id+`"}`) }
		return []merge.Range{
			{ID: "0", Source: goldenPages{gRows(v(`0.9`, "a"), v(`0.2`, "b")), gRows(v(`0.7`, "c"))}},
			{ID: "1", Source: goldenPages{gRows(v(`0.8`, "d")), nil, gRows(v(`0.95`, "e"), v(`0.1`, "f"))}},
		}
	}
	ob := []string{"Ascending"}
	return []goldenCase{
		{name: "passthrough", before: plain},
		{name: "top", info: &merge.QueryInfo{Top: gI64(5)}, before: plain},
		{name: "offset limit", info: &merge.QueryInfo{Offset: gI64(2), Limit: gI64(4)}, before: plain},
		{name: "order by mixed types", info: &merge.QueryInfo{OrderBy: ob}, before: orderBy},
		{name: "order by offset limit", info: &merge.QueryInfo{OrderBy: ob, Offset: gI64(3), Limit: gI64(5)}, before: orderBy},
		{name: "order by two keys desc", info: &merge.QueryInfo{OrderBy: []string{"Descending", "Descending"}}, before: twoKeys},
		{name: "distinct ordered", info: &merge.QueryInfo{OrderBy: ob, DistinctType: "Ordered"}, before: distinctOrdered},
		{name: "distinct unordered", info: &merge.QueryInfo{DistinctType: "Unordered"}, before: distinct},
		{name: "value count", info: &merge.QueryInfo{Aggregates: []string{"Count"}, HasSelectValue: true}, before: count},
		{name: "group by", info: &merge.QueryInfo{GroupByExpressions: []string{"c.k"}, GroupByAliases: []string{"k", "n"},
			GroupByAliasToAggregateType: map[string]*string{"k": nil, "n": gStr("Count")}}, before: group},
		{name: "order by split before resume", info: &merge.QueryInfo{OrderBy: ob}, before: splitBefore, after: splitAfter,
			parents: map[string][]string{"p0": {"p"}, "p1": {"p"}}},
		{name: "order by resumed across a split", info: &merge.QueryInfo{OrderBy: ob}, before: splitBefore, after: splitAfter,
			parents: map[string][]string{"p0": {"p"}, "p1": {"p"}}, resumed: 5},
		{name: "vector search offset limit", info: &merge.QueryInfo{OrderBy: []string{"Descending"}, HasNonStreamingOrderBy: true, Offset: gI64(1), Limit: gI64(4)}, before: vector},
	}
}

// goldenStart is the merge the tokens of c are taken from.
func goldenStart(t *testing.T, c goldenCase) *merge.Merger {
	t.Helper()
	m, err := merge.New(c.info, c.before(), nil, merge.Options{})
	if err != nil || c.resumed == 0 {
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	for range c.resumed {
		if _, err := m.Next(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	st := m.State()
	m.Close()
	ranges := c.after()
	if err := merge.Remap(&st, ranges, c.parents); err != nil {
		t.Fatal(err)
	}
	m, err = merge.New(c.info, ranges, &st, merge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

type goldenToken struct {
	Case  string   `json:"case"`
	K     int      `json:"k"`
	Token string   `json:"token"`
	Rest  []string `json:"rest"`
}

func goldenDrain(t *testing.T, m *merge.Merger) []string {
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

// recordGolden takes k rows of every case for every k and renders the
// token a run with --max-items k prints.
func recordGolden(t *testing.T) []goldenToken {
	var out []goldenToken
	for _, c := range goldenCases() {
		m, err := merge.New(c.info, c.before(), nil, merge.Options{})
		if err != nil {
			t.Fatal(err)
		}
		full := goldenDrain(t, m)
		for k := 0; k <= len(full)-c.resumed; k++ {
			m := goldenStart(t, c)
			for range k {
				if _, err := m.Next(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			st := m.State()
			m.Close()
			tok, err := EncodeToken(Token{Query: QueryHash("db", "coll", c.name, "[]", ""), Mode: ModeMerge, State: st})
			if err != nil {
				t.Fatal(err)
			}
			rest := append([]string{}, full[c.resumed+k:]...)
			out = append(out, goldenToken{Case: c.name, K: k, Token: tok, Rest: rest})
		}
	}
	return out
}

// TestGoldenTokens: tokens printed by earlier builds (testdata) still
// decode and resume to the rows that were left when they were printed:
// tokens.golden holds version 1 tokens (no checksum, still accepted),
// tokens-v2.golden the current ones, which this build prints byte for byte.
func TestGoldenTokens(t *testing.T) {
	for _, file := range []struct {
		name    string
		current bool
	}{{"tokens.golden", false}, {"tokens-v2.golden", true}} {
		t.Run(file.name, func(t *testing.T) { testGoldenTokens(t, filepath.Join("testdata", file.name), file.current) })
	}
}

func testGoldenTokens(t *testing.T, path string, current bool) {
	if *update && current {
		b, err := json.MarshalIndent(recordGolden(t), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var golden []goldenToken
	if err := json.Unmarshal(b, &golden); err != nil {
		t.Fatal(err)
	}
	// The current build prints the same tokens, byte for byte.
	if again := recordGolden(t); !current {
		for _, g := range golden {
			if !strings.HasPrefix(g.Token, legacyTokenPrefix) {
				t.Errorf("%s k=%d: %s is not a version 1 token", g.Case, g.K, g.Token)
			}
		}
	} else if len(again) == len(golden) {
		for i := range again {
			if again[i].Token != golden[i].Token {
				t.Errorf("%s k=%d: token changed\n got %s\nwant %s", golden[i].Case, golden[i].K, again[i].Token, golden[i].Token)
			}
		}
	} else {
		t.Errorf("recorded %d tokens, the golden file has %d", len(again), len(golden))
	}
	cases := map[string]goldenCase{}
	for _, c := range goldenCases() {
		cases[c.name] = c
	}
	seen := map[string]int{}
	for _, g := range golden {
		c, ok := cases[g.Case]
		if !ok {
			t.Fatalf("golden case %q is not defined", g.Case)
		}
		seen[g.Case]++
		t.Run(fmt.Sprintf("%s/k=%d", g.Case, g.K), func(t *testing.T) {
			tok, err := DecodeToken(g.Token)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			ranges := c.before()
			if c.after != nil {
				ranges = c.after()
			}
			if c.after != nil && c.resumed == 0 {
				if err := merge.Remap(&tok.State, ranges, c.parents); err != nil {
					t.Fatalf("remap: %v", err)
				}
			}
			m, err := merge.New(c.info, ranges, &tok.State, merge.Options{})
			if err != nil {
				t.Fatalf("resume: %v", err)
			}
			defer m.Close()
			got := goldenDrain(t, m)
			if strings.Join(got, ",") != strings.Join(g.Rest, ",") {
				t.Errorf("resumed rows\n got %v\nwant %v", got, g.Rest)
			}
		})
	}
	if len(seen) != len(cases) {
		t.Errorf("golden file covers %d of %d cases", len(seen), len(cases))
	}
}
