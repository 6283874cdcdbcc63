package engine

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// typeRank orders types as ORDER BY does: undefined < null < false/true <
// numbers < strings (< arrays < objects, which the service cannot order; we
// rank them only to stay deterministic).
func typeRank(v *value) int {
	if v == nil {
		return 0
	}
	switch v.kind {
	case kindNull:
		return 1
	case kindBool:
		return 2
	case kindNumber:
		return 3
	case kindString:
		return 4
	case kindArray:
		return 5
	default:
		return 6
	}
}

// compareNumbers compares two numbers, exactly when both are int64.
func compareNumbers(a, b *value) int {
	if a.isInt && b.isInt {
		switch {
		case a.i < b.i:
			return -1
		case a.i > b.i:
			return 1
		}
		return 0
	}
	switch {
	case a.num < b.num:
		return -1
	case a.num > b.num:
		return 1
	case a.num == b.num:
		return 0
	case math.IsNaN(a.num) && !math.IsNaN(b.num):
		return -1
	case !math.IsNaN(a.num) && math.IsNaN(b.num):
		return 1
	}
	return 0
}

// orderCompare totally orders values for ORDER BY, MIN and MAX.
func orderCompare(a, b *value) int {
	ra, rb := typeRank(a), typeRank(b)
	if ra != rb {
		if ra < rb {
			return -1
		}
		return 1
	}
	if a == nil {
		return 0
	}
	switch a.kind {
	case kindBool:
		switch {
		case a.b == b.b:
			return 0
		case !a.b:
			return -1
		}
		return 1
	case kindNumber:
		return compareNumbers(a, b)
	case kindString:
		return strings.Compare(a.str, b.str)
	case kindArray, kindObject:
		return strings.Compare(canonicalKey(a), canonicalKey(b))
	}
	return 0
}

// equalValues is deep equality as '=' sees it (2 = 2.0; object key order ignored).
func equalValues(a, b *value) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case kindNull:
		return true
	case kindBool:
		return a.b == b.b
	case kindNumber:
		return compareNumbers(a, b) == 0 && !math.IsNaN(a.num)
	case kindString:
		return a.str == b.str
	case kindArray:
		if len(a.arr) != len(b.arr) {
			return false
		}
		for i := range a.arr {
			if !equalValues(a.arr[i], b.arr[i]) {
				return false
			}
		}
		return true
	case kindObject:
		if len(a.keys) != len(b.keys) {
			return false
		}
		for i, k := range a.keys {
			if !equalValues(a.vals[i], b.field(k)) {
				return false
			}
		}
		return true
	}
	return false
}

// canonicalKey is a string that is equal for values DISTINCT and GROUP BY treat
// as equal: object keys sorted, numbers by value.
func canonicalKey(v *value) string {
	var sb strings.Builder
	writeCanonical(&sb, v)
	return sb.String()
}

func writeCanonical(sb *strings.Builder, v *value) {
	if v == nil {
		sb.WriteString("~u")
		return
	}
	switch v.kind {
	case kindNull:
		sb.WriteString("n")
	case kindBool:
		if v.b {
			sb.WriteString("t")
		} else {
			sb.WriteString("f")
		}
	case kindNumber:
		sb.WriteString("#")
		if v.isInt {
			sb.WriteString(strconv.FormatInt(v.i, 10))
		} else if v.num == math.Trunc(v.num) && math.Abs(v.num) < 1<<63 {
			sb.WriteString(strconv.FormatInt(int64(v.num), 10))
		} else {
			sb.WriteString(strconv.FormatFloat(v.num, 'g', -1, 64))
		}
	case kindString:
		sb.Write(appendString(nil, v.str))
	case kindArray:
		sb.WriteString("[")
		for _, e := range v.arr {
			writeCanonical(sb, e)
			sb.WriteString(",")
		}
		sb.WriteString("]")
	case kindObject:
		idx := make([]int, len(v.keys))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(x, y int) bool { return v.keys[idx[x]] < v.keys[idx[y]] })
		sb.WriteString("{")
		for _, i := range idx {
			if v.vals[i] == nil {
				continue
			}
			sb.Write(appendString(nil, v.keys[i]))
			sb.WriteString(":")
			writeCanonical(sb, v.vals[i])
			sb.WriteString(",")
		}
		sb.WriteString("}")
	}
}
