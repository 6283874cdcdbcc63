package engine

import (
	"math"
	"strconv"
	"strings"
)

// maxDepth bounds expression and subquery nesting so hostile input cannot
// exhaust the stack.
const maxDepth = 128

type parser struct {
	src   string
	toks  []token
	p     int
	depth int
}

// Parse parses query text. Errors are *SyntaxError, or a *QueryError for
// shapes the service refuses after compiling (ORDER BY VectorDistance ASC/DESC).
func Parse(text string) (*Query, error) {
	if len(text) > maxQueryLength {
		return nil, &SyntaxError{Code: "SC1001", Message: "The SQL query text exceeded the maximum limit of " + strconv.Itoa(maxQueryLength) + " characters.", Start: 0, End: 0}
	}
	toks, serr := lex(text)
	if serr != nil {
		return nil, serr
	}
	ps := &parser{src: text, toks: toks}
	q, serr := ps.query()
	if serr != nil {
		return nil, serr
	}
	if ps.peek().kind != tEOF {
		return nil, ps.errHere()
	}
	q.text = text
	if serr := resolveQuery(text, q, nil); serr != nil {
		return nil, serr
	}
	if err := checkVectorOrderBy(q); err != nil {
		return nil, err
	}
	return q, nil
}

func (ps *parser) peek() token { return ps.toks[ps.p] }

func (ps *parser) next() token {
	t := ps.toks[ps.p]
	if t.kind != tEOF {
		ps.p++
	}
	return t
}

func (ps *parser) errHere() *SyntaxError {
	t := ps.peek()
	return syntaxErrAt(ps.src, t.start, t.end)
}

func (ps *parser) isKw(kw string) bool {
	t := ps.peek()
	return t.kind == tKeyword && t.kw == kw
}

func (ps *parser) isOp(op string) bool {
	t := ps.peek()
	return t.kind == tOp && t.text == op
}

func (ps *parser) acceptKw(kw string) bool {
	if ps.isKw(kw) {
		ps.p++
		return true
	}
	return false
}

func (ps *parser) acceptOp(op string) bool {
	if ps.isOp(op) {
		ps.p++
		return true
	}
	return false
}

func (ps *parser) expectKw(kw string) *SyntaxError {
	if !ps.acceptKw(kw) {
		return ps.errHere()
	}
	return nil
}

func (ps *parser) expectOp(op string) *SyntaxError {
	if !ps.acceptOp(op) {
		return ps.errHere()
	}
	return nil
}

func (ps *parser) enter() *SyntaxError {
	ps.depth++
	if ps.depth > maxDepth {
		t := ps.peek()
		return &SyntaxError{Code: "SC1001", Message: "The SQL query is nested too deeply.", Start: t.start, End: t.end}
	}
	return nil
}

func (ps *parser) leave() { ps.depth-- }

func (ps *parser) query() (*Query, *SyntaxError) {
	if err := ps.enter(); err != nil {
		return nil, err
	}
	defer ps.leave()
	q := &Query{}
	if err := ps.expectKw("SELECT"); err != nil {
		return nil, err
	}
	if ps.acceptKw("DISTINCT") {
		q.distinct = true
	}
	if ps.acceptKw("TOP") {
		e, err := ps.countArg()
		if err != nil {
			return nil, err
		}
		q.top = e
	}
	switch {
	case ps.isOp("*"):
		q.star, q.starAt = true, ps.next().start
	case ps.acceptKw("VALUE"):
		e, err := ps.expr()
		if err != nil {
			return nil, err
		}
		q.selectValue = true
		q.items = []selItem{{e: e}}
	default:
		unnamed := 0
		for {
			e, err := ps.expr()
			if err != nil {
				return nil, err
			}
			it := selItem{e: e}
			if ps.acceptKw("AS") {
				t := ps.next()
				if t.kind != tIdent {
					return nil, syntaxErrAt(ps.src, t.start, t.end)
				}
				it.alias = t.text
			} else if ps.peek().kind == tIdent {
				it.alias = ps.next().text
			}
			switch {
			case it.alias != "":
				it.name = it.alias
			case e.op == opProp:
				it.name = e.name
			case e.op == opIdent:
				it.name = e.name
			default:
				unnamed++
				it.name = "$" + strconv.Itoa(unnamed)
			}
			q.items = append(q.items, it)
			if !ps.acceptOp(",") {
				break
			}
		}
	}
	if ps.acceptKw("FROM") {
		if err := ps.fromClause(q); err != nil {
			return nil, err
		}
	}
	if ps.acceptKw("WHERE") {
		e, err := ps.expr()
		if err != nil {
			return nil, err
		}
		q.where = e
	}
	if ps.acceptKw("GROUP") {
		if err := ps.expectKw("BY"); err != nil {
			return nil, err
		}
		for {
			e, err := ps.expr()
			if err != nil {
				return nil, err
			}
			q.groupBy = append(q.groupBy, e)
			if !ps.acceptOp(",") {
				break
			}
		}
	}
	if ps.acceptKw("ORDER") {
		if err := ps.expectKw("BY"); err != nil {
			return nil, err
		}
		for {
			e, err := ps.expr()
			if err != nil {
				return nil, err
			}
			oi := orderItem{e: e}
			if ps.acceptKw("DESC") {
				oi.desc, oi.explicit = true, true
			} else {
				oi.explicit = ps.acceptKw("ASC")
			}
			q.orderBy = append(q.orderBy, oi)
			if !ps.acceptOp(",") {
				break
			}
		}
	}
	if ps.acceptKw("OFFSET") {
		e, err := ps.countArg()
		if err != nil {
			return nil, err
		}
		q.offset = e
		if err := ps.expectKw("LIMIT"); err != nil {
			return nil, err
		}
		e, err = ps.countArg()
		if err != nil {
			return nil, err
		}
		q.limit = e
	}
	return q, nil
}

// countArg parses the argument of TOP / OFFSET / LIMIT: an integer literal or a parameter.
func (ps *parser) countArg() (*expr, *SyntaxError) {
	t := ps.next()
	switch t.kind {
	case tNumber:
		v, ok := parseNumberLit(t.text)
		if !ok || !v.isInt || v.i < 0 {
			return nil, syntaxErrAt(ps.src, t.start, t.end)
		}
		return &expr{op: opLit, lit: v, start: t.start, end: t.end}, nil
	case tParam:
		return &expr{op: opParam, name: t.text, start: t.start, end: t.end}, nil
	}
	return nil, syntaxErrAt(ps.src, t.start, t.end)
}

func (ps *parser) fromClause(q *Query) *SyntaxError {
	first := true
	for {
		var src fromSource
		t := ps.peek()
		switch {
		case t.kind == tIdent && ps.toks[ps.p+1].kind == tKeyword && ps.toks[ps.p+1].kw == "IN":
			ps.p += 2
			src.alias = t.text
			src.in = true
			e, err := ps.expr()
			if err != nil {
				return err
			}
			src.e = e
			if first {
				src.containerName = rootIdent(e)
			}
		case t.kind == tOp && t.text == "(" && ps.toks[ps.p+1].kind == tKeyword && ps.toks[ps.p+1].kw == "SELECT":
			ps.p++
			sub, err := ps.query()
			if err != nil {
				return err
			}
			if err := ps.expectOp(")"); err != nil {
				return err
			}
			src.sub = sub
			ps.acceptKw("AS")
			at := ps.next()
			if at.kind != tIdent {
				return syntaxErrAt(ps.src, at.start, at.end)
			}
			src.alias = at.text
		case t.kind == tIdent:
			e, err := ps.postfix()
			if err != nil {
				return err
			}
			src.e = e
			if first {
				src.containerName = rootIdent(e)
			}
			if ps.acceptKw("AS") {
				at := ps.next()
				if at.kind != tIdent {
					return syntaxErrAt(ps.src, at.start, at.end)
				}
				src.alias = at.text
			} else if ps.peek().kind == tIdent {
				src.alias = ps.next().text
			} else {
				switch e.op {
				case opIdent:
					src.alias = e.name
				case opProp:
					src.alias = e.name
				default:
					return ps.errHere()
				}
			}
		default:
			return ps.errHere()
		}
		q.from = append(q.from, src)
		first = false
		if !ps.acceptKw("JOIN") {
			return nil
		}
	}
}

// rootIdent returns the identifier a path expression starts from.
func rootIdent(e *expr) string {
	for e != nil {
		switch e.op {
		case opIdent:
			return e.name
		case opProp, opIndex:
			e = e.args[0]
		default:
			return ""
		}
	}
	return ""
}

// Expression precedence follows the service grammar (the .NET SDK's sql.g4),
// loosest first: ?? ; ?: (right-associative) ; OR ; AND ; [NOT] IN / LIKE /
// BETWEEN ; || ; | ; ^ ; & ; = != ; < > <= >= ; << >> >>> ; + - ; * / % ;
// unary - + ~ NOT ; postfix . and [].
func (ps *parser) expr() (*expr, *SyntaxError) {
	if err := ps.enter(); err != nil {
		return nil, err
	}
	defer ps.leave()
	l, err := ps.ternary()
	if err != nil {
		return nil, err
	}
	if ps.acceptOp("??") {
		r, err := ps.expr()
		if err != nil {
			return nil, err
		}
		return &expr{op: opCoalesce, args: []*expr{l, r}, start: l.start, end: r.end}, nil
	}
	return l, nil
}

func (ps *parser) ternary() (*expr, *SyntaxError) {
	c, err := ps.orExpr()
	if err != nil {
		return nil, err
	}
	if !ps.acceptOp("?") {
		return c, nil
	}
	if err := ps.enter(); err != nil {
		return nil, err
	}
	defer ps.leave()
	a, err := ps.expr()
	if err != nil {
		return nil, err
	}
	if err := ps.expectOp(":"); err != nil {
		return nil, err
	}
	b, err := ps.ternary()
	if err != nil {
		return nil, err
	}
	return &expr{op: opTernary, args: []*expr{c, a, b}, start: c.start, end: b.end}, nil
}

func (ps *parser) orExpr() (*expr, *SyntaxError) {
	l, err := ps.andExpr()
	if err != nil {
		return nil, err
	}
	for ps.acceptKw("OR") {
		r, err := ps.andExpr()
		if err != nil {
			return nil, err
		}
		l = &expr{op: opOr, args: []*expr{l, r}, start: l.start, end: r.end}
	}
	return l, nil
}

func (ps *parser) andExpr() (*expr, *SyntaxError) {
	l, err := ps.predicate()
	if err != nil {
		return nil, err
	}
	for ps.acceptKw("AND") {
		r, err := ps.predicate()
		if err != nil {
			return nil, err
		}
		l = &expr{op: opAnd, args: []*expr{l, r}, start: l.start, end: r.end}
	}
	return l, nil
}

// predicate parses a binary expression optionally followed by [NOT] IN,
// [NOT] LIKE or [NOT] BETWEEN.
func (ps *parser) predicate() (*expr, *SyntaxError) {
	l, err := ps.binaryLevel(0)
	if err != nil {
		return nil, err
	}
	not := false
	if ps.isKw("NOT") {
		n := ps.toks[ps.p+1]
		if n.kind != tKeyword || (n.kw != "IN" && n.kw != "BETWEEN" && n.kw != "LIKE") {
			return l, nil
		}
		ps.p++
		not = true
	}
	switch {
	case ps.acceptKw("IN"):
		if err := ps.expectOp("("); err != nil {
			return nil, err
		}
		args := []*expr{l}
		for {
			e, err := ps.expr()
			if err != nil {
				return nil, err
			}
			args = append(args, e)
			if !ps.acceptOp(",") {
				break
			}
		}
		end := ps.peek().end
		if err := ps.expectOp(")"); err != nil {
			return nil, err
		}
		return &expr{op: opIn, args: args, not: not, start: l.start, end: end}, nil
	case ps.acceptKw("BETWEEN"):
		lo, err := ps.binaryLevel(0)
		if err != nil {
			return nil, err
		}
		if err := ps.expectKw("AND"); err != nil {
			return nil, err
		}
		hi, err := ps.binaryLevel(0)
		if err != nil {
			return nil, err
		}
		return &expr{op: opBetween, args: []*expr{l, lo, hi}, not: not, start: l.start, end: hi.end}, nil
	case ps.acceptKw("LIKE"):
		pat, err := ps.binaryLevel(0)
		if err != nil {
			return nil, err
		}
		args := []*expr{l, pat}
		end := pat.end
		if ps.acceptKw("ESCAPE") {
			t := ps.next()
			if t.kind != tString {
				return nil, syntaxErrAt(ps.src, t.start, t.end)
			}
			args = append(args, &expr{op: opLit, lit: strVal(t.str), start: t.start, end: t.end})
			end = t.end
		}
		return &expr{op: opLike, args: args, not: not, start: l.start, end: end}, nil
	}
	if not {
		return nil, ps.errHere()
	}
	return l, nil
}

// binaryLevels lists the binary operators from the loosest to the tightest.
var binaryLevels = [][]string{
	{"||"}, {"|"}, {"^"}, {"&"}, {"=", "!=", "<>"}, {"<", ">", "<=", ">="},
	{"<<", ">>", ">>>"}, {"+", "-"}, {"*", "/", "%"},
}

// binaryLevel parses one left-associative level of binary operators.
func (ps *parser) binaryLevel(level int) (*expr, *SyntaxError) {
	if level == len(binaryLevels) {
		return ps.unary()
	}
	l, err := ps.binaryLevel(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		t := ps.peek()
		if t.kind != tOp {
			return l, nil
		}
		found := false
		for _, o := range binaryLevels[level] {
			if t.text == o {
				found = true
				break
			}
		}
		if !found {
			return l, nil
		}
		ps.p++
		r, err := ps.binaryLevel(level + 1)
		if err != nil {
			return nil, err
		}
		op := t.text
		if op == "<>" {
			op = "!="
		}
		l = &expr{op: opBinary, name: op, args: []*expr{l, r}, start: l.start, end: r.end}
	}
}

func (ps *parser) unary() (*expr, *SyntaxError) {
	t := ps.peek()
	if (t.kind == tOp && (t.text == "-" || t.text == "+" || t.text == "~")) || (t.kind == tKeyword && t.kw == "NOT") {
		ps.p++
		if err := ps.enter(); err != nil {
			return nil, err
		}
		defer ps.leave()
		e, err := ps.unary()
		if err != nil {
			return nil, err
		}
		if t.kind == tKeyword {
			return &expr{op: opNot, args: []*expr{e}, start: t.start, end: e.end}, nil
		}
		// Fold "-<number>" so literals like -9223372036854775808 keep full precision.
		if t.text == "-" && e.op == opLit && e.lit != nil && e.lit.kind == kindNumber && e.start == t.end {
			if v, ok := parseNumberLit("-" + ps.src[e.start:e.end]); ok {
				return &expr{op: opLit, lit: v, start: t.start, end: e.end}, nil
			}
		}
		return &expr{op: opUnary, name: t.text, args: []*expr{e}, start: t.start, end: e.end}, nil
	}
	return ps.postfix()
}

func (ps *parser) postfix() (*expr, *SyntaxError) {
	e, err := ps.primary()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case ps.acceptOp("."):
			t := ps.next()
			if t.kind != tIdent {
				return nil, syntaxErrAt(ps.src, t.start, t.end)
			}
			e = &expr{op: opProp, name: t.text, args: []*expr{e}, start: e.start, end: t.end}
		case ps.acceptOp("["):
			idx, err := ps.expr()
			if err != nil {
				return nil, err
			}
			end := ps.peek().end
			if err := ps.expectOp("]"); err != nil {
				return nil, err
			}
			if idx.op == opLit && idx.lit != nil && idx.lit.kind == kindString {
				e = &expr{op: opProp, name: idx.lit.str, bracket: true, args: []*expr{e}, start: e.start, end: end}
			} else {
				e = &expr{op: opIndex, args: []*expr{e, idx}, start: e.start, end: end}
			}
		default:
			return e, nil
		}
	}
}

func (ps *parser) primary() (*expr, *SyntaxError) {
	if err := ps.enter(); err != nil {
		return nil, err
	}
	defer ps.leave()
	t := ps.next()
	switch t.kind {
	case tNumber:
		v, ok := parseNumberLit(t.text)
		if !ok {
			return nil, syntaxErrAt(ps.src, t.start, t.end)
		}
		return &expr{op: opLit, lit: v, start: t.start, end: t.end}, nil
	case tString:
		return &expr{op: opLit, lit: strVal(t.str), start: t.start, end: t.end}, nil
	case tParam:
		return &expr{op: opParam, name: t.text, start: t.start, end: t.end}, nil
	case tKeyword:
		switch t.kw {
		case "TRUE":
			return &expr{op: opLit, lit: valTrue, start: t.start, end: t.end}, nil
		case "FALSE":
			return &expr{op: opLit, lit: valFalse, start: t.start, end: t.end}, nil
		case "NULL":
			return &expr{op: opLit, lit: valNull, start: t.start, end: t.end}, nil
		case "UNDEFINED":
			return &expr{op: opLit, lit: nil, start: t.start, end: t.end}, nil
		case "EXISTS", "ARRAY":
			if err := ps.expectOp("("); err != nil {
				return nil, err
			}
			sub, err := ps.query()
			if err != nil {
				return nil, err
			}
			end := ps.peek().end
			if err := ps.expectOp(")"); err != nil {
				return nil, err
			}
			op := opExists
			if t.kw == "ARRAY" {
				op = opArraySub
			}
			return &expr{op: op, sub: sub, start: t.start, end: end}, nil
		case "LEFT", "RIGHT":
			if ps.isOp("(") {
				return ps.call(t)
			}
		case "UDF":
			if err := ps.expectOp("."); err != nil {
				return nil, err
			}
			n := ps.next()
			if n.kind != tIdent {
				return nil, syntaxErrAt(ps.src, n.start, n.end)
			}
			return nil, &SyntaxError{Code: "SC2005", Message: "'" + n.text + "' is not a recognized user-defined function name.", Start: t.start, End: n.end}
		}
	case tIdent:
		if up := strings.ToUpper(t.text); (up == "FIRST" || up == "LAST" || up == "ALL") && ps.isOp("(") &&
			ps.toks[ps.p+1].kind == tKeyword && ps.toks[ps.p+1].kw == "SELECT" {
			ps.p++
			sub, err := ps.query()
			if err != nil {
				return nil, err
			}
			end := ps.peek().end
			if err := ps.expectOp(")"); err != nil {
				return nil, err
			}
			op := map[string]exprOp{"FIRST": opFirstSub, "LAST": opLastSub, "ALL": opAllSub}[up]
			return &expr{op: op, sub: sub, start: t.start, end: end}, nil
		}
		if ps.isOp("(") {
			return ps.call(t)
		}
		return &expr{op: opIdent, name: t.text, start: t.start, end: t.end}, nil
	case tOp:
		switch t.text {
		case "(":
			if ps.isKw("SELECT") {
				sub, err := ps.query()
				if err != nil {
					return nil, err
				}
				end := ps.peek().end
				if err := ps.expectOp(")"); err != nil {
					return nil, err
				}
				return &expr{op: opScalarSub, sub: sub, start: t.start, end: end}, nil
			}
			e, err := ps.expr()
			if err != nil {
				return nil, err
			}
			if err := ps.expectOp(")"); err != nil {
				return nil, err
			}
			return e, nil
		case "[":
			return ps.arrayLit(t)
		case "{":
			return ps.objectLit(t)
		}
	}
	return nil, syntaxErrAt(ps.src, t.start, t.end)
}

// call parses a function call whose name token t has been consumed.
func (ps *parser) call(t token) (*expr, *SyntaxError) {
	ps.p++ // "("
	var args []*expr
	if !ps.isOp(")") {
		for {
			a, err := ps.expr()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if !ps.acceptOp(",") {
				break
			}
		}
	}
	end := ps.peek().end
	if err := ps.expectOp(")"); err != nil {
		return nil, err
	}
	up := strings.ToUpper(t.text)
	op := opCall
	if isAggregate(up) {
		op = opAgg
	}
	return &expr{op: op, name: t.text, upper: up, args: args, start: t.start, end: end}, nil
}

// arrayLit parses [a, b, …] after the "[" token t.
func (ps *parser) arrayLit(t token) (*expr, *SyntaxError) {
	var args []*expr
	if !ps.isOp("]") {
		for {
			a, err := ps.expr()
			if err != nil {
				return nil, err
			}
			args = append(args, a)
			if !ps.acceptOp(",") {
				break
			}
		}
	}
	end := ps.peek().end
	if err := ps.expectOp("]"); err != nil {
		return nil, err
	}
	return &expr{op: opArray, args: args, start: t.start, end: end}, nil
}

// objectLit parses {"k": v, …} after the "{" token t; keys may also be identifiers.
func (ps *parser) objectLit(t token) (*expr, *SyntaxError) {
	e := &expr{op: opObject, start: t.start}
	if !ps.isOp("}") {
		for {
			k := ps.next()
			switch k.kind {
			case tString:
				e.keys = append(e.keys, k.str)
			case tIdent:
				e.keys = append(e.keys, k.text)
			default:
				return nil, syntaxErrAt(ps.src, k.start, k.end)
			}
			if err := ps.expectOp(":"); err != nil {
				return nil, err
			}
			a, err := ps.expr()
			if err != nil {
				return nil, err
			}
			e.args = append(e.args, a)
			if !ps.acceptOp(",") {
				break
			}
		}
	}
	e.end = ps.peek().end
	if err := ps.expectOp("}"); err != nil {
		return nil, err
	}
	return e, nil
}

// parseNumberLit parses a numeric literal: decimal (kept exact as int64 when
// integral and in range) or hexadecimal.
func parseNumberLit(text string) (*value, bool) {
	neg := strings.HasPrefix(text, "-")
	body := strings.TrimPrefix(text, "-")
	if strings.HasPrefix(body, "0x") || strings.HasPrefix(body, "0X") {
		u, err := strconv.ParseUint(body[2:], 16, 64)
		if err != nil {
			return nil, false
		}
		if u <= math.MaxInt64 {
			i := int64(u)
			if neg {
				i = -i
			}
			return intVal(i), true
		}
		f := float64(u)
		if neg {
			f = -f
		}
		return &value{kind: kindNumber, num: f}, true
	}
	isInt := !strings.ContainsAny(body, ".eE")
	v, err := numberFromText(text, isInt, nil)
	if err != nil {
		return nil, false
	}
	// Query literals are doubles (or exact integers) in the service: 1.50 prints as 1.5.
	return v, true
}

func isAggregate(up string) bool {
	switch up {
	case "COUNT", "SUM", "AVG", "MIN", "MAX":
		return true
	}
	return false
}
