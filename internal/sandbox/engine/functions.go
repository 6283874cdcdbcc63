package engine

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// fnSpec describes one built-in function.
type fnSpec struct {
	min, max int
	// undefOK: the function is called even with undefined arguments
	// (IS_* and IIF); every other function returns undefined then.
	undefOK bool
	fn      func(x *executor, a []*value) *value
}

// maxStringResult bounds strings built by REPLICATE and friends.
const maxStringResult = 1 << 20

// builtins is the read-only table of built-in functions by upper-case name.
var builtins = builtinTable()

func builtinExists(up string) bool {
	_, ok := builtins[up]
	return ok
}

func (x *executor) call(up string, args []*value) *value {
	f, ok := builtins[up]
	if !ok || len(args) < f.min || len(args) > f.max {
		return nil
	}
	if !f.undefOK {
		for _, a := range args {
			if a == nil {
				return nil
			}
		}
	}
	return f.fn(x, args)
}

func isKind(k kind) func(*executor, []*value) *value {
	return func(_ *executor, a []*value) *value { return boolVal(a[0] != nil && a[0].kind == k) }
}

func num1(f func(float64) float64) fnSpec {
	return fnSpec{min: 1, max: 1, fn: func(_ *executor, a []*value) *value {
		if a[0].kind != kindNumber {
			return nil
		}
		return numVal(f(a[0].num))
	}}
}

func str1(f func(string) *value) fnSpec {
	return fnSpec{min: 1, max: 1, fn: func(_ *executor, a []*value) *value {
		if a[0].kind != kindString {
			return nil
		}
		return f(a[0].str)
	}}
}

func allKind(a []*value, k kind) bool {
	for _, v := range a {
		if v == nil || v.kind != k {
			return false
		}
	}
	return true
}

// optBool reads an optional boolean flag argument; ok=false if it is not a boolean.
func optBool(a []*value, i int) (bool, bool) {
	if len(a) <= i {
		return false, true
	}
	if a[i].kind != kindBool {
		return false, false
	}
	return a[i].b, true
}

func intArg(v *value) (int64, bool) {
	if v == nil || v.kind != kindNumber {
		return 0, false
	}
	if v.isInt {
		return v.i, true
	}
	if v.num == math.Trunc(v.num) && math.Abs(v.num) < 1<<62 {
		return int64(v.num), true
	}
	return 0, false
}

func intFn(f func(a, b int64) (int64, bool)) fnSpec {
	return fnSpec{min: 2, max: 2, fn: func(_ *executor, a []*value) *value {
		x, ok1 := intArg(a[0])
		y, ok2 := intArg(a[1])
		if !ok1 || !ok2 || !a[0].isInt || !a[1].isInt {
			return nil
		}
		r, ok := f(x, y)
		if !ok {
			return nil
		}
		return intVal(r)
	}}
}

func builtinTable() map[string]fnSpec {
	t := map[string]fnSpec{
		// ---- type checks ----
		"IS_DEFINED": {min: 1, max: 1, undefOK: true, fn: func(_ *executor, a []*value) *value { return boolVal(a[0] != nil) }},
		"IS_NULL":    {min: 1, max: 1, undefOK: true, fn: isKind(kindNull)},
		"IS_NUMBER":  {min: 1, max: 1, undefOK: true, fn: isKind(kindNumber)},
		"IS_STRING":  {min: 1, max: 1, undefOK: true, fn: isKind(kindString)},
		"IS_BOOL":    {min: 1, max: 1, undefOK: true, fn: isKind(kindBool)},
		"IS_ARRAY":   {min: 1, max: 1, undefOK: true, fn: isKind(kindArray)},
		"IS_OBJECT":  {min: 1, max: 1, undefOK: true, fn: isKind(kindObject)},
		"IS_PRIMITIVE": {min: 1, max: 1, undefOK: true, fn: func(_ *executor, a []*value) *value {
			return boolVal(a[0] != nil && a[0].kind != kindArray && a[0].kind != kindObject)
		}},
		"IS_INTEGER": {min: 1, max: 1, undefOK: true, fn: func(_ *executor, a []*value) *value {
			return boolVal(a[0] != nil && a[0].kind == kindNumber && a[0].isInt)
		}},
		"IS_FINITE_NUMBER": {min: 1, max: 1, undefOK: true, fn: func(_ *executor, a []*value) *value {
			return boolVal(a[0] != nil && a[0].kind == kindNumber && !math.IsNaN(a[0].num) && !math.IsInf(a[0].num, 0))
		}},
		"IIF": {min: 3, max: 3, undefOK: true, fn: func(_ *executor, a []*value) *value {
			if isTrue(a[0]) {
				return a[1]
			}
			return a[2]
		}},

		// ---- strings ----
		"CONTAINS":     strPredicate(strings.Contains),
		"STARTSWITH":   strPredicate(strings.HasPrefix),
		"ENDSWITH":     strPredicate(strings.HasSuffix),
		"STRINGEQUALS": strPredicate(func(s, t string) bool { return s == t }),
		"LOWER":        str1(func(s string) *value { return strVal(strings.ToLower(s)) }),
		"UPPER":        str1(func(s string) *value { return strVal(strings.ToUpper(s)) }),
		"LENGTH":       str1(func(s string) *value { return intVal(int64(len([]rune(s)))) }),
		"REVERSE": str1(func(s string) *value {
			r := []rune(s)
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
			return strVal(string(r))
		}),
		"LTRIM": trimFn(strings.TrimLeftFunc, strings.TrimLeft),
		"RTRIM": trimFn(strings.TrimRightFunc, strings.TrimRight),
		"TRIM":  trimFn(strings.TrimFunc, strings.Trim),
		"SUBSTRING": {min: 3, max: 3, fn: func(_ *executor, a []*value) *value {
			start, ok1 := intArg(a[1])
			n, ok2 := intArg(a[2])
			if a[0].kind != kindString || !ok1 || !ok2 {
				return nil
			}
			r := []rune(a[0].str)
			if start < 0 {
				start = 0
			}
			if n <= 0 || start >= int64(len(r)) {
				return strVal("")
			}
			end := start + n
			if end > int64(len(r)) {
				end = int64(len(r))
			}
			return strVal(string(r[start:end]))
		}},
		"LEFT": {min: 2, max: 2, fn: func(_ *executor, a []*value) *value {
			n, ok := intArg(a[1])
			if a[0].kind != kindString || !ok || n < 0 {
				return nil
			}
			r := []rune(a[0].str)
			if n > int64(len(r)) {
				n = int64(len(r))
			}
			return strVal(string(r[:n]))
		}},
		"RIGHT": {min: 2, max: 2, fn: func(_ *executor, a []*value) *value {
			n, ok := intArg(a[1])
			if a[0].kind != kindString || !ok || n < 0 {
				return nil
			}
			r := []rune(a[0].str)
			if n > int64(len(r)) {
				n = int64(len(r))
			}
			return strVal(string(r[int64(len(r))-n:]))
		}},
		"CONCAT": {min: 2, max: 64, fn: func(_ *executor, a []*value) *value {
			if !allKind(a, kindString) {
				return nil
			}
			var sb strings.Builder
			for _, v := range a {
				sb.WriteString(v.str)
			}
			return strVal(sb.String())
		}},
		"INDEX_OF": {min: 2, max: 3, fn: func(_ *executor, a []*value) *value {
			if !allKind(a[:2], kindString) {
				return nil
			}
			s, sub := []rune(a[0].str), string([]rune(a[1].str))
			start := int64(0)
			if len(a) == 3 {
				v, ok := intArg(a[2])
				if !ok {
					return nil
				}
				start = v
			}
			if start < 0 || start > int64(len(s)) {
				return intVal(-1)
			}
			i := strings.Index(string(s[start:]), sub)
			if i < 0 {
				return intVal(-1)
			}
			return intVal(start + int64(len([]rune(string(s[start:])[:i]))))
		}},
		"REPLACE": {min: 3, max: 3, fn: func(_ *executor, a []*value) *value {
			if !allKind(a, kindString) {
				return nil
			}
			if a[1].str == "" {
				return a[0]
			}
			n := strings.Count(a[0].str, a[1].str)
			if len(a[0].str)+n*(len(a[2].str)-len(a[1].str)) > maxStringResult {
				return nil
			}
			return strVal(strings.ReplaceAll(a[0].str, a[1].str, a[2].str))
		}},
		"REPLICATE": {min: 2, max: 2, fn: func(_ *executor, a []*value) *value {
			n, ok := intArg(a[1])
			if a[0].kind != kindString || !ok || n < 0 || int64(len(a[0].str))*n > 10000 {
				return nil
			}
			return strVal(strings.Repeat(a[0].str, int(n)))
		}},
		"TOSTRING": {min: 1, max: 1, fn: func(_ *executor, a []*value) *value { return strVal(toStringValue(a[0])) }},
		"STRINGTONUMBER": str1(func(s string) *value {
			v, err := parseJSON([]byte(strings.TrimSpace(s)))
			if err != nil || v.kind != kindNumber {
				return nil
			}
			v.raw = nil
			return v
		}),
		"STRINGTOBOOLEAN": str1(func(s string) *value {
			switch strings.TrimSpace(s) {
			case "true":
				return valTrue
			case "false":
				return valFalse
			}
			return nil
		}),
		"STRINGTONULL": str1(func(s string) *value {
			if strings.TrimSpace(s) == "null" {
				return valNull
			}
			return nil
		}),
		"STRINGTOARRAY":  strToJSON(kindArray),
		"STRINGTOOBJECT": strToJSON(kindObject),
		"REGEXMATCH": {min: 2, max: 3, fn: func(x *executor, a []*value) *value {
			if !allKind(a, kindString) || len(a[1].str) > 4096 {
				return nil
			}
			flags, extended := "", false
			if len(a) == 3 {
				for _, m := range a[2].str {
					switch m {
					case 'i', 'm', 's':
						flags += string(m)
					case 'x':
						extended = true
					default:
						return nil
					}
				}
			}
			pat := a[1].str
			if extended {
				pat = stripPatternWhitespace(pat)
			}
			if flags != "" {
				pat = "(?" + flags + ")" + pat
			}
			re := x.regexp(pat)
			if re == nil {
				return nil
			}
			return boolVal(re.MatchString(a[0].str))
		}},

		"LASTINDEXOF": {min: 2, max: 3, fn: func(_ *executor, a []*value) *value {
			if !allKind(a[:2], kindString) {
				return nil
			}
			s := []rune(a[0].str)
			end := len(s)
			if len(a) == 3 {
				// .NET LastIndexOf(value, startIndex): the match must end at or before startIndex.
				st, ok := intArg(a[2])
				if !ok || st < 0 || st >= int64(len(s)) {
					return nil
				}
				end = int(st) + 1
			}
			i := strings.LastIndex(string(s[:end]), a[1].str)
			if i < 0 {
				return intVal(-1)
			}
			return intVal(int64(len([]rune(string(s[:end])[:i]))))
		}},
		"STRINGJOIN": {min: 2, max: 2, fn: func(_ *executor, a []*value) *value {
			if a[0].kind != kindArray || a[1].kind != kindString {
				return nil
			}
			parts := make([]string, 0, len(a[0].arr))
			for _, v := range a[0].arr {
				if v.kind != kindString {
					return nil
				}
				parts = append(parts, v.str)
			}
			return strVal(strings.Join(parts, a[1].str))
		}},
		"STRINGSPLIT": {min: 2, max: 2, fn: func(_ *executor, a []*value) *value {
			if !allKind(a, kindString) || a[1].str == "" {
				return nil
			}
			var out []*value
			for _, p := range strings.Split(a[0].str, a[1].str) {
				out = append(out, strVal(p))
			}
			return arrVal(out)
		}},
		"CHOOSE": {min: 2, max: 64, fn: func(_ *executor, a []*value) *value {
			i, ok := intArg(a[0])
			if !ok || i < 1 || i >= int64(len(a)) {
				return nil
			}
			return a[i]
		}},

		// ---- math ----
		"ABS": {min: 1, max: 1, fn: func(_ *executor, a []*value) *value {
			if a[0].kind != kindNumber {
				return nil
			}
			if a[0].isInt && a[0].i != math.MinInt64 {
				return intVal(absInt(a[0].i))
			}
			return numVal(math.Abs(a[0].num))
		}},
		"CEILING": num1(math.Ceil),
		"FLOOR":   num1(math.Floor),
		"ROUND":   num1(math.Round), // halves away from zero
		"TRUNC":   num1(math.Trunc),
		"SQRT":    num1(math.Sqrt),
		"SQUARE":  num1(func(f float64) float64 { return f * f }),
		"EXP":     num1(math.Exp),
		"LOG10":   num1(math.Log10),
		"SIN":     num1(math.Sin),
		"COS":     num1(math.Cos),
		"TAN":     num1(tan),
		"ASIN":    num1(math.Asin),
		"ACOS":    num1(math.Acos),
		"ATAN":    num1(math.Atan),
		"COT":     num1(func(f float64) float64 { return 1 / tan(f) }),
		"DEGREES": num1(func(f float64) float64 { return f * 180 / math.Pi }),
		"RADIANS": num1(func(f float64) float64 { return f * math.Pi / 180 }),
		"SIGN": num1(func(f float64) float64 {
			switch {
			case f > 0:
				return 1
			case f < 0:
				return -1
			}
			return 0
		}),
		"PI": {min: 0, max: 0, fn: func(_ *executor, _ []*value) *value { return numVal(math.Pi) }},
		"ATN2": {min: 2, max: 2, fn: func(_ *executor, a []*value) *value {
			if !allKind(a, kindNumber) {
				return nil
			}
			// ATN2(y, x) is atan(y/x): the documented example
			// ATN2(35.175643, 129.44) is 0.265344532064832.
			return numVal(math.Atan2(a[0].num, a[1].num))
		}},
		"POWER": {min: 2, max: 2, fn: func(_ *executor, a []*value) *value {
			if !allKind(a, kindNumber) {
				return nil
			}
			return numVal(math.Pow(a[0].num, a[1].num))
		}},
		"LOG": {min: 1, max: 2, fn: func(_ *executor, a []*value) *value {
			if !allKind(a, kindNumber) {
				return nil
			}
			if len(a) == 1 {
				return numVal(math.Log(a[0].num))
			}
			switch a[1].num {
			case 10:
				return numVal(math.Log10(a[0].num))
			case 2:
				return numVal(math.Log2(a[0].num))
			}
			return numVal(math.Log(a[0].num) / math.Log(a[1].num))
		}},
		"NUMBERBIN": {min: 1, max: 2, fn: func(_ *executor, a []*value) *value {
			if !allKind(a, kindNumber) {
				return nil
			}
			bin := 1.0
			if len(a) == 2 {
				bin = a[1].num
			}
			if bin == 0 {
				return nil
			}
			return numVal(math.Floor(a[0].num/bin) * bin)
		}},
		"INTADD": intFn(func(a, b int64) (int64, bool) { return a + b, true }),
		"INTSUB": intFn(func(a, b int64) (int64, bool) { return a - b, true }),
		"INTMUL": intFn(func(a, b int64) (int64, bool) { return a * b, true }),
		"INTDIV": intFn(func(a, b int64) (int64, bool) {
			if b == 0 || (a == math.MinInt64 && b == -1) {
				return 0, false
			}
			return a / b, true
		}),
		"INTMOD": intFn(func(a, b int64) (int64, bool) {
			if b == 0 || (a == math.MinInt64 && b == -1) {
				return 0, false
			}
			return a % b, true
		}),
		"INTBITAND": intFn(func(a, b int64) (int64, bool) { return a & b, true }),
		"INTBITOR":  intFn(func(a, b int64) (int64, bool) { return a | b, true }),
		"INTBITXOR": intFn(func(a, b int64) (int64, bool) { return a ^ b, true }),
		// Shifts by a negative or ≥ 64 count are undefined behaviour in C++;
		// the sandbox answers undefined for them.
		"INTBITLEFTSHIFT": intFn(func(a, b int64) (int64, bool) {
			if b < 0 || b > 63 {
				return 0, false
			}
			return a << uint(b), true
		}),
		"INTBITRIGHTSHIFT": intFn(func(a, b int64) (int64, bool) {
			if b < 0 || b > 63 {
				return 0, false
			}
			return a >> uint(b), true
		}),
		"INTBITNOT": {min: 1, max: 1, fn: func(_ *executor, a []*value) *value {
			if a[0].kind != kindNumber || !a[0].isInt {
				return nil
			}
			return intVal(^a[0].i)
		}},

		// ---- arrays ----
		"ARRAY_LENGTH": {min: 1, max: 1, fn: func(_ *executor, a []*value) *value {
			if a[0].kind != kindArray {
				return nil
			}
			return intVal(int64(len(a[0].arr)))
		}},
		"ARRAY_CONTAINS": {min: 2, max: 3, fn: func(_ *executor, a []*value) *value {
			partial, ok := optBool(a, 2)
			if a[0].kind != kindArray || !ok {
				return nil
			}
			for _, el := range a[0].arr {
				if equalValues(el, a[1]) || (partial && partialMatch(el, a[1])) {
					return valTrue
				}
			}
			return valFalse
		}},
		"ARRAY_CONTAINS_ALL": arrayContainsSome(true),
		"ARRAY_CONTAINS_ANY": arrayContainsSome(false),
		"ARRAY_SLICE": {min: 2, max: 3, fn: func(_ *executor, a []*value) *value {
			start, ok := intArg(a[1])
			if a[0].kind != kindArray || !ok {
				return nil
			}
			n := int64(len(a[0].arr))
			if start < 0 {
				start += n
				if start < 0 {
					start = 0
				}
			}
			if start > n {
				start = n
			}
			end := n
			if len(a) == 3 {
				l, ok := intArg(a[2])
				if !ok {
					return nil
				}
				if l < 0 {
					l = 0
				}
				if start+l < end {
					end = start + l
				}
			}
			return arrVal(append([]*value(nil), a[0].arr[start:end]...))
		}},
		"ARRAY_CONCAT": {min: 2, max: 64, fn: func(_ *executor, a []*value) *value {
			if !allKind(a, kindArray) {
				return nil
			}
			var out []*value
			for _, v := range a {
				out = append(out, v.arr...)
			}
			return arrVal(out)
		}},
		"ARRAY_MAX":    arrayExtreme(true),
		"ARRAY_MIN":    arrayExtreme(false),
		"ARRAY_SUM":    arrayNumeric(func(xs []float64) float64 { return sumFloats(xs) }),
		"ARRAY_AVG":    arrayNumeric(func(xs []float64) float64 { return sumFloats(xs) / float64(len(xs)) }),
		"ARRAY_MEDIAN": arrayNumeric(medianFloats),
		"SETINTERSECT": {min: 2, max: 2, fn: func(_ *executor, a []*value) *value {
			if !allKind(a, kindArray) {
				return nil
			}
			// The result follows the second array's order: the documented
			// SetIntersect([1, 2, "A", "B"], ["A", 1]) is ["A", 1].
			in := map[string]bool{}
			for _, v := range a[0].arr {
				in[canonicalKey(v)] = true
			}
			seen := map[string]bool{}
			out := []*value{}
			for _, v := range a[1].arr {
				k := canonicalKey(v)
				if in[k] && !seen[k] {
					seen[k] = true
					out = append(out, v)
				}
			}
			return arrVal(out)
		}},
		"SETUNION": {min: 2, max: 2, fn: func(_ *executor, a []*value) *value {
			if !allKind(a, kindArray) {
				return nil
			}
			seen := map[string]bool{}
			out := []*value{}
			for _, arr := range a {
				for _, v := range arr.arr {
					k := canonicalKey(v)
					if !seen[k] {
						seen[k] = true
						out = append(out, v)
					}
				}
			}
			return arrVal(out)
		}},

		// ---- objects ----
		"OBJECTTOARRAY": {min: 1, max: 3, fn: func(_ *executor, a []*value) *value {
			if a[0].kind != kindObject || !allKind(a[1:], kindString) {
				return nil
			}
			kName, vName := "k", "v"
			if len(a) > 1 {
				kName = a[1].str
			}
			if len(a) > 2 {
				vName = a[2].str
			}
			out := make([]*value, 0, len(a[0].keys))
			for i, k := range a[0].keys {
				ob := newObj()
				ob.set(kName, strVal(k))
				ob.set(vName, a[0].vals[i])
				out = append(out, ob.v)
			}
			return arrVal(out)
		}},

		// ---- date and time ----
		"DATETIMEFORMAT": {min: 2, max: 2, fn: func(_ *executor, a []*value) *value {
			if a[1].kind != kindString {
				return nil
			}
			t, ok := dateArg(a[0])
			if !ok && a[0].kind == kindString {
				// The documented example formats "2024-10-10 14:40:20".
				t2, err := time.Parse("2006-01-02 15:04:05.999999999", a[0].str)
				t, ok = t2.UTC(), err == nil
			}
			if !ok {
				return nil
			}
			out, ok := formatDotNet(t, a[1].str)
			if !ok {
				return nil
			}
			return strVal(out)
		}},
		"GETCURRENTDATETIME": {min: 0, max: 0, fn: func(x *executor, _ []*value) *value { return strVal(formatDateTime(x.now)) }},
		"GETCURRENTTIMESTAMP": {min: 0, max: 0, fn: func(x *executor, _ []*value) *value {
			return intVal(x.now.UnixMilli())
		}},
		"GETCURRENTTICKS": {min: 0, max: 0, fn: func(x *executor, _ []*value) *value { return intVal(x.now.UnixNano() / 100) }},
		// The *Static variants return one value for the whole query; the
		// sandbox's clock is read once per execution, so they are the same.
		"GETCURRENTDATETIMESTATIC": {min: 0, max: 0, fn: func(x *executor, _ []*value) *value { return strVal(formatDateTime(x.now)) }},
		"GETCURRENTTIMESTAMPSTATIC": {min: 0, max: 0, fn: func(x *executor, _ []*value) *value {
			return intVal(x.now.UnixMilli())
		}},
		"GETCURRENTTICKSSTATIC": {min: 0, max: 0, fn: func(x *executor, _ []*value) *value { return intVal(x.now.UnixNano() / 100) }},
		"DATETIMEADD": {min: 3, max: 3, fn: func(_ *executor, a []*value) *value {
			n, ok := intArg(a[1])
			t, ok2 := dateArg(a[2])
			if a[0].kind != kindString || !ok || !ok2 {
				return nil
			}
			r, ok := dateAdd(strings.ToLower(a[0].str), n, t)
			if !ok {
				return nil
			}
			return strVal(formatDateTime(r))
		}},
		"DATETIMEDIFF": {min: 3, max: 3, fn: func(_ *executor, a []*value) *value {
			s, ok1 := dateArg(a[1])
			e, ok2 := dateArg(a[2])
			if a[0].kind != kindString || !ok1 || !ok2 {
				return nil
			}
			d, ok := dateDiff(strings.ToLower(a[0].str), s, e)
			if !ok {
				return nil
			}
			return intVal(d)
		}},
		"DATETIMEPART": {min: 2, max: 2, fn: func(_ *executor, a []*value) *value {
			t, ok := dateArg(a[1])
			if a[0].kind != kindString || !ok {
				return nil
			}
			p, ok := datePart(strings.ToLower(a[0].str), t)
			if !ok {
				return nil
			}
			return intVal(p)
		}},
		"DATETIMETOTICKS": {min: 1, max: 1, fn: func(_ *executor, a []*value) *value {
			t, ok := dateArg(a[0])
			if !ok {
				return nil
			}
			return intVal(unixTicks(t))
		}},
		"DATETIMETOTIMESTAMP": {min: 1, max: 1, fn: func(_ *executor, a []*value) *value {
			t, ok := dateArg(a[0])
			if !ok {
				return nil
			}
			return intVal(unixTicks(t) / 10000)
		}},
		"TICKSTODATETIME": {min: 1, max: 1, fn: func(_ *executor, a []*value) *value {
			n, ok := intArg(a[0])
			if !ok {
				return nil
			}
			return strVal(formatDateTime(fromTicks(n)))
		}},
		"TIMESTAMPTODATETIME": {min: 1, max: 1, fn: func(_ *executor, a []*value) *value {
			n, ok := intArg(a[0])
			if !ok || n > math.MaxInt64/10000 || n < math.MinInt64/10000 {
				return nil
			}
			return strVal(formatDateTime(fromTicks(n * 10000)))
		}},
		"DATETIMEBIN": {min: 2, max: 4, fn: func(_ *executor, a []*value) *value {
			t, ok := dateArg(a[0])
			if !ok || a[1].kind != kindString {
				return nil
			}
			size := int64(1)
			if len(a) > 2 {
				if size, ok = intArg(a[2]); !ok || size <= 0 {
					return nil
				}
			}
			origin := time.Unix(0, 0).UTC()
			if len(a) > 3 {
				if origin, ok = dateArg(a[3]); !ok {
					return nil
				}
			}
			r, ok := dateBin(strings.ToLower(a[1].str), size, t, origin)
			if !ok {
				return nil
			}
			return strVal(formatDateTime(r))
		}},
		"DATETIMEFROMPARTS": {min: 3, max: 7, fn: func(_ *executor, a []*value) *value {
			p := make([]int64, 7)
			for i, v := range a {
				n, ok := intArg(v)
				if !ok {
					return nil
				}
				p[i] = n
			}
			if p[0] < 1 || p[0] > 9999 || p[1] < 1 || p[1] > 12 || p[2] < 1 || p[2] > 31 ||
				p[3] < 0 || p[3] > 23 || p[4] < 0 || p[4] > 59 || p[5] < 0 || p[5] > 59 || p[6] < 0 || p[6] > 9999999 {
				return nil
			}
			t := time.Date(int(p[0]), time.Month(p[1]), int(p[2]), int(p[3]), int(p[4]), int(p[5]), int(p[6])*100, time.UTC)
			if t.Day() != int(p[2]) {
				return nil
			}
			return strVal(formatDateTime(t))
		}},
		"VECTORDISTANCE": vectorDistanceSpec(), // vector.go
	}
	addSpatial(t)
	return t
}

// regexp compiles a pattern once per query execution; nil if it is invalid.
func (x *executor) regexp(pat string) *regexp.Regexp {
	if re, ok := x.regexps[pat]; ok {
		return re
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		re = nil
	}
	if x.regexps == nil {
		x.regexps = map[string]*regexp.Regexp{}
	}
	if len(x.regexps) < 256 {
		x.regexps[pat] = re
	}
	return re
}

// arrayExtreme is ARRAY_MAX / ARRAY_MIN: types rank string > number > boolean
// > null; undefined, arrays and objects are skipped.
func arrayExtreme(max bool) fnSpec {
	return fnSpec{min: 1, max: 1, fn: func(_ *executor, a []*value) *value {
		if a[0].kind != kindArray {
			return nil
		}
		acc := &minMaxAcc{max: max}
		for _, v := range a[0].arr {
			if v != nil && v.kind != kindArray && v.kind != kindObject {
				acc.add(v)
			}
		}
		return acc.result()
	}}
}

// arrayNumeric applies f to the numbers of an array (undefined elements are
// ignored; any other non-number makes the result undefined).
func arrayNumeric(f func([]float64) float64) fnSpec {
	return fnSpec{min: 1, max: 1, fn: func(_ *executor, a []*value) *value {
		if a[0].kind != kindArray {
			return nil
		}
		xs := make([]float64, 0, len(a[0].arr))
		for _, v := range a[0].arr {
			if v == nil {
				continue
			}
			if v.kind != kindNumber {
				return nil
			}
			xs = append(xs, v.num)
		}
		if len(xs) == 0 {
			return nil
		}
		return numVal(f(xs))
	}}
}

func sumFloats(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

func medianFloats(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func strPredicate(f func(s, t string) bool) fnSpec {
	return fnSpec{min: 2, max: 3, fn: func(_ *executor, a []*value) *value {
		ic, ok := optBool(a, 2)
		if !allKind(a[:2], kindString) || !ok {
			return nil
		}
		s, t := a[0].str, a[1].str
		if ic {
			s, t = strings.ToLower(s), strings.ToLower(t)
		}
		return boolVal(f(s, t))
	}}
}

func trimFn(ws func(string, func(rune) bool) string, set func(string, string) string) fnSpec {
	return fnSpec{min: 1, max: 2, fn: func(_ *executor, a []*value) *value {
		if !allKind(a, kindString) {
			return nil
		}
		if len(a) == 2 {
			return strVal(set(a[0].str, a[1].str))
		}
		return strVal(ws(a[0].str, unicode.IsSpace))
	}}
}

func strToJSON(k kind) fnSpec {
	return str1(func(s string) *value {
		v, err := parseJSON([]byte(strings.TrimSpace(s)))
		if err != nil || v.kind != k {
			return nil
		}
		return v
	})
}

// partialMatch: ARRAY_CONTAINS with partial=true matches an object element
// that has every property of the probe object.
func partialMatch(el, probe *value) bool {
	if el == nil || probe == nil || el.kind != kindObject || probe.kind != kindObject {
		return false
	}
	for i, k := range probe.keys {
		if probe.vals[i] != nil && !equalValues(el.field(k), probe.vals[i]) {
			return false
		}
	}
	return true
}

// toStringValue is ToString: compact JSON for containers, JavaScript-style numbers.
func toStringValue(v *value) string {
	switch v.kind {
	case kindString:
		return v.str
	case kindNumber:
		if v.isInt {
			return strconv.FormatInt(v.i, 10)
		}
		return formatFloat(v.num)
	case kindBool:
		if v.b {
			return "true"
		}
		return "false"
	case kindNull:
		return "null"
	}
	return string(appendJSON(nil, v))
}

// ---- date helpers: ticks are 100 ns since the Unix epoch ----

func formatDateTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.0000000Z") }

func dateArg(v *value) (time.Time, bool) {
	if v == nil || v.kind != kindString {
		return time.Time{}, false
	}
	s := v.str
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func unixTicks(t time.Time) int64 {
	return t.Unix()*10_000_000 + int64(t.Nanosecond()/100)
}

func fromTicks(n int64) time.Time {
	return time.Unix(n/10_000_000, (n%10_000_000)*100).UTC()
}

// unitTicks maps a part name to its length in ticks (0 for calendar units).
func unitTicks(part string) (int64, string, bool) {
	switch part {
	case "year", "yyyy", "yy":
		return 0, "year", true
	case "month", "mm", "m":
		return 0, "month", true
	case "day", "dd", "d":
		return 864_000_000_000, "day", true
	case "hour", "hh":
		return 36_000_000_000, "hour", true
	case "minute", "mi", "n":
		return 600_000_000, "minute", true
	case "second", "ss", "s":
		return 10_000_000, "second", true
	case "millisecond", "ms":
		return 10_000, "millisecond", true
	case "microsecond", "mcs":
		return 10, "microsecond", true
	case "nanosecond", "ns":
		return 1, "nanosecond", true
	}
	return 0, "", false
}

func dateAdd(part string, n int64, t time.Time) (time.Time, bool) {
	ticks, unit, ok := unitTicks(part)
	if !ok || n > 1<<40 || n < -(1<<40) {
		return time.Time{}, false
	}
	switch unit {
	case "year":
		return addMonths(t, n*12), true
	case "month":
		return addMonths(t, n), true
	case "nanosecond":
		return t.Add(time.Duration(n/100) * 100 * time.Nanosecond), true
	}
	return fromTicks(unixTicks(t) + n*ticks), true
}

// addMonths adds calendar months the way .NET's AddMonths and SQL Server's
// DATEADD do: a day past the end of the target month becomes its last day
// (Jan 31 + 1 month = Feb 29 in 2020), where Go's AddDate would roll over
// into March.
func addMonths(t time.Time, n int64) time.Time {
	y, m, d := t.Date()
	total := int64(y)*12 + int64(m-1) + n
	ny, nm := int(floorDiv(total, 12)), time.Month(total-floorDiv(total, 12)*12+1)
	if last := time.Date(ny, nm+1, 0, 0, 0, 0, 0, time.UTC).Day(); d > last {
		d = last
	}
	hh, mm, ss := t.Clock()
	return time.Date(ny, nm, d, hh, mm, ss, t.Nanosecond(), t.Location())
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// dateDiff counts unit boundaries crossed between s and e.
func dateDiff(part string, s, e time.Time) (int64, bool) {
	ticks, unit, ok := unitTicks(part)
	if !ok {
		return 0, false
	}
	switch unit {
	case "year":
		return int64(e.Year() - s.Year()), true
	case "month":
		return int64(e.Year()-s.Year())*12 + int64(e.Month()-s.Month()), true
	case "nanosecond":
		return (unixTicks(e) - unixTicks(s)) * 100, true
	}
	return floorDiv(unixTicks(e), ticks) - floorDiv(unixTicks(s), ticks), true
}

// dateBin rounds t down to a multiple of size units counted from origin.
func dateBin(part string, size int64, t, origin time.Time) (time.Time, bool) {
	ticks, unit, ok := unitTicks(part)
	if !ok {
		return time.Time{}, false
	}
	switch unit {
	case "year":
		n := floorDiv(int64(t.Year()-origin.Year()), size) * size
		return time.Date(origin.Year()+int(n), 1, 1, 0, 0, 0, 0, time.UTC), true
	case "month":
		months := int64(t.Year()-origin.Year())*12 + int64(t.Month()-origin.Month())
		n := floorDiv(months, size) * size
		return time.Date(origin.Year(), origin.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC), true
	case "nanosecond":
		ticks = 1
	}
	if size > math.MaxInt64/ticks {
		return time.Time{}, false
	}
	step := size * ticks
	d := unixTicks(t) - unixTicks(origin)
	return fromTicks(unixTicks(origin) + floorDiv(d, step)*step), true
}

func datePart(part string, t time.Time) (int64, bool) {
	_, unit, ok := unitTicks(part)
	if !ok {
		return 0, false
	}
	switch unit {
	case "year":
		return int64(t.Year()), true
	case "month":
		return int64(t.Month()), true
	case "day":
		return int64(t.Day()), true
	case "hour":
		return int64(t.Hour()), true
	case "minute":
		return int64(t.Minute()), true
	case "second":
		return int64(t.Second()), true
	case "millisecond":
		return int64(t.Nanosecond() / 1_000_000), true
	case "microsecond":
		return int64(t.Nanosecond() / 1000), true
	default:
		return int64(t.Nanosecond()), true
	}
}

// arrayContainsSome is ARRAY_CONTAINS_ALL (all=true) / ARRAY_CONTAINS_ANY:
// full-match search for every / any of the values after the array. An
// undefined value matches nothing and makes an otherwise open answer
// undefined, as documented: ARRAY_CONTAINS_ALL([1, 2, 3, 4], 1, undefined)
// and ARRAY_CONTAINS_ANY([1, 2, 3, 4], 5, undefined) are undefined, while
// ARRAY_CONTAINS_ALL([1, 2, 3, 4], 5, undefined) is false.
func arrayContainsSome(all bool) fnSpec {
	return fnSpec{min: 2, max: 64, undefOK: true, fn: func(_ *executor, a []*value) *value {
		if a[0] == nil || a[0].kind != kindArray {
			return nil
		}
		undef := false
		for _, probe := range a[1:] {
			if probe == nil {
				undef = true
				continue
			}
			found := false
			for _, el := range a[0].arr {
				if equalValues(el, probe) {
					found = true
					break
				}
			}
			if found != all {
				return boolVal(found)
			}
		}
		if undef {
			return nil
		}
		return boolVal(all)
	}}
}

// stripPatternWhitespace applies the "x" modifier (.NET
// IgnorePatternWhitespace), which Go's regexp lacks: unescaped white space
// outside character classes is dropped and "#" starts a comment to the end
// of the line.
func stripPatternWhitespace(pat string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(pat); i++ {
		c := pat[i]
		switch {
		case c == '\\' && i+1 < len(pat):
			b.WriteByte(c)
			i++
			b.WriteByte(pat[i])
			continue
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			continue
		case c == '#':
			for i < len(pat) && pat[i] != '\n' {
				i++
			}
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// π/2 as an unevaluated sum of three doubles, for argument reduction.
var (
	pio2Hi  = math.Float64frombits(0x3FF921FB54442D18) // 1.5707963267948966
	pio2Mid = math.Float64frombits(0x3C91A62633145C07) // 6.123233995736766e-17
	pio2Lo  = math.Float64frombits(0xB91F1976B7ED8FBC) // -1.4973849048591698e-33
)

// tan is the tangent as precise as the service's (the C runtime's, close to
// correctly rounded). math.Tan reduces its argument with too few bits of π
// near the poles: math.Tan(π/2) is 16331239353195392, the service says
// 16331239353195370. Reducing by π/2 in triple precision and using
// tan(x) = -1/tan(x - π/2) on odd multiples keeps the last digits.
func tan(x float64) float64 {
	if math.Abs(x) <= math.Pi/4 || math.Abs(x) >= 1<<20 || math.IsNaN(x) {
		return math.Tan(x)
	}
	k := math.Round(x / pio2Hi)
	// x - k·hi is exact: both are multiples of 2⁻⁵² and the difference is small.
	r := math.FMA(-k, pio2Hi, x)
	r = math.FMA(-k, pio2Mid, r)
	r = math.FMA(-k, pio2Lo, r)
	if math.Mod(k, 2) != 0 {
		return -1 / math.Tan(r)
	}
	return math.Tan(r)
}

// formatDotNet formats t (UTC) with a .NET custom date and time format
// string, invariant culture (query-semantics.md: DATETIMEFORMAT follows
// .NET custom formats). ok is false for a malformed format.
func formatDotNet(t time.Time, f string) (string, bool) {
	var b strings.Builder
	pad := func(n, width int) {
		s := strconv.Itoa(n)
		for i := len(s); i < width; i++ {
			b.WriteByte('0')
		}
		b.WriteString(s)
	}
	rs := []rune(f)
	for i := 0; i < len(rs); {
		c := rs[i]
		n := 1
		for i+n < len(rs) && rs[i+n] == c {
			n++
		}
		switch c {
		case 'y':
			y := t.Year()
			if n <= 2 {
				y %= 100
			}
			pad(y, n)
		case 'M':
			switch {
			case n <= 2:
				pad(int(t.Month()), n)
			case n == 3:
				b.WriteString(t.Month().String()[:3])
			default:
				b.WriteString(t.Month().String())
			}
		case 'd':
			switch {
			case n <= 2:
				pad(t.Day(), n)
			case n == 3:
				b.WriteString(t.Weekday().String()[:3])
			default:
				b.WriteString(t.Weekday().String())
			}
		case 'H':
			pad(t.Hour(), min(n, 2))
		case 'h':
			h := t.Hour() % 12
			if h == 0 {
				h = 12
			}
			pad(h, min(n, 2))
		case 'm':
			pad(t.Minute(), min(n, 2))
		case 's':
			pad(t.Second(), min(n, 2))
		case 'f', 'F':
			if n > 7 {
				return "", false
			}
			digits := fmt.Sprintf("%09d", t.Nanosecond())[:n]
			if c == 'F' {
				digits = strings.TrimRight(digits, "0")
			}
			b.WriteString(digits)
		case 't':
			ampm := "AM"
			if t.Hour() >= 12 {
				ampm = "PM"
			}
			if n == 1 {
				ampm = ampm[:1]
			}
			b.WriteString(ampm)
		case 'z':
			switch n {
			case 1:
				b.WriteString("+0")
			case 2:
				b.WriteString("+00")
			default:
				b.WriteString("+00:00")
			}
		case 'K':
			b.WriteString(strings.Repeat("Z", n))
		case '\\':
			if i+1 >= len(rs) {
				return "", false
			}
			b.WriteRune(rs[i+1])
			i += 2
			continue
		case '\'', '"':
			j := i + 1
			for j < len(rs) && rs[j] != c {
				if rs[j] == '\\' && j+1 < len(rs) {
					j++
				}
				b.WriteRune(rs[j])
				j++
			}
			if j >= len(rs) {
				return "", false
			}
			i = j + 1
			continue
		case '%':
			// "%d" is the single-letter specifier d, not the standard format.
			i++
			continue
		default:
			b.WriteString(strings.Repeat(string(c), n))
		}
		i += n
	}
	return b.String(), true
}
