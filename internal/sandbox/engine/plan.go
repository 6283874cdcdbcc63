package engine

import (
	"encoding/json"
	"math"
	"sort"
	"strings"
)

// rawCount is the value of a TOP/OFFSET/LIMIT argument as written (checked
// by checkParams to be a non-negative integer).
func (x *executor) rawCount(e *expr) int64 {
	v := x.eval(e, &env{})
	if v == nil || v.kind != kindNumber || !v.isInt || v.i < 0 {
		return 0
	}
	return v.i
}

// orderByFilter is the placeholder the client replaces (with "true", or a
// resume filter) before running an ORDER BY rewrite on each range.
const orderByFilter = "{documentdb-formattableorderbyquery-filter}"

// aggTypeName is the plan's name for an aggregate function.
func aggTypeName(upper string) string {
	switch upper {
	case "COUNT":
		return "Count"
	case "SUM":
		return "Sum"
	case "AVG":
		return "Average"
	case "MIN":
		return "Min"
	}
	return "Max"
}

// partialAgg prints the per-range partial of an aggregate: AVG becomes
// {"sum", "count"} and MIN/MAX carry a count so that ranges without values can
// be told apart from a minimum that is itself undefined.
func partialAgg(a *expr) string {
	arg := printExpr(a.args[0])
	switch a.upper {
	case "AVG":
		return `{"sum": SUM(` + arg + `), "count": COUNT(` + arg + `)}`
	case "MIN":
		return `{"min": MIN(` + arg + `), "count": COUNT(` + arg + `)}`
	case "MAX":
		return `{"max": MAX(` + arg + `), "count": COUNT(` + arg + `)}`
	}
	return a.upper + "(" + arg + ")"
}

// containsAgg reports whether e has an aggregate outside subqueries.
func containsAgg(e *expr) bool {
	if e == nil {
		return false
	}
	if e.op == opAgg {
		return true
	}
	for _, a := range e.args {
		if containsAgg(a) {
			return true
		}
	}
	return false
}

// Plan returns the query plan JSON exactly as the real gateway's query-plan
// endpoint does (partitionedQueryExecutionInfoVersion 2).
func (q *Query) Plan(pk PartitionKeyDef, params []Param) (json.RawMessage, error) {
	return q.plan(pk, VectorPolicy{}, params)
}

func (q *Query) plan(pk PartitionKeyDef, vp VectorPolicy, params []Param) (json.RawMessage, error) {
	pm, err := parseParams(params)
	if err != nil {
		return nil, err
	}
	if err := checkParams(q, pm); err != nil {
		return nil, err
	}
	x := &executor{params: pm, vectors: vp}
	count := func(e *expr) *value {
		if e == nil {
			return valNull
		}
		return intVal(x.rawCount(e))
	}

	qi := newObj()
	distinct := "None"
	if q.distinct {
		distinct = "Unordered"
		if len(q.orderBy) > 0 {
			distinct = "Ordered"
		}
	}
	qi.set("distinctType", strVal(distinct))
	qi.set("top", count(q.top))
	qi.set("offset", count(q.offset))
	qi.set("limit", count(q.limit))

	var dirs, obExprs, gbExprs, gbAliases, aggs []*value
	desc, err := x.orderDescending(q)
	if err != nil {
		return nil, err
	}
	for i, o := range q.orderBy {
		d := "Ascending"
		if desc[i] {
			d = "Descending"
		}
		dirs = append(dirs, strVal(d))
		obExprs = append(obExprs, strVal(printExpr(o.e)))
	}
	for _, g := range q.groupBy {
		gbExprs = append(gbExprs, strVal(printExpr(g)))
	}
	aliasTypes := newObj()
	groupStyle := len(q.groupBy) > 0 || (q.hasAgg && !q.isValueAggregate())
	if q.selectValue && q.items[0].e.op == opAgg && (q.isValueAggregate() || len(q.groupBy) > 0) {
		// The merger needs the aggregate type of a VALUE aggregate, grouped or not.
		aggs = append(aggs, strVal(aggTypeName(q.items[0].e.upper)))
	}
	if groupStyle && !q.selectValue {
		for _, it := range q.items {
			gbAliases = append(gbAliases, strVal(it.name))
			if it.e.op == opAgg {
				aliasTypes.set(it.name, strVal(aggTypeName(it.e.upper)))
			} else {
				aliasTypes.set(it.name, valNull)
			}
		}
	}
	rewritten, err := q.rewrite(x)
	if err != nil {
		return nil, err
	}
	qi.set("orderBy", arrVal(dirs))
	qi.set("orderByExpressions", arrVal(obExprs))
	qi.set("groupByExpressions", arrVal(gbExprs))
	qi.set("groupByAliases", arrVal(gbAliases))
	qi.set("aggregates", arrVal(aggs))
	qi.set("groupByAliasToAggregateType", aliasTypes.v)
	qi.set("rewrittenQuery", strVal(rewritten))
	qi.set("hasSelectValue", boolVal(q.selectValue))
	qi.set("dCountInfo", valNull)
	qi.set("hasNonStreamingOrderBy", boolVal(q.hasVectorOrderBy()))

	var ranges []*value
	for _, epk := range q.pinnedEPKs(pk, x) {
		rng := newObj()
		rng.set("min", strVal(epk))
		rng.set("max", strVal(epk))
		rng.set("isMinInclusive", valTrue)
		rng.set("isMaxInclusive", valTrue)
		ranges = append(ranges, rng.v)
	}
	if len(ranges) == 0 {
		rng := newObj()
		rng.set("min", strVal(""))
		rng.set("max", strVal("FF"))
		rng.set("isMinInclusive", valTrue)
		rng.set("isMaxInclusive", valFalse)
		ranges = append(ranges, rng.v)
	}
	plan := newObj()
	plan.set("partitionedQueryExecutionInfoVersion", intVal(2))
	plan.set("queryInfo", qi.v)
	plan.set("queryRanges", arrVal(ranges))
	plan.set("hybridSearchQueryInfo", valNull)
	return json.RawMessage(appendJSON(nil, plan.v)), nil
}

// rewrite builds the per-range query ("" when the original query can run on
// each range as it is).
func (q *Query) rewrite(x *executor) (string, error) {
	grouped := len(q.groupBy) > 0 || q.hasAgg
	var parts queryParts
	if q.innerNeedsState() {
		return "", &QueryError{Message: "Cross partition query with TOP, ORDER BY, OFFSET LIMIT, DISTINCT, GROUP BY or aggregates inside a FROM subquery is not supported."}
	}
	switch {
	case grouped && len(q.orderBy) > 0:
		return "", &QueryError{Message: "Cross partition query with ORDER BY and aggregates or GROUP BY is not supported."}
	case q.isValueAggregate():
		parts = queryParts{selection: `VALUE [{"item": ` + partialAgg(q.items[0].e) + `}]`, top: "-", noDistinct: true, offset: "-"}
	case grouped:
		var sb strings.Builder
		if len(q.groupBy) > 0 {
			sb.WriteString("[")
			for i, g := range q.groupBy {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.WriteString(`{"item": ` + printExpr(g) + `}`)
			}
			sb.WriteString("] AS groupByItems, ")
		}
		if q.selectValue {
			e := q.items[0].e
			switch {
			case e.op == opAgg:
				// An array of {"item": …} as for VALUE aggregates without
				// GROUP BY (cosmos-wire.md §6.5): clients read payload[0].item.
				sb.WriteString(`[{"item": ` + partialAgg(e) + `}]`)
			case containsAgg(e):
				return "", &QueryError{Message: "Cross partition query does not support aggregates inside expressions."}
			default:
				sb.WriteString(printExpr(e))
			}
		} else {
			sb.WriteString("{")
			for i, it := range q.items {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.Write(appendString(nil, it.name))
				sb.WriteString(": ")
				switch {
				case it.e.op == opAgg:
					sb.WriteString(`{"item": ` + partialAgg(it.e) + `}`)
				case containsAgg(it.e):
					return "", &QueryError{Message: "Cross partition query does not support aggregates inside expressions."}
				default:
					sb.WriteString(printExpr(it.e))
				}
			}
			sb.WriteString("}")
		}
		sb.WriteString(" AS payload")
		parts = queryParts{selection: sb.String(), top: "-", noDistinct: true, offset: "-"}
	case len(q.orderBy) > 0:
		if len(q.from) == 0 {
			return "", &QueryError{Message: "ORDER BY is not supported in a cross partition query without a FROM clause."}
		}
		var sb strings.Builder
		if !q.distinct {
			sb.WriteString(q.from[0].alias + "._rid, ")
		}
		sb.WriteString("[")
		for i, o := range q.orderBy {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(`{"item": ` + printExpr(o.e) + `}`)
		}
		sb.WriteString("] AS orderByItems, ")
		switch {
		case q.star:
			sb.WriteString(q.from[0].alias)
		case q.selectValue:
			sb.WriteString(printExpr(q.items[0].e))
		default:
			sb.WriteString("{")
			for i, it := range q.items {
				if i > 0 {
					sb.WriteString(", ")
				}
				sb.Write(appendString(nil, it.name))
				sb.WriteString(": " + printExpr(it.e))
			}
			sb.WriteString("}")
		}
		sb.WriteString(" AS payload")
		parts = queryParts{selection: sb.String()}
		if q.where != nil {
			parts.where = "(" + printExpr(q.where) + " AND (" + orderByFilter + "))"
		} else {
			parts.where = "(" + orderByFilter + ")"
		}
	case q.offset != nil:
		// handled below: the query runs as it is apart from OFFSET/LIMIT
	default:
		return "", nil
	}
	if q.top != nil && parts.top == "" {
		parts.top = "TOP " + itoa(x.rawCount(q.top)) + " "
	}
	if q.offset != nil && parts.offset == "" {
		// Each range must return the first offset+limit rows; the client skips
		// the offset after merging.
		sum := x.rawCount(q.offset) + x.rawCount(q.limit)
		if sum < 0 { // overflow
			sum = math.MaxInt64
		}
		parts.offset = "OFFSET 0 LIMIT " + itoa(sum)
	}
	return printQuery(q, parts), nil
}

// pinnedEPKs finds filters that pin the partition key among the top-level AND
// terms of WHERE: "=" on every path (a literal or parameter), or, for a
// single-path key, "IN (…)" of literals/parameters. It returns the sorted,
// distinct EPKs, or nil when the query is not pinned.
func (q *Query) pinnedEPKs(pk PartitionKeyDef, x *executor) []string {
	if q.where == nil || len(q.from) == 0 || q.from[0].in || q.from[0].e == nil || q.from[0].e.op != opIdent || len(pk.Paths) == 0 {
		return nil
	}
	root := q.from[0].alias
	var terms []*expr
	var collect func(e *expr)
	collect = func(e *expr) {
		if e.op == opAnd {
			collect(e.args[0])
			collect(e.args[1])
			return
		}
		terms = append(terms, e)
	}
	collect(q.where)
	constant := func(e *expr) (json.RawMessage, bool) {
		if e.op != opLit && e.op != opParam {
			return nil, false
		}
		v := x.eval(e, &env{})
		if v == nil || v.kind == kindArray || v.kind == kindObject {
			return nil, false
		}
		return json.RawMessage(appendJSON(nil, v)), true
	}
	vals := make([]json.RawMessage, len(pk.Paths))
	var inVals []json.RawMessage
	for i, p := range pk.Paths {
		want := splitPKPath(p)
		for _, t := range terms {
			switch {
			case t.op == opBinary && t.name == "=":
				for side := 0; side < 2 && vals[i] == nil; side++ {
					if v, ok := constant(t.args[1-side]); ok && pathMatches(t.args[side], root, want) {
						vals[i] = v
					}
				}
			case t.op == opIn && !t.not && len(pk.Paths) == 1 && inVals == nil && pathMatches(t.args[0], root, want):
				var set []json.RawMessage
				for _, a := range t.args[1:] {
					v, ok := constant(a)
					if !ok {
						set = nil
						break
					}
					set = append(set, v)
				}
				inVals = set
			}
		}
		if vals[i] == nil && !(len(pk.Paths) == 1 && inVals != nil) {
			return nil
		}
	}
	var keys [][]json.RawMessage
	if vals[0] != nil {
		keys = [][]json.RawMessage{vals}
	} else {
		for _, v := range inVals {
			keys = append(keys, []json.RawMessage{v})
		}
	}
	seen := map[string]bool{}
	var epks []string
	for _, k := range keys {
		epk, err := EffectivePartitionKey(pk, k)
		if err != nil {
			return nil // an unusable key just means no pinning
		}
		if !seen[epk] {
			seen[epk] = true
			epks = append(epks, epk)
		}
	}
	sort.Strings(epks)
	return epks
}

// pathMatches reports whether e is root.seg1.seg2… for the given segments.
func pathMatches(e *expr, root string, segs []string) bool {
	for i := len(segs) - 1; i >= 0; i-- {
		if e.op != opProp || e.name != segs[i] {
			return false
		}
		e = e.args[0]
	}
	return e.op == opIdent && e.name == root
}
