package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cosmosctl/cosmosctl/internal/oracletest"
)

// testDoc builds a document or fails the test.
func testDoc(t testing.TB, raw string) *Document {
	t.Helper()
	d, err := NewDocument(json.RawMessage(raw))
	if err != nil {
		t.Fatalf("NewDocument(%s): %v", raw, err)
	}
	return d
}

// loadOracleDocs reads the oracle's sample data (compacted, as the gateway stores it).
func loadOracleDocs(t testing.TB) []*Document {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(oracletest.Dir(t), "testdata", "sqlSampleData.json"))
	if err != nil {
		t.Fatalf("oracle data: %v", err)
	}
	var f struct {
		Data []json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatalf("decode oracle data: %v", err)
	}
	docs := make([]*Document, 0, len(f.Data))
	for _, raw := range f.Data {
		docs = append(docs, testDoc(t, string(compactJSON(raw))))
	}
	return docs
}

// rng is a tiny deterministic generator so the generated data never changes.
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s = r.s*6364136223846793005 + 1442695040888963407
	return r.s >> 33
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// generatedDocs makes a realistic, messy document set: missing fields, nulls,
// mixed types, nested objects and arrays, big integers and long decimals.
func generatedDocs(t testing.TB, n int) []*Document {
	t.Helper()
	r := &rng{s: 42}
	cats := []string{`"bikes"`, `"helmets"`, `"gloves"`, `"tires"`, `"locks"`, `"lights"`, `"pumps"`, `42`, `null`, `true`}
	cities := []string{"Seattle", "Oslo", "Lyon", "Osaka", "Lima", "seattle", "Zürich"}
	docs := make([]*Document, 0, n)
	for i := 0; i < n; i++ {
		var sb strings.Builder
		fmt.Fprintf(&sb, `{"id":"g%04d"`, i)
		if i%17 != 5 {
			fmt.Fprintf(&sb, `,"categoryId":%s`, cats[r.intn(len(cats))])
		}
		fmt.Fprintf(&sb, `,"name":"item %d %c"`, r.intn(50), 'a'+rune(r.intn(26)))
		switch r.intn(6) {
		case 0:
			// no price
		case 1:
			fmt.Fprintf(&sb, `,"price":%d`, r.intn(500))
		case 2:
			fmt.Fprintf(&sb, `,"price":"%d"`, r.intn(500))
		default:
			fmt.Fprintf(&sb, `,"price":%d.%02d`, r.intn(500), r.intn(100))
		}
		fmt.Fprintf(&sb, `,"qty":%d`, r.intn(20)-5)
		if r.intn(4) > 0 {
			fmt.Fprintf(&sb, `,"active":%t`, r.intn(2) == 0)
		} else if r.intn(2) == 0 {
			sb.WriteString(`,"active":null`)
		}
		fmt.Fprintf(&sb, `,"address":{"city":"%s","zip":"%05d","geo":{"lat":%d.5,"lon":-%d.25}}`, cities[r.intn(len(cities))], r.intn(99999), r.intn(90), r.intn(180))
		sb.WriteString(`,"labels":[`)
		for j, m := 0, r.intn(4); j < m; j++ {
			if j > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, `"l%d"`, r.intn(6))
		}
		sb.WriteString(`]`)
		sb.WriteString(`,"tags":[`)
		for j, m := 0, r.intn(3); j < m; j++ {
			if j > 0 {
				sb.WriteString(",")
			}
			fmt.Fprintf(&sb, `{"name":"Tag-%d","w":%d}`, r.intn(8), r.intn(10))
		}
		sb.WriteString(`]`)
		if i%9 == 0 {
			sb.WriteString(`,"big":12345678901234567890,"exact":1.0000000000000001`)
		}
		fmt.Fprintf(&sb, `,"createdAt":"2024-%02d-%02dT%02d:%02d:00.0000000Z"`, 1+r.intn(12), 1+r.intn(28), r.intn(24), r.intn(60))
		if i%7 == 0 {
			sb.WriteString(`,"score":[1,2,[3,4]],"meta":{"b":2,"a":1}`)
		}
		sb.WriteString(`}`)
		docs = append(docs, testDoc(t, sb.String()))
	}
	return docs
}

type planInfo struct {
	QueryInfo struct {
		DistinctType                string             `json:"distinctType"`
		Top                         *int               `json:"top"`
		Offset                      *int               `json:"offset"`
		Limit                       *int               `json:"limit"`
		OrderBy                     []string           `json:"orderBy"`
		GroupByExpressions          []string           `json:"groupByExpressions"`
		GroupByAliases              []string           `json:"groupByAliases"`
		Aggregates                  []string           `json:"aggregates"`
		GroupByAliasToAggregateType map[string]*string `json:"groupByAliasToAggregateType"`
		RewrittenQuery              string             `json:"rewrittenQuery"`
		HasSelectValue              bool               `json:"hasSelectValue"`
		HasNonStreamingOrderBy      bool               `json:"hasNonStreamingOrderBy"`
	} `json:"queryInfo"`
	QueryRanges []struct {
		Min            string `json:"min"`
		Max            string `json:"max"`
		IsMinInclusive bool   `json:"isMinInclusive"`
		IsMaxInclusive bool   `json:"isMaxInclusive"`
	} `json:"queryRanges"`
}

// runSingle runs the query over all documents as one range.
func runSingle(t testing.TB, docs []*Document, text string, params []Param) []*value {
	t.Helper()
	return runSingleWithPolicy(t, VectorPolicy{}, docs, text, params)
}

// runSingleWithPolicy is runSingle in a container with a vector policy.
func runSingleWithPolicy(t testing.TB, vp VectorPolicy, docs []*Document, text string, params []Param) []*value {
	t.Helper()
	q, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(%q): %v", text, err)
	}
	res, err := q.ExecuteWithPolicy(context.Background(), vp, docs, params)
	if err != nil {
		t.Fatalf("Execute(%q): %v", text, err)
	}
	if res.Scanned != len(docs) && len(q.from) > 0 && (q.hasAgg || len(q.orderBy) > 0) {
		t.Errorf("Scanned = %d, want %d", res.Scanned, len(docs))
	}
	return decodeRows(t, res.Rows)
}

func decodeRows(t testing.TB, rows []json.RawMessage) []*value {
	t.Helper()
	out := make([]*value, 0, len(rows))
	for _, r := range rows {
		if !json.Valid(r) {
			t.Fatalf("row is not valid JSON: %s", r)
		}
		v, err := parseJSON(r)
		if err != nil {
			t.Fatalf("row %s: %v", r, err)
		}
		out = append(out, v)
	}
	return out
}

// runCrossPartition does what a client SDK does: get the plan, run the
// rewritten query on each of nRanges ranges that the plan's queryRanges
// overlap, and merge (ORDER BY k-way merge, aggregate and GROUP BY combine,
// DISTINCT, then OFFSET/LIMIT/TOP).
func runCrossPartition(t testing.TB, pk PartitionKeyDef, docs []*Document, text string, params []Param, nRanges int) []*value {
	t.Helper()
	return runCrossPartitionWithPolicy(t, pk, VectorPolicy{}, docs, text, params, nRanges)
}

// runCrossPartitionWithPolicy is runCrossPartition in a container with a
// vector policy (plans and per-range queries both see it).
func runCrossPartitionWithPolicy(t testing.TB, pk PartitionKeyDef, vp VectorPolicy, docs []*Document, text string, params []Param, nRanges int) []*value {
	t.Helper()
	q, err := Parse(text)
	if err != nil {
		t.Fatalf("Parse(%q): %v", text, err)
	}
	raw, err := q.PlanWithPolicy(pk, vp, params)
	if err != nil {
		t.Fatalf("Plan(%q): %v", text, err)
	}
	var plan planInfo
	if err := json.Unmarshal(raw, &plan); err != nil {
		t.Fatalf("plan JSON %s: %v", raw, err)
	}
	qi := plan.QueryInfo
	ranges := SplitRanges(nRanges)
	buckets := make([][]*Document, nRanges)
	for _, d := range docs {
		epk, err := EffectivePartitionKey(pk, PartitionKeyValues(pk, d))
		if err != nil {
			t.Fatalf("EPK of %s: %v", d.Raw(), err)
		}
		for i, r := range ranges {
			if epk >= r.MinInclusive && epk < r.MaxExclusive {
				buckets[i] = append(buckets[i], d)
			}
		}
	}
	perRange := text
	if qi.RewrittenQuery != "" {
		perRange = strings.ReplaceAll(qi.RewrittenQuery, orderByFilter, "true")
	}
	rq, err := Parse(perRange)
	if err != nil {
		t.Fatalf("rewritten query %q does not parse: %v", perRange, err)
	}
	var streams [][]*value
	for i, r := range ranges {
		overlaps := false
		for _, qr := range plan.QueryRanges {
			if qr.Max < r.MinInclusive || (qr.Max == r.MinInclusive && !qr.IsMaxInclusive) || qr.Min >= r.MaxExclusive {
				continue
			}
			overlaps = true
		}
		if !overlaps {
			continue
		}
		res, err := rq.ExecuteWithPolicy(context.Background(), vp, buckets[i], params)
		if err != nil {
			t.Fatalf("Execute rewritten %q: %v", perRange, err)
		}
		streams = append(streams, decodeRows(t, res.Rows))
	}

	var rows []*value
	switch {
	case qi.HasNonStreamingOrderBy:
		rows = mergeNonStreaming(t, streams, qi.OrderBy, qi.Top, qi.Offset, qi.Limit)
	case len(qi.OrderBy) > 0:
		rows = mergeOrderBy(streams, qi.OrderBy)
	case len(qi.GroupByExpressions) > 0 || len(qi.GroupByAliases) > 0:
		rows = mergeGroups(t, streams, qi.GroupByAliasToAggregateType, qi.Aggregates, qi.HasSelectValue)
	case len(qi.Aggregates) > 0:
		var partials []*value
		for _, s := range streams {
			for _, r := range s {
				if r.kind != kindArray || len(r.arr) != 1 {
					t.Fatalf("aggregate row is not a one-element array: %s", toJSON(r))
				}
				partials = append(partials, r.arr[0].field("item"))
			}
		}
		if v := combine(qi.Aggregates[0], partials, true); v != nil {
			rows = []*value{v}
		}
	default:
		for _, s := range streams {
			rows = append(rows, s...)
		}
	}
	if qi.DistinctType != "None" {
		seen := map[string]bool{}
		var out []*value
		for _, r := range rows {
			k := canonicalKey(r)
			if !seen[k] {
				seen[k] = true
				out = append(out, r)
			}
		}
		rows = out
	}
	if qi.Offset != nil {
		if *qi.Offset >= len(rows) {
			rows = nil
		} else {
			rows = rows[*qi.Offset:]
		}
	}
	if qi.Limit != nil && *qi.Limit < len(rows) {
		rows = rows[:*qi.Limit]
	}
	if qi.Top != nil && *qi.Top < len(rows) {
		rows = rows[:*qi.Top]
	}
	return rows
}

func mergeOrderBy(streams [][]*value, dirs []string) []*value {
	pos := make([]int, len(streams))
	var out []*value
	for {
		best := -1
		for i, s := range streams {
			if pos[i] >= len(s) {
				continue
			}
			if best < 0 || lessItems(s[pos[i]], streams[best][pos[best]], dirs) {
				best = i
			}
		}
		if best < 0 {
			return out
		}
		row := streams[best][pos[best]]
		pos[best]++
		if p := row.field("payload"); p != nil {
			out = append(out, p)
		}
	}
}

func lessItems(a, b *value, dirs []string) bool {
	ai, bi := a.field("orderByItems"), b.field("orderByItems")
	for k, d := range dirs {
		c := orderCompare(ai.arr[k].field("item"), bi.arr[k].field("item"))
		if c != 0 {
			if d == "Descending" {
				return c > 0
			}
			return c < 0
		}
	}
	return false
}

// combine merges per-range partial aggregates; nil means undefined.
func combine(kind string, partials []*value, valueAgg bool) *value {
	switch kind {
	case "Count":
		var n int64
		for _, p := range partials {
			if p != nil {
				n += p.i
			}
		}
		return intVal(n)
	case "Sum":
		acc := &sumAcc{isInt: true}
		for _, p := range partials {
			if p == nil {
				return nil
			}
			acc.add(p)
		}
		return acc.result()
	case "Average":
		var sum float64
		var n int64
		for _, p := range partials {
			c := p.field("count")
			if c == nil || c.i == 0 {
				continue
			}
			s := p.field("sum")
			if s == nil {
				return nil
			}
			sum += s.num
			n += c.i
		}
		if n == 0 {
			return nil
		}
		return numVal(sum / float64(n))
	case "Min", "Max":
		key := strings.ToLower(kind)
		var best *value
		for _, p := range partials {
			c := p.field("count")
			if c == nil || c.i == 0 {
				continue
			}
			v := p.field(key)
			if v == nil {
				return nil
			}
			if best == nil || (kind == "Min" && orderCompare(v, best) < 0) || (kind == "Max" && orderCompare(v, best) > 0) {
				best = v
			}
		}
		return best
	}
	return nil
}

func mergeGroups(t testing.TB, streams [][]*value, types map[string]*string, aggs []string, selectValue bool) []*value {
	t.Helper()
	type grp struct {
		rows []*value
	}
	var order []string
	groups := map[string]*grp{}
	for _, s := range streams {
		for _, r := range s {
			k := canonicalKey(r.field("groupByItems"))
			g := groups[k]
			if g == nil {
				g = &grp{}
				groups[k] = g
				order = append(order, k)
			}
			g.rows = append(g.rows, r.field("payload"))
		}
	}
	var out []*value
	for _, k := range order {
		g := groups[k]
		if selectValue {
			if len(aggs) > 0 {
				var partials []*value
				for _, p := range g.rows {
					if p == nil || p.kind != kindArray || len(p.arr) != 1 {
						t.Fatalf("VALUE aggregate GROUP BY payload is not a one-element array: %s", toJSON(p))
					}
					partials = append(partials, p.arr[0].field("item"))
				}
				if v := combine(aggs[0], partials, true); v != nil {
					out = append(out, v)
				}
			} else if g.rows[0] != nil {
				out = append(out, g.rows[0])
			}
			continue
		}
		first := g.rows[0]
		ob := newObj()
		names := first.keys
		// Aliases whose value was undefined in the first row still need combining.
		for a := range types {
			found := false
			for _, n := range names {
				found = found || n == a
			}
			if !found {
				names = append(names, a)
			}
		}
		for _, name := range names {
			typ := types[name]
			if typ == nil {
				ob.set(name, first.field(name))
				continue
			}
			var partials []*value
			for _, p := range g.rows {
				partials = append(partials, p.field(name).field("item"))
			}
			ob.set(name, combine(*typ, partials, false))
		}
		out = append(out, ob.v)
	}
	return out
}

// sameValues compares values as the oracle's validator does: object property
// order ignored, numbers to a relative 1e-12.
func sameValues(a, b *value) bool {
	return deepEqualBy(a, b, func(a, b *value) bool {
		if a.isInt && b.isInt {
			return a.i == b.i
		}
		d := math.Abs(a.num - b.num)
		return d <= 1e-12*math.Max(math.Abs(a.num), math.Abs(b.num))
	})
}

// deepEqualBy walks arrays and objects (property order ignored), compares
// numbers with numbersEqual and everything else with equalValues.
func deepEqualBy(a, b *value, numbersEqual func(a, b *value) bool) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case kindNumber:
		return numbersEqual(a, b)
	case kindArray:
		if len(a.arr) != len(b.arr) {
			return false
		}
		for i := range a.arr {
			if !deepEqualBy(a.arr[i], b.arr[i], numbersEqual) {
				return false
			}
		}
		return true
	case kindObject:
		if len(a.keys) != len(b.keys) {
			return false
		}
		for i, k := range a.keys {
			if !deepEqualBy(a.vals[i], b.field(k), numbersEqual) {
				return false
			}
		}
		return true
	}
	return equalValues(a, b)
}

// sameRows compares result sets, in order or as multisets.
func sameRows(a, b []*value, ordered bool) bool {
	if len(a) != len(b) {
		return false
	}
	if ordered {
		for i := range a {
			if !sameValues(a[i], b[i]) {
				return false
			}
		}
		return true
	}
	used := make([]bool, len(b))
outer:
	for _, x := range a {
		for j, y := range b {
			if !used[j] && sameValues(x, y) {
				used[j] = true
				continue outer
			}
		}
		return false
	}
	return true
}

func rowsString(rows []*value) string {
	var sb strings.Builder
	sb.WriteString("[")
	for i, r := range rows {
		if i > 0 {
			sb.WriteString(",")
		}
		if i == 8 {
			fmt.Fprintf(&sb, "… (%d rows)", len(rows))
			break
		}
		sb.Write(toJSON(r))
	}
	sb.WriteString("]")
	return sb.String()
}
