package engine

import (
	"strconv"
	"strings"
)

// The printer renders expressions and queries in the service's canonical
// form, used for orderByExpressions / groupByExpressions and rewritten
// queries: binary operators parenthesised, property names as .name (or
// ["name"] when not an identifier), JSON-style string literals, ", " between
// list items and ": " inside object literals.

func printExpr(e *expr) string {
	var sb strings.Builder
	writeExpr(&sb, e)
	return sb.String()
}

func isPlainIdent(s string) bool {
	if s == "" || !isIdentStart(s[0]) || isKeyword(s, strings.ToUpper(s)) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isIdentPart(s[i]) {
			return false
		}
	}
	return true
}

func writeLit(sb *strings.Builder, v *value) {
	if v == nil {
		sb.WriteString("undefined")
		return
	}
	if !jsonable(v) {
		// NaN / Infinity have no JSON form; the literals are spelled this way.
		sb.WriteString(formatFloat(v.num))
		return
	}
	sb.Write(appendJSON(nil, v))
}

func writeList(sb *strings.Builder, args []*expr) {
	for i, a := range args {
		if i > 0 {
			sb.WriteString(", ")
		}
		writeExpr(sb, a)
	}
}

func writeExpr(sb *strings.Builder, e *expr) {
	switch e.op {
	case opLit:
		writeLit(sb, e.lit)
	case opParam, opIdent:
		sb.WriteString(e.name)
	case opProp:
		writeExpr(sb, e.args[0])
		// Keep the notation the user wrote (the service echoes c["value"] back).
		if !e.bracket && isPlainIdent(e.name) {
			sb.WriteByte('.')
			sb.WriteString(e.name)
		} else {
			sb.WriteByte('[')
			sb.Write(appendString(nil, e.name))
			sb.WriteByte(']')
		}
	case opIndex:
		writeExpr(sb, e.args[0])
		sb.WriteByte('[')
		writeExpr(sb, e.args[1])
		sb.WriteByte(']')
	case opCall, opAgg:
		sb.WriteString(e.name)
		sb.WriteByte('(')
		writeList(sb, e.args)
		sb.WriteByte(')')
	case opUnary:
		sb.WriteString(e.name)
		writeExpr(sb, e.args[0])
	case opNot:
		sb.WriteString("(NOT ")
		writeExpr(sb, e.args[0])
		sb.WriteByte(')')
	case opAnd, opOr, opBinary, opCoalesce:
		op := e.name
		switch e.op {
		case opAnd:
			op = "AND"
		case opOr:
			op = "OR"
		case opCoalesce:
			op = "??"
		}
		sb.WriteByte('(')
		writeExpr(sb, e.args[0])
		sb.WriteString(" " + op + " ")
		writeExpr(sb, e.args[1])
		sb.WriteByte(')')
	case opIn:
		sb.WriteByte('(')
		writeExpr(sb, e.args[0])
		if e.not {
			sb.WriteString(" NOT")
		}
		sb.WriteString(" IN (")
		writeList(sb, e.args[1:])
		sb.WriteString("))")
	case opBetween:
		sb.WriteByte('(')
		writeExpr(sb, e.args[0])
		if e.not {
			sb.WriteString(" NOT")
		}
		sb.WriteString(" BETWEEN ")
		writeExpr(sb, e.args[1])
		sb.WriteString(" AND ")
		writeExpr(sb, e.args[2])
		sb.WriteByte(')')
	case opLike:
		sb.WriteByte('(')
		writeExpr(sb, e.args[0])
		if e.not {
			sb.WriteString(" NOT")
		}
		sb.WriteString(" LIKE ")
		writeExpr(sb, e.args[1])
		if len(e.args) > 2 {
			sb.WriteString(" ESCAPE ")
			writeExpr(sb, e.args[2])
		}
		sb.WriteByte(')')
	case opTernary:
		sb.WriteByte('(')
		writeExpr(sb, e.args[0])
		sb.WriteString(" ? ")
		writeExpr(sb, e.args[1])
		sb.WriteString(" : ")
		writeExpr(sb, e.args[2])
		sb.WriteByte(')')
	case opArray:
		sb.WriteByte('[')
		writeList(sb, e.args)
		sb.WriteByte(']')
	case opObject:
		sb.WriteByte('{')
		for i, k := range e.keys {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.Write(appendString(nil, k))
			sb.WriteString(": ")
			writeExpr(sb, e.args[i])
		}
		sb.WriteByte('}')
	case opExists, opArraySub, opScalarSub, opFirstSub, opLastSub, opAllSub:
		switch e.op {
		case opExists:
			sb.WriteString("EXISTS")
		case opArraySub:
			sb.WriteString("ARRAY")
		case opFirstSub:
			sb.WriteString("FIRST")
		case opLastSub:
			sb.WriteString("LAST")
		case opAllSub:
			sb.WriteString("ALL")
		}
		sb.WriteByte('(')
		sb.WriteString(strings.ReplaceAll(printQuery(e.sub, queryParts{}), "\n", " "))
		sb.WriteByte(')')
	}
}

// queryParts overrides parts of a query when printing a rewrite.
type queryParts struct {
	selection  string // replaces the SELECT list (after DISTINCT/TOP) if set
	noDistinct bool
	top        string // "TOP n " prefix override; "-" drops TOP
	where      string // replaces the WHERE expression if set
	noOrderBy  bool
	offset     string // "OFFSET x LIMIT y" override; "-" drops it
}

func printQuery(q *Query, p queryParts) string {
	var sb strings.Builder
	sb.WriteString("SELECT ")
	if q.distinct && !p.noDistinct {
		sb.WriteString("DISTINCT ")
	}
	switch {
	case p.top == "-":
	case p.top != "":
		sb.WriteString(p.top)
	case q.top != nil:
		sb.WriteString("TOP ")
		writeExpr(&sb, q.top)
		sb.WriteByte(' ')
	}
	switch {
	case p.selection != "":
		sb.WriteString(p.selection)
	case q.star:
		sb.WriteString("*")
	case q.selectValue:
		sb.WriteString("VALUE ")
		writeExpr(&sb, q.items[0].e)
	default:
		for i, it := range q.items {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeExpr(&sb, it.e)
			if it.alias != "" {
				sb.WriteString(" AS " + it.alias)
			}
		}
	}
	for i, f := range q.from {
		if i == 0 {
			sb.WriteString("\nFROM ")
		} else {
			sb.WriteString("\nJOIN ")
		}
		switch {
		case f.sub != nil:
			sb.WriteString("(" + strings.ReplaceAll(printQuery(f.sub, queryParts{}), "\n", " ") + ") AS " + f.alias)
		case f.in:
			sb.WriteString(f.alias + " IN ")
			writeExpr(&sb, f.e)
		default:
			writeExpr(&sb, f.e)
			natural := ""
			if f.e.op == opIdent || f.e.op == opProp {
				natural = f.e.name
			}
			if f.alias != natural {
				sb.WriteString(" AS " + f.alias)
			}
		}
	}
	switch {
	case p.where != "":
		sb.WriteString("\nWHERE " + p.where)
	case q.where != nil:
		sb.WriteString("\nWHERE ")
		writeExpr(&sb, q.where)
	}
	if len(q.groupBy) > 0 {
		sb.WriteString("\nGROUP BY ")
		writeList(&sb, q.groupBy)
	}
	if len(q.orderBy) > 0 && !p.noOrderBy {
		sb.WriteString("\nORDER BY ")
		for i, o := range q.orderBy {
			if i > 0 {
				sb.WriteString(", ")
			}
			writeExpr(&sb, o.e)
			if o.desc {
				sb.WriteString(" DESC")
			}
		}
	}
	switch {
	case p.offset == "-":
	case p.offset != "":
		sb.WriteString("\n" + p.offset)
	case q.offset != nil:
		sb.WriteString("\nOFFSET ")
		writeExpr(&sb, q.offset)
		sb.WriteString(" LIMIT ")
		writeExpr(&sb, q.limit)
	}
	return sb.String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
