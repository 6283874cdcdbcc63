package engine

import "math"

// group is one GROUP BY group (or the single implicit group of an aggregate
// query without GROUP BY).
type group struct {
	first *env
	accs  []accumulator
}

type accumulator interface {
	add(v *value)
	result() *value
}

func newAccs(q *Query) []accumulator {
	accs := make([]accumulator, len(q.aggs))
	for i, a := range q.aggs {
		switch a.upper {
		case "COUNT":
			accs[i] = &countAcc{}
		case "SUM":
			accs[i] = &sumAcc{isInt: true}
		case "AVG":
			accs[i] = &avgAcc{}
		case "MIN":
			accs[i] = &minMaxAcc{max: false}
		default:
			accs[i] = &minMaxAcc{max: true}
		}
	}
	return accs
}

// countAcc counts defined values.
type countAcc struct{ n int64 }

func (a *countAcc) add(v *value) {
	if v != nil {
		a.n++
	}
}
func (a *countAcc) result() *value { return intVal(a.n) }

// sumAcc sums numbers exactly while they stay int64; any defined non-number
// makes the whole SUM undefined, as the service documents.
type sumAcc struct {
	i        int64
	f        float64
	isInt    bool
	poisoned bool
}

func (a *sumAcc) add(v *value) {
	if v == nil || a.poisoned {
		return
	}
	if v.kind != kindNumber {
		a.poisoned = true
		return
	}
	if a.isInt && v.isInt {
		if s, ok := intArith("+", a.i, v.i); ok {
			a.i = s
			a.f = float64(s)
			return
		}
	}
	if a.isInt {
		a.f = float64(a.i)
		a.isInt = false
	}
	a.f += v.num
}

func (a *sumAcc) result() *value {
	if a.poisoned {
		return nil
	}
	if a.isInt {
		return intVal(a.i)
	}
	return numVal(a.f)
}

type avgAcc struct {
	sum      float64
	n        int64
	poisoned bool
}

func (a *avgAcc) add(v *value) {
	if v == nil || a.poisoned {
		return
	}
	if v.kind != kindNumber {
		a.poisoned = true
		return
	}
	a.sum += v.num
	a.n++
}

func (a *avgAcc) result() *value {
	if a.poisoned || a.n == 0 {
		return nil
	}
	return numVal(a.sum / float64(a.n))
}

// minMaxAcc keeps the least/greatest value in ORDER BY type order; objects and
// arrays cannot be ordered and make the result undefined.
type minMaxAcc struct {
	max      bool
	best     *value
	poisoned bool
}

func (a *minMaxAcc) add(v *value) {
	if v == nil || a.poisoned {
		return
	}
	if v.kind == kindArray || v.kind == kindObject {
		a.poisoned = true
		return
	}
	if v.kind == kindNumber && math.IsNaN(v.num) {
		return
	}
	if a.best == nil {
		a.best = v
		return
	}
	c := orderCompare(v, a.best)
	if (a.max && c > 0) || (!a.max && c < 0) {
		a.best = v
	}
}

func (a *minMaxAcc) result() *value {
	if a.poisoned {
		return nil
	}
	return a.best
}
