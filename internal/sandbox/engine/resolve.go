package engine

// scope is the chain of FROM aliases visible to an expression.
type scope struct {
	names []string
	outer *scope
}

func (s *scope) has(name string) bool {
	for sc := s; sc != nil; sc = sc.outer {
		for _, n := range sc.names {
			if n == name {
				return true
			}
		}
	}
	return false
}

// resolveQuery checks identifiers and function names the way the service's
// compiler does (SC2001, SC2005) and numbers the aggregates of each query.
func resolveQuery(src string, q *Query, outer *scope) *SyntaxError {
	sc := &scope{outer: outer}
	for i := range q.from {
		f := &q.from[i]
		switch {
		case f.sub != nil && i == 0 && outer == nil:
			// FROM (SELECT … FROM c) AS s: the subquery reads the container.
			if err := resolveQuery(src, f.sub, nil); err != nil {
				return err
			}
		case f.sub != nil:
			if err := resolveQuery(src, f.sub, sc); err != nil {
				return err
			}
		case i == 0 && outer == nil:
			// The first source's root identifier names the container.
			inner := &scope{names: []string{f.containerName}, outer: outer}
			if err := resolveExpr(src, q, f.e, inner, false); err != nil {
				return err
			}
		default:
			if err := resolveExpr(src, q, f.e, sc, false); err != nil {
				return err
			}
		}
		sc.names = append(sc.names, f.alias)
	}
	if q.star && len(q.from) == 0 {
		return &SyntaxError{Code: "SC2031", Message: "'SELECT *' is not valid if FROM clause is omitted.", Start: q.starAt, End: q.starAt + 1}
	}
	if q.star && len(q.from) > 1 {
		return &SyntaxError{Code: "SC2032", Message: "'SELECT *' is only valid with a single input set.", Start: q.starAt, End: q.starAt + 1}
	}
	for _, it := range q.items {
		if err := resolveExpr(src, q, it.e, sc, true); err != nil {
			return err
		}
	}
	if q.where != nil {
		if err := resolveExpr(src, q, q.where, sc, false); err != nil {
			return err
		}
	}
	for _, g := range q.groupBy {
		if err := resolveExpr(src, q, g, sc, false); err != nil {
			return err
		}
	}
	for _, o := range q.orderBy {
		if err := resolveExpr(src, q, o.e, sc, true); err != nil {
			return err
		}
	}
	if q.hasAgg || len(q.groupBy) > 0 {
		if q.star {
			return &SyntaxError{Code: "SC2103", Message: "'SELECT *' is not valid with aggregate functions or GROUP BY.", Start: q.starAt, End: q.starAt + 1}
		}
		grouped := map[string]bool{}
		for _, g := range q.groupBy {
			grouped[printExpr(g)] = true
		}
		for _, it := range q.items {
			if bad := ungroupedRef(it.e, grouped); bad != nil {
				return &SyntaxError{Code: "SC2102", Message: "Property reference '" + printExpr(bad) + "' is invalid in the select list because it is not contained in either an aggregate function or the GROUP BY clause.", Start: bad.start, End: bad.end}
			}
		}
	}
	return nil
}

// ungroupedRef finds a document reference in a grouped SELECT item that is
// neither inside an aggregate nor a GROUP BY expression.
func ungroupedRef(e *expr, grouped map[string]bool) *expr {
	switch e.op {
	case opAgg, opLit, opParam, opExists, opArraySub, opScalarSub, opFirstSub, opLastSub, opAllSub:
		return nil
	}
	if grouped[printExpr(e)] {
		return nil
	}
	switch e.op {
	case opIdent, opProp, opIndex:
		return e
	}
	for _, a := range e.args {
		if bad := ungroupedRef(a, grouped); bad != nil {
			return bad
		}
	}
	return nil
}

func resolveExpr(src string, q *Query, e *expr, sc *scope, aggOK bool) *SyntaxError {
	if e == nil {
		return nil
	}
	switch e.op {
	case opIdent:
		if !sc.has(e.name) {
			if e.name == "NaN" || e.name == "Infinity" {
				e.op = opLit
				e.lit = nonFiniteLit(e.name)
				return nil
			}
			return &SyntaxError{Code: "SC2001", Message: "Identifier '" + e.name + "' could not be resolved.", Start: e.start, End: e.end}
		}
		return nil
	case opCall:
		if !builtinExists(e.upper) {
			return &SyntaxError{Code: "SC2005", Message: "'" + e.name + "' is not a recognized built-in function name.", Start: e.start, End: e.start + len(e.name)}
		}
	case opAgg:
		if !aggOK {
			return &SyntaxError{Code: "SC2101", Message: "Aggregate functions cannot be used in this context.", Start: e.start, End: e.end}
		}
		if len(e.args) != 1 {
			return &SyntaxError{Code: "SC2050", Message: "The " + e.upper + " function requires 1 argument(s).", Start: e.start, End: e.end}
		}
		e.aggIdx = len(q.aggs)
		q.aggs = append(q.aggs, e)
		q.hasAgg = true
		// Aggregates do not nest.
		return resolveExpr(src, q, e.args[0], sc, false)
	case opExists, opArraySub, opScalarSub, opFirstSub, opLastSub, opAllSub:
		e.sub.outer = q
		return resolveQuery(src, e.sub, sc)
	}
	for _, a := range e.args {
		if err := resolveExpr(src, q, a, sc, aggOK); err != nil {
			return err
		}
	}
	return nil
}
