package engine

import (
	"math"
	"math/bits"
)

func compareOp(op string, l, r *value) *value {
	if l == nil || r == nil {
		return nil
	}
	if l.kind != r.kind {
		// Values of different types are not comparable: the result is undefined.
		return nil
	}
	if op == "=" {
		return boolVal(equalValues(l, r))
	}
	// Only '=' is defined between two objects or two arrays; '!=' and the
	// ordering operators give undefined (equality-comparison-operators page).
	if l.kind == kindArray || l.kind == kindObject {
		return nil
	}
	if op == "!=" {
		return boolVal(!equalValues(l, r))
	}
	if l.kind == kindNumber && (math.IsNaN(l.num) || math.IsNaN(r.num)) {
		return valFalse
	}
	c := orderCompare(l, r)
	switch op {
	case "<":
		return boolVal(c < 0)
	case ">":
		return boolVal(c > 0)
	case "<=":
		return boolVal(c <= 0)
	case ">=":
		return boolVal(c >= 0)
	}
	return nil
}

func binaryOp(op string, l, r *value) *value {
	switch op {
	case "=", "!=", "<", ">", "<=", ">=":
		return compareOp(op, l, r)
	case "||":
		if l == nil || r == nil || l.kind != kindString || r.kind != kindString {
			return nil
		}
		return strVal(l.str + r.str)
	}
	if l == nil || r == nil || l.kind != kindNumber || r.kind != kindNumber {
		return nil
	}
	switch op {
	case "+", "-", "*":
		if l.isInt && r.isInt {
			if v, ok := intArith(op, l.i, r.i); ok {
				return intVal(v)
			}
		}
		switch op {
		case "+":
			return numVal(l.num + r.num)
		case "-":
			return numVal(l.num - r.num)
		default:
			return numVal(l.num * r.num)
		}
	case "/":
		return numVal(l.num / r.num)
	case "%":
		if l.isInt && r.isInt && r.i != 0 && !(l.i == math.MinInt64 && r.i == -1) {
			return intVal(l.i % r.i)
		}
		return numVal(math.Mod(l.num, r.num))
	case "&", "|", "^", "<<", ">>", ">>>":
		// JavaScript semantics: operands are converted to 32-bit integers.
		a, b := toInt32(l.num), toInt32(r.num)
		switch op {
		case "&":
			return intVal(int64(a & b))
		case "|":
			return intVal(int64(a | b))
		case "^":
			return intVal(int64(a ^ b))
		case "<<":
			return intVal(int64(a << (uint32(b) & 31)))
		case ">>":
			return intVal(int64(a >> (uint32(b) & 31)))
		default:
			return intVal(int64(uint32(a) >> (uint32(b) & 31)))
		}
	}
	return nil
}

func intArith(op string, a, b int64) (int64, bool) {
	switch op {
	case "+":
		s := a + b
		if (a >= 0) == (b >= 0) && (s >= 0) != (a >= 0) {
			return 0, false
		}
		return s, true
	case "-":
		s := a - b
		if (a >= 0) != (b >= 0) && (s >= 0) != (a >= 0) {
			return 0, false
		}
		return s, true
	default:
		if a == 0 || b == 0 {
			return 0, true
		}
		hi, lo := bits.Mul64(uint64(absInt(a)), uint64(absInt(b)))
		if hi != 0 || lo > math.MaxInt64 || a == math.MinInt64 || b == math.MinInt64 {
			return 0, false
		}
		p := int64(lo)
		if (a < 0) != (b < 0) {
			p = -p
		}
		return p, true
	}
}

func absInt(a int64) int64 {
	if a < 0 {
		return -a
	}
	return a
}

// toInt32 is JavaScript's ToInt32.
func toInt32(f float64) int32 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	f = math.Trunc(f)
	m := math.Mod(f, 4294967296)
	if m < 0 {
		m += 4294967296
	}
	return int32(uint32(m))
}

func unaryOp(op string, v *value) *value {
	if v == nil || v.kind != kindNumber {
		return nil
	}
	switch op {
	case "-":
		if v.isInt && v.i != math.MinInt64 {
			return intVal(-v.i)
		}
		return numVal(-v.num)
	case "+":
		return v
	case "~":
		return intVal(int64(^toInt32(v.num)))
	}
	return nil
}

func nonFiniteLit(name string) *value {
	if name == "NaN" {
		return &value{kind: kindNumber, num: math.NaN()}
	}
	return &value{kind: kindNumber, num: math.Inf(1)}
}

// parseParams decodes query parameters; a parameter whose value is not JSON
// is rejected like the service rejects a malformed body.
func parseParams(params []Param) (map[string]*value, error) {
	m := make(map[string]*value, len(params))
	for _, p := range params {
		if len(p.Value) == 0 {
			m[p.Name] = nil // present but undefined
			continue
		}
		v, err := parseJSON(p.Value)
		if err != nil {
			return nil, queryErrorf("The value of parameter '%s' is not valid JSON.", p.Name)
		}
		m[p.Name] = v
	}
	return m, nil
}

// checkParams verifies every @parameter the query uses was supplied and that
// TOP/OFFSET/LIMIT parameters are non-negative integers.
func checkParams(q *Query, pm map[string]*value) error {
	var bad *expr
	var walkQ func(q *Query)
	var walk func(e *expr)
	walk = func(e *expr) {
		if e == nil || bad != nil {
			return
		}
		if e.op == opParam {
			if _, ok := pm[e.name]; !ok {
				bad = e
				return
			}
		}
		if e.sub != nil {
			walkQ(e.sub)
		}
		for _, a := range e.args {
			walk(a)
		}
	}
	walkQ = func(q *Query) {
		for _, c := range []*expr{q.top, q.offset, q.limit} {
			walk(c)
		}
		for _, it := range q.items {
			walk(it.e)
		}
		for _, f := range q.from {
			walk(f.e)
			if f.sub != nil {
				walkQ(f.sub)
			}
		}
		walk(q.where)
		for _, g := range q.groupBy {
			walk(g)
		}
		for _, o := range q.orderBy {
			walk(o.e)
		}
	}
	walkQ(q)
	if bad != nil {
		return &QueryError{Code: "SC2001", Message: "Identifier '" + bad.name + "' could not be resolved.", Start: bad.start, End: bad.end}
	}
	for _, c := range []*expr{q.top, q.offset, q.limit} {
		if c == nil || c.op != opParam {
			continue
		}
		v := pm[c.name]
		if v == nil || v.kind != kindNumber || !v.isInt || v.i < 0 {
			return &QueryError{Code: "SC2061", Message: "The count value provided for a TOP, OFFSET or LIMIT clause is invalid.", Start: c.start, End: c.end}
		}
	}
	return nil
}
