package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
)

// maxIntermediateRows bounds the rows a JOIN cross product or a sort may hold,
// so one query cannot take the sandbox down.
const maxIntermediateRows = 1_000_000

// binding is one FROM alias bound to a value.
type binding struct {
	name string
	v    *value
}

// env is the evaluation environment of one input row.
type env struct {
	b       []binding
	outer   *env
	aggVals []*value // finalized aggregates of the current group (by aggIdx)
	aggQ    *Query   // the query aggVals belong to
}

func (e *env) lookup(name string) *value {
	for x := e; x != nil; x = x.outer {
		for i := len(x.b) - 1; i >= 0; i-- {
			if x.b[i].name == name {
				return x.b[i].v
			}
		}
	}
	return nil
}

func (e *env) with(name string, v *value) *env {
	nb := make([]binding, len(e.b), len(e.b)+1)
	copy(nb, e.b)
	return &env{b: append(nb, binding{name, v}), outer: e.outer}
}

// executor holds the state of one Execute call.
type executor struct {
	ctx    context.Context
	params map[string]*value
	now    time.Time
	steps  int
	err    error
	// regexps caches compiled RegexMatch patterns for this execution.
	regexps map[string]*regexp.Regexp
	// vectors is the container's vector embedding policy (VectorDistance defaults).
	vectors VectorPolicy
}

// tick is called in every loop that depends on the data; it polls the context
// now and then so long queries can be cancelled.
func (x *executor) tick() bool {
	if x.err != nil {
		return false
	}
	x.steps++
	if x.steps&1023 == 0 {
		if err := x.ctx.Err(); err != nil {
			x.err = fmt.Errorf("query cancelled: %w", err)
			return false
		}
	}
	return true
}

func (q *Query) execute(ctx context.Context, vp VectorPolicy, docs []*Document, params []Param) (*Result, error) {
	x := &executor{ctx: ctx, now: time.Now().UTC(), vectors: vp}
	pm, err := parseParams(params)
	if err != nil {
		return nil, err
	}
	x.params = pm
	if err := checkParams(q, pm); err != nil {
		return nil, err
	}
	res := &Result{}
	rows := x.run(q, x.containerRows(q, docs, res), nil)
	if x.err != nil {
		return nil, x.err
	}
	res.Rows = make([]json.RawMessage, 0, len(rows))
	for _, r := range rows {
		if !jsonable(r) {
			continue // NaN/Infinity have no JSON form: the row is undefined
		}
		res.Rows = append(res.Rows, json.RawMessage(appendJSON(nil, r)))
	}
	return res, nil
}

// containerRows yields the input rows of a query that reads the container
// docs, counting the documents examined in res.Scanned. A leading
// FROM (subquery) with TOP, OFFSET/LIMIT, DISTINCT, GROUP BY, an aggregate
// or ORDER BY (at any depth) runs once over all documents and its rows are
// the input, as the service does: SELECT VALUE COUNT(1) FROM (SELECT TOP 10
// c.id FROM c) x is 10. Any other leading subquery streams document by
// document, which gives the same rows and lets TOP stop the scan early.
func (x *executor) containerRows(q *Query, docs []*Document, res *Result) func(func(*env) bool) {
	return func(yield func(*env) bool) {
		if len(q.from) == 0 {
			yield(&env{})
			return
		}
		if f := &q.from[0]; f.sub != nil && q.innerNeedsState() {
			root := &env{outer: &env{}}
			for _, r := range x.run(f.sub, x.containerRows(f.sub, docs, res), nil) {
				if !x.expandFrom(q, 1, nil, root.with(f.alias, r), yield) {
					return
				}
			}
			return
		}
		for _, d := range docs {
			if !x.tick() {
				return
			}
			if d == nil || d.val == nil {
				continue
			}
			res.Scanned++
			if !x.sourceRows(q, d.val, &env{}, yield) {
				return
			}
		}
	}
}

// sourceRows expands the FROM clause for one document (or, for a subquery,
// for the outer row) and calls yield for each input row. It returns false
// when the consumer asked to stop.
func (x *executor) sourceRows(q *Query, doc *value, outer *env, yield func(*env) bool) bool {
	start := outer
	if start == nil {
		start = &env{}
	}
	return x.expandFrom(q, 0, doc, &env{outer: start}, yield)
}

// expandFrom binds the FROM sources q.from[i:] on top of cur (doc is the
// current document, for a leading source) and yields each complete row.
func (x *executor) expandFrom(q *Query, i int, doc *value, cur *env, yield func(*env) bool) bool {
	var rec func(i int, cur *env) bool
	rec = func(i int, cur *env) bool {
		if i == len(q.from) {
			return yield(cur)
		}
		if !x.tick() {
			return false
		}
		f := &q.from[i]
		var v *value
		switch {
		case f.sub != nil:
			var subDoc *value
			if i == 0 {
				subDoc = doc // a leading subquery reads the current document
			}
			rows := x.run(f.sub, func(y func(*env) bool) {
				if len(f.sub.from) == 0 {
					y(&env{outer: cur})
					return
				}
				x.sourceRows(f.sub, subDoc, cur, y)
			}, cur)
			for _, r := range rows {
				if !rec(i+1, cur.with(f.alias, r)) {
					return false
				}
			}
			return true
		case i == 0 && doc != nil:
			v = x.eval(f.e, &env{b: []binding{{f.containerName, doc}}})
		default:
			v = x.eval(f.e, cur)
		}
		if f.in {
			if v == nil || v.kind != kindArray {
				return true
			}
			for _, el := range v.arr {
				if !rec(i+1, cur.with(f.alias, el)) {
					return false
				}
			}
			return true
		}
		if v == nil {
			return true
		}
		return rec(i+1, cur.with(f.alias, v))
	}
	return rec(i, cur)
}

type sortRow struct {
	keys []*value
	row  *value
	seq  int
}

// run executes q over the input rows that src yields and returns the result
// rows (undefined VALUE rows already dropped).
func (x *executor) run(q *Query, src func(func(*env) bool), outer *env) []*value {
	limit := -1 // rows needed when the query streams (no sort/aggregate/distinct)
	skip := 0
	if q.offset != nil {
		skip = int(x.countVal(q.offset))
		limit = skip + int(x.countVal(q.limit))
	}
	if q.top != nil {
		t := int(x.countVal(q.top))
		if limit < 0 || t < limit {
			limit = t
		}
	}
	grouped := q.hasAgg || len(q.groupBy) > 0
	streaming := !grouped && len(q.orderBy) == 0 && !q.distinct

	var out []sortRow
	var groups []*group
	groupIdx := map[string]*group{}
	if grouped && len(q.groupBy) == 0 {
		g := &group{first: nil, accs: newAccs(q)}
		groups = append(groups, g)
		groupIdx[""] = g
	}
	seq := 0
	src(func(e *env) bool {
		if !x.tick() {
			return false
		}
		if q.where != nil && !isTrue(x.eval(q.where, e)) {
			return true
		}
		if grouped {
			key := ""
			if len(q.groupBy) > 0 {
				var sb strings.Builder
				for _, g := range q.groupBy {
					writeCanonical(&sb, x.eval(g, e))
					sb.WriteByte('|')
				}
				key = sb.String()
			}
			g := groupIdx[key]
			if g == nil {
				if len(groups) >= maxIntermediateRows {
					x.err = queryErrorf("the query produced too many groups")
					return false
				}
				g = &group{accs: newAccs(q)}
				groups = append(groups, g)
				groupIdx[key] = g
			}
			if g.first == nil {
				g.first = e
			}
			for i, a := range q.aggs {
				g.accs[i].add(x.eval(a.args[0], e))
			}
			return true
		}
		r, ok := x.project(q, e)
		if !ok {
			return true
		}
		sr := sortRow{row: r, seq: seq}
		seq++
		for _, o := range q.orderBy {
			k := x.eval(o.e, e)
			if k == nil && isVectorDistance(o.e) {
				return true // no vector, no rank: a vector search skips the document
			}
			sr.keys = append(sr.keys, k)
		}
		out = append(out, sr)
		if len(out) > maxIntermediateRows {
			x.err = queryErrorf("the query produced too many intermediate rows")
			return false
		}
		return !(streaming && limit >= 0 && len(out) >= limit)
	})
	if x.err != nil {
		return nil
	}
	if grouped {
		for _, g := range groups {
			e := g.first
			if e == nil {
				e = &env{outer: outer}
			}
			ge := &env{b: e.b, outer: e.outer, aggQ: q}
			for _, a := range g.accs {
				ge.aggVals = append(ge.aggVals, a.result())
			}
			r, ok := x.project(q, ge)
			if !ok {
				continue
			}
			sr := sortRow{row: r, seq: seq}
			seq++
			for _, o := range q.orderBy {
				sr.keys = append(sr.keys, x.eval(o.e, ge))
			}
			out = append(out, sr)
		}
	}
	if len(q.orderBy) > 0 {
		desc, err := x.orderDescending(q)
		if err != nil {
			x.fail(err)
			return nil
		}
		sort.SliceStable(out, func(i, j int) bool {
			for k := range q.orderBy {
				c := orderCompare(out[i].keys[k], out[j].keys[k])
				if c != 0 {
					if desc[k] {
						return c > 0
					}
					return c < 0
				}
			}
			return false
		})
	}
	rows := make([]*value, 0, len(out))
	seen := map[string]bool{}
	for _, sr := range out {
		if q.distinct {
			k := canonicalKey(sr.row)
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		rows = append(rows, sr.row)
	}
	if skip > 0 {
		if skip >= len(rows) {
			rows = nil
		} else {
			rows = rows[skip:]
		}
	}
	if limit >= 0 {
		if n := limit - skip; n < len(rows) {
			if n < 0 {
				n = 0
			}
			rows = rows[:n]
		}
	}
	return rows
}

// countVal evaluates a TOP/OFFSET/LIMIT argument (validated by checkParams).
func (x *executor) countVal(e *expr) int64 {
	v := x.eval(e, &env{})
	if v == nil || v.kind != kindNumber || v.num < 0 {
		return 0
	}
	if v.num > maxIntermediateRows {
		return maxIntermediateRows
	}
	return int64(v.num)
}

// project computes the SELECT output for one row; ok=false drops the row.
func (x *executor) project(q *Query, e *env) (*value, bool) {
	switch {
	case q.star:
		v := e.lookup(q.from[0].alias)
		return v, v != nil
	case q.selectValue:
		v := x.eval(q.items[0].e, e)
		return v, v != nil
	}
	ob := newObj()
	for _, it := range q.items {
		ob.set(it.name, x.eval(it.e, e))
	}
	return ob.v, true
}

func isTrue(v *value) bool { return v != nil && v.kind == kindBool && v.b }

// eval evaluates an expression; nil is undefined.
func (x *executor) eval(e *expr, en *env) *value {
	switch e.op {
	case opLit:
		return e.lit
	case opParam:
		return x.params[e.name]
	case opIdent:
		return en.lookup(e.name)
	case opProp:
		return x.eval(e.args[0], en).field(e.name)
	case opIndex:
		base := x.eval(e.args[0], en)
		idx := x.eval(e.args[1], en)
		if base == nil || idx == nil {
			return nil
		}
		switch {
		case base.kind == kindArray && idx.kind == kindNumber:
			if idx.num == math.Trunc(idx.num) && idx.num >= 0 && idx.num < float64(len(base.arr)) {
				return base.arr[int(idx.num)]
			}
		case base.kind == kindObject && idx.kind == kindString:
			return base.field(idx.str)
		}
		return nil
	case opAgg:
		for y := en; y != nil; y = y.outer {
			if y.aggQ != nil {
				if e.aggIdx < len(y.aggVals) {
					return y.aggVals[e.aggIdx]
				}
				return nil
			}
		}
		return nil
	case opCall:
		args := make([]*value, len(e.args))
		for i, a := range e.args {
			args[i] = x.eval(a, en)
		}
		if e.upper == vectorDistanceName {
			return x.vectorDistance(e, args) // needs the call's paths for the policy
		}
		return x.call(e.upper, args)
	case opUnary:
		return unaryOp(e.name, x.eval(e.args[0], en))
	case opNot:
		v := x.eval(e.args[0], en)
		if v == nil || v.kind != kindBool {
			return nil
		}
		return boolVal(!v.b)
	case opAnd:
		l := x.eval(e.args[0], en)
		if l != nil && l.kind == kindBool && !l.b {
			return valFalse
		}
		r := x.eval(e.args[1], en)
		if r != nil && r.kind == kindBool && !r.b {
			return valFalse
		}
		if isTrue(l) && isTrue(r) {
			return valTrue
		}
		return nil
	case opOr:
		l := x.eval(e.args[0], en)
		if isTrue(l) {
			return valTrue
		}
		r := x.eval(e.args[1], en)
		if isTrue(r) {
			return valTrue
		}
		if l != nil && l.kind == kindBool && r != nil && r.kind == kindBool {
			return valFalse
		}
		return nil
	case opBinary:
		return binaryOp(e.name, x.eval(e.args[0], en), x.eval(e.args[1], en))
	case opIn:
		v := x.eval(e.args[0], en)
		if v == nil {
			return nil
		}
		found := false
		for _, a := range e.args[1:] {
			if equalValues(v, x.eval(a, en)) {
				found = true
				break
			}
		}
		return boolVal(found != e.not)
	case opBetween:
		v := x.eval(e.args[0], en)
		lo := compareOp(">=", v, x.eval(e.args[1], en))
		hi := compareOp("<=", v, x.eval(e.args[2], en))
		if lo == nil || hi == nil {
			return nil
		}
		return boolVal((lo.b && hi.b) != e.not)
	case opLike:
		v := x.eval(e.args[0], en)
		p := x.eval(e.args[1], en)
		if v == nil || p == nil || v.kind != kindString || p.kind != kindString {
			return nil
		}
		esc := rune(-1)
		if len(e.args) > 2 {
			ev := x.eval(e.args[2], en)
			if ev == nil || ev.kind != kindString || len([]rune(ev.str)) != 1 {
				return nil
			}
			esc = []rune(ev.str)[0]
		}
		return boolVal(likeMatch([]rune(v.str), []rune(p.str), esc) != e.not)
	case opTernary:
		if isTrue(x.eval(e.args[0], en)) {
			return x.eval(e.args[1], en)
		}
		return x.eval(e.args[2], en)
	case opCoalesce:
		if v := x.eval(e.args[0], en); v != nil {
			return v
		}
		return x.eval(e.args[1], en)
	case opArray:
		items := make([]*value, 0, len(e.args))
		for _, a := range e.args {
			if v := x.eval(a, en); v != nil {
				items = append(items, v)
			}
		}
		return arrVal(items)
	case opObject:
		ob := newObj()
		for i, a := range e.args {
			ob.set(e.keys[i], x.eval(a, en))
		}
		return ob.v
	case opExists:
		rows := x.subRows(e.sub, en, 1)
		return boolVal(len(rows) > 0)
	case opArraySub:
		return arrVal(x.subRows(e.sub, en, -1))
	case opScalarSub, opFirstSub:
		rows := x.subRows(e.sub, en, 1)
		if len(rows) == 0 {
			return nil
		}
		return rows[0]
	case opLastSub:
		rows := x.subRows(e.sub, en, -1)
		if len(rows) == 0 {
			return nil
		}
		return rows[len(rows)-1]
	case opAllSub:
		for _, r := range x.subRows(e.sub, en, -1) {
			if !isTrue(r) {
				return valFalse
			}
		}
		return valTrue
	}
	return nil
}

// subRows runs a correlated subquery for the current row.
func (x *executor) subRows(q *Query, en *env, max int) []*value {
	rows := x.run(q, func(y func(*env) bool) {
		if len(q.from) == 0 {
			y(&env{outer: en})
			return
		}
		x.sourceRows(q, nil, en, y)
	}, en)
	if max >= 0 && len(rows) > max {
		rows = rows[:max]
	}
	return rows
}

// likeMatch matches s against a LIKE pattern (% any run, _ one char,
// [set] / [^set] character classes, esc escapes the next character).
func likeMatch(s, p []rune, esc rune) bool {
	// Iterative matcher with backtracking on the last '%': O(len(s)*len(p)).
	si, pi := 0, 0
	starP, starS := -1, -1
	for si < len(s) {
		if pi < len(p) {
			c := p[pi]
			switch {
			case c == esc && pi+1 < len(p):
				if s[si] == p[pi+1] {
					si++
					pi += 2
					continue
				}
			case c == '%':
				starP, starS = pi, si
				pi++
				continue
			case c == '_':
				si++
				pi++
				continue
			case c == '[':
				if end, ok := matchClass(p, pi, s[si]); end > 0 {
					if ok {
						si++
						pi = end
						continue
					}
				} else if s[si] == '[' {
					si++
					pi++
					continue
				}
			default:
				if s[si] == c {
					si++
					pi++
					continue
				}
			}
		}
		if starP >= 0 {
			starS++
			si = starS
			pi = starP + 1
			continue
		}
		return false
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}

// matchClass matches r against the class starting at p[i]=='['; it returns
// the index after ']' (0 if the class is unterminated) and whether r matched.
func matchClass(p []rune, i int, r rune) (int, bool) {
	j := i + 1
	neg := false
	if j < len(p) && p[j] == '^' {
		neg = true
		j++
	}
	matched := false
	for ; j < len(p) && p[j] != ']'; j++ {
		if j+2 < len(p) && p[j+1] == '-' && p[j+2] != ']' {
			if r >= p[j] && r <= p[j+2] {
				matched = true
			}
			j += 2
			continue
		}
		if p[j] == r {
			matched = true
		}
	}
	if j >= len(p) {
		return 0, false
	}
	return j + 1, matched != neg
}
